"""Every draw of the world that does not depend on contacts, made once per debtor.

Common random numbers: types, self-cure times, paydays, drift days and bad
addresses come from ``(seed, 8)`` at construction, as numpy columns, so every
strategy run against the same seed meets the same debtors and the same
self-cures, and two strategies compare paired.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from recaudo.models.slots import CHANNELS, N_SLOTS
from recaudo.simulator.paydays import local_midnights, month_paydays
from recaudo.simulator.portfolio import REGIONS, AccountTable
from recaudo.simulator.world_config import TYPES, DebtorType, WorldConfig

NEVER = np.iinfo(np.int64).max
#: Type effects of (depth z-score, log amount z-score); a weak signal on purpose.
_TYPE_SLOPES = np.array([[-0.6, -0.3], [-0.2, 0.0], [0.6, 0.2], [0.0, 0.1]])
#: Type effects by segment (s0..s3) and by product (card, personal_loan, bnpl, telco).
_TYPE_SEGMENT = np.array([[0, 0, 0, 0.2], [0.3, 0.3, -0.2, 0], [0, -0.2, 0.2, 0], [0, 0, 0.4, 0]])
_TYPE_PRODUCT = np.array([[0.3, 0, 0, 0], [0, 0.2, 0, 0], [0, 0, 0, 0.2], [0, 0, 0.3, 0.3]])


@dataclass(frozen=True, slots=True)
class Population:
    """Hidden per-debtor columns; row ``i`` is debtor ``i`` of the ``AccountTable``."""

    type: npt.NDArray[np.int8]
    enrol_day: npt.NDArray[np.int32]  # day of the run the debtor is delinquent from
    dpd0: npt.NDArray[np.int32]  # days past due on the enrolment day (1 for new ones)
    amount_due0: npt.NDArray[np.int64]
    balance0: npt.NDArray[np.int64]
    weekly_payday: npt.NDArray[np.int8]  # weekday 0-6, or -1
    self_cure_ms: npt.NDArray[np.int64]  # NEVER if none within the horizon
    drift_ms: npt.NDArray[np.int64]  # NEVER if the preference never drifts
    drift_channel: npt.NDArray[np.int8]
    drift_slot: npt.NDArray[np.int8]
    bad_address: npt.NDArray[np.bool_]  # (n, channels)
    wrong_party: npt.NDArray[np.bool_]
    persuade: npt.NDArray[np.float32]
    promise_keep: npt.NDArray[np.float32]
    settles: npt.NDArray[np.bool_]  # a self-cure pays off the whole balance
    #: Per region: local date of the start, month paydays from it, local midnights (ms).
    first_dates: tuple[dt.date, ...]
    paydays: npt.NDArray[np.bool_]  # (regions, days)
    midnights: npt.NDArray[np.int64]  # (regions, days)


def _types(
    table: AccountTable, dpd: npt.NDArray[np.int32], due: npt.NDArray[np.int64],
    cfg: WorldConfig, rng: np.random.Generator,
) -> npt.NDArray[np.int8]:  # fmt: skip
    """Softmax of type logits plus Gumbel noise: shares near ``type_shares``, weakly observable."""
    z_dpd = np.log1p(dpd.astype(np.float64))
    z_dpd = (z_dpd - z_dpd.mean()) / (z_dpd.std() + 1e-9)
    z_amt = np.log(due.astype(np.float64))
    z_amt = (z_amt - z_amt.mean()) / (z_amt.std() + 1e-9)
    shares = np.maximum(np.array(cfg.type_shares), 1e-12)
    effect = z_dpd[:, None] * _TYPE_SLOPES[:, 0] + z_amt[:, None] * _TYPE_SLOPES[:, 1]
    effect += _TYPE_SEGMENT[:, table.segment].T + _TYPE_PRODUCT[:, table.product].T
    logits = np.log(shares) + cfg.type_signal * effect + rng.gumbel(size=(len(table), len(TYPES)))
    return np.argmax(logits, axis=1).astype(np.int8)


def _self_cure(
    pop_region: npt.NDArray[np.int8], enrol_day: npt.NDArray[np.int32],
    weekly: npt.NDArray[np.int8], cures: npt.NDArray[np.bool_], first_dates: tuple[dt.date, ...],
    paydays: npt.NDArray[np.bool_], midnights: npt.NDArray[np.int64],
    cfg: WorldConfig, rng: np.random.Generator,
) -> npt.NDArray[np.int64]:  # fmt: skip
    """A self-cure day drawn from a decaying hazard boosted on paydays, at a local daytime hour."""
    n = len(enrol_day)
    horizon = cfg.self_cure_horizon_days
    k = np.arange(1, horizon + 1)
    u = rng.random(n)
    hour_ms = rng.integers(9 * 3_600_000, 21 * 3_600_000, n)
    out = np.full(n, NEVER, dtype=np.int64)
    weekday0 = np.array([d.weekday() for d in first_dates])[pop_region]
    for lo in range(0, n, 50_000):  # chunks bound memory at (chunk x horizon)
        sl = slice(lo, min(n, lo + 50_000))
        day = enrol_day[sl, None] + k[None, :]
        pay = paydays[pop_region[sl, None], day]
        pay |= (weekday0[sl, None] + day) % 7 == weekly[sl, None]
        w = np.exp(-k / cfg.self_cure_mean_days)[None, :] * np.where(pay, cfg.payday_boost, 1.0)
        cum = np.cumsum(w, axis=1)
        pick = (cum < (u[sl] * cum[:, -1])[:, None]).sum(axis=1)
        chosen = enrol_day[sl] + k[pick]
        out[sl] = midnights[pop_region[sl], chosen] + hour_ms[sl]
    out[~cures] = NEVER
    return out


def draw_population(
    table: AccountTable, seed: int, start: dt.datetime, cfg: WorldConfig
) -> Population:
    rng = np.random.default_rng([seed, 8])
    n = len(table)
    n_days = cfg.days + max(cfg.self_cure_horizon_days, 16) + 2  # room for promises
    zones = tuple(r[1] for r in REGIONS)
    first_dates, midnights = local_midnights(start, zones, n_days)
    paydays = np.stack(
        [month_paydays(f, n_days, cfg.payday_last_business_days) for f in first_dates]
    )
    new = rng.random(n) < cfg.new_delinquency_share if cfg.days > 1 else np.zeros(n, np.bool_)
    enrol_day = np.where(new, rng.integers(1, max(cfg.days, 2), n), 0).astype(np.int32)
    dpd0 = np.where(new, 1, table.days_past_due).astype(np.int32)
    accelerated = dpd0 > cfg.accelerate_after_dpd
    amount_due0 = np.where(accelerated, table.balance_minor, table.amount_due_minor)
    kind = _types(table, np.maximum(dpd0, 1), amount_due0, cfg, rng)
    weekly = np.where(rng.random(n) < cfg.weekly_payday_share, rng.integers(0, 7, n), -1)
    weekly = weekly.astype(np.int8)
    cures = rng.random(n) < np.array(cfg.self_cure_prob)[kind]
    region = table.region
    self_cure_ms = _self_cure(
        region, enrol_day, weekly, cures, first_dates, paydays, midnights, cfg, rng
    )
    # Drift: a new preferred channel (among consented ones) and slot from a random day on.
    drifts = rng.random(n) < cfg.drift_share
    drift_day = rng.integers(1, max(cfg.days, 2), n)
    drift_ms = midnights[region, drift_day] + rng.integers(0, 86_400_000, n)
    drift_ms = np.where(drifts, drift_ms, NEVER)
    pick = rng.random((n, len(CHANNELS))) * table.consent
    pick[np.arange(n), table.preferred_channel] = -1.0
    drift_channel = np.where(pick.max(axis=1) > 0, pick.argmax(axis=1), table.preferred_channel)
    shift = rng.integers(1, N_SLOTS, n)
    drift_slot = (table.preferred_slot + shift) % N_SLOTS
    keep_mean = cfg.promise_keep_rate
    return Population(
        type=kind,
        enrol_day=enrol_day,
        dpd0=dpd0,
        amount_due0=amount_due0.astype(np.int64),
        balance0=table.balance_minor.copy(),
        weekly_payday=weekly,
        self_cure_ms=self_cure_ms,
        drift_ms=drift_ms.astype(np.int64),
        drift_channel=drift_channel.astype(np.int8),
        drift_slot=drift_slot.astype(np.int8),
        bad_address=rng.random((n, len(CHANNELS))) < np.array(cfg.bad_address_share),
        wrong_party=rng.random(n) < cfg.wrong_party_share,
        persuade=np.minimum(1.0, cfg.persuade_scale * rng.beta(2.0, 3.0, n) / 0.4).astype(
            np.float32
        ),
        promise_keep=rng.beta(max(6 * keep_mean, 1e-3), max(6 * (1 - keep_mean), 1e-3), n).astype(
            np.float32
        ),
        settles=rng.random(n) < cfg.self_cure_settle_share,
        first_dates=first_dates,
        paydays=paydays,
        midnights=midnights,
    )


def type_of(pop: Population, i: int) -> DebtorType:
    return TYPES[int(pop.type[i])]
