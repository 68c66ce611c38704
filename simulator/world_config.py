"""The knobs of the simulated world and the hidden truth it reports.

Every parameter the world's behaviour rests on is a ``WorldConfig`` field, so a
benchmark can vary the world: a strategy tuned on the defaults has shown
nothing until it also wins on worlds it was not tuned on.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace
from enum import StrEnum


class DebtorType(StrEnum):
    """Hidden response type; the service never sees it, a learner can only infer it."""

    SURE_THING = "sure_thing"  # pays anyway (self-cure)
    PERSUADABLE = "persuadable"  # a reached contact raises the payment hazard
    LOST_CAUSE = "lost_cause"  # never pays
    SLEEPING_DOG = "sleeping_dog"  # contact raises opt-out/complaint, can cancel a self-cure


TYPES: tuple[DebtorType, ...] = tuple(DebtorType)


@dataclass(frozen=True, slots=True)
class WorldConfig:
    """Parameters of the world; the defaults are one plausible portfolio, not a truth."""

    days: int = 30
    #: Shares of (sure thing, persuadable, lost cause, sleeping dog) at zero signal.
    #: Calibrated, with ``sleeping_dog_harm``, to one stylized fact and no strategy:
    #: contacting every delinquent debtor weekly lifts recovered money a little on
    #: average (+4 % over seeds 1-3, 600 debtors; the first defaults lost 5 %).
    type_shares: tuple[float, float, float, float] = (0.15, 0.35, 0.42, 0.08)
    #: How strongly the type follows observed fields (0: not at all).
    type_signal: float = 1.0
    #: P(self-cure within ``self_cure_horizon_days``) by type, in ``TYPES`` order.
    self_cure_prob: tuple[float, float, float, float] = (0.95, 0.08, 0.0, 0.5)
    self_cure_mean_days: float = 14.0
    #: Share of self-curing debtors who pay off the whole balance, not just the arrears.
    self_cure_settle_share: float = 0.25
    self_cure_horizon_days: int = 60
    #: Share of debtors current at the start who fall due on a random day of the run.
    new_delinquency_share: float = 0.3
    #: Beyond this depth the whole balance is due (accelerated), so paying settles.
    accelerate_after_dpd: int = 90
    #: Payment hazard multiplier on a payday (15th, last business days, weekly payday).
    payday_boost: float = 3.0
    payday_last_business_days: int = 2
    weekly_payday_share: float = 0.3
    #: Share of debtors whose preferred channel and slot switch on a random day.
    drift_share: float = 0.25
    #: P(a reached persuadable pays because of this contact) scale; falls with depth.
    persuade_scale: float = 0.35
    persuade_depth_days: float = 150.0
    pay_mean_delay_days: float = 2.0
    #: Share of persuaded debtors who answer with a promise instead of just paying.
    promise_share: float = 0.5
    #: Mean hidden promise-keeping rate of persuadables (per-debtor Beta around it).
    promise_keep_rate: float = 0.6
    #: P(a reached lost cause answers with a promise it will break).
    false_promise_prob: float = 0.05
    full_payment_share: float = 0.7
    #: Opt-out hazard: base x (1 + per7 * contacts in 7 days + per14 * in 14 days).
    opt_out_per_contact_7d: float = 0.35
    opt_out_per_contact_14d: float = 0.1
    sleeping_dog_opt_out_mult: float = 4.0
    complaint_ratio: float = 0.15
    #: Share of opt-outs that cover every channel ("BAJA TODO", "STOP ALL").
    opt_out_all_share: float = 0.15
    #: P(a contact that reaches a sleeping dog cancels its self-cure).
    sleeping_dog_harm: float = 0.25
    #: Attention multiplier per contact received in the last 7 days.
    fatigue_attention: float = 0.85
    #: Per-channel transient failure (sms, email, whatsapp, voice) and share of bad addresses.
    transient_failure: tuple[float, float, float, float] = (0.03, 0.02, 0.04, 0.15)
    bad_address_share: tuple[float, float, float, float] = (0.04, 0.06, 0.05, 0.05)
    #: Share of debtors whose phone number reaches somebody else.
    wrong_party_share: float = 0.03
    #: P(a reached, unpersuaded debtor replies anyway: hardship, callback, dispute...).
    other_reply_prob: float = 0.25
    #: A collector's call (simulator.agent_call): redials in a day, and how much better
    #: a person persuades than a message.
    agent_attempts: int = 3
    agent_persuade_mult: float = 1.5

    def __post_init__(self) -> None:
        if self.days < 1:
            raise ValueError("days must be positive")
        if abs(sum(self.type_shares) - 1.0) > 1e-6 or min(self.type_shares) < 0:
            raise ValueError("type_shares must be non-negative and sum to 1")


def variants(base: WorldConfig, n: int, seed: int) -> list[WorldConfig]:
    """``n`` worlds around ``base`` for out-of-sample checks: a strategy tuned on ``base``
    should also win on these. Each behavioural knob is scaled or redrawn over a wide range."""
    rng = random.Random(f"world-variants:{seed}")
    out = []
    for _ in range(n):
        raw = [rng.gammavariate(20 * s, 1.0) if s > 0 else 0.0 for s in base.type_shares]
        total = sum(raw)
        shares = (raw[0] / total, raw[1] / total, raw[2] / total, 1 - sum(raw[:3]) / total)

        def scale(x: float, lo: float = 0.5, hi: float = 1.5) -> float:
            return x * rng.uniform(lo, hi)

        out.append(
            replace(
                base,
                type_shares=shares,
                type_signal=scale(base.type_signal, 0.3, 1.7),
                self_cure_mean_days=scale(base.self_cure_mean_days),
                payday_boost=1.0 + scale(base.payday_boost - 1.0, 0.3, 1.7),
                drift_share=min(1.0, scale(base.drift_share, 0.3, 1.7)),
                persuade_scale=scale(base.persuade_scale),
                promise_share=min(1.0, scale(base.promise_share, 0.6, 1.4)),
                promise_keep_rate=min(0.95, scale(base.promise_keep_rate, 0.6, 1.4)),
                opt_out_per_contact_7d=scale(base.opt_out_per_contact_7d, 0.4, 2.0),
                opt_out_per_contact_14d=scale(base.opt_out_per_contact_14d, 0.4, 2.0),
                sleeping_dog_harm=min(1.0, scale(base.sleeping_dog_harm)),
                fatigue_attention=min(1.0, scale(base.fatigue_attention, 0.85, 1.15)),
            )
        )
    return out


@dataclass(frozen=True, slots=True)
class DebtorTruth:
    """One debtor's hidden story so far (up to the last event taken)."""

    debtor_id: str
    type: DebtorType
    currency: str
    enrolled: bool  # delinquent at some point of the run so far
    owed_minor: int  # amount due when it became delinquent (or at start)
    balance_minor: int  # balance at that time; a self-cure may pay all of it
    recovered_minor: int  # every payment, so it can exceed owed_minor
    contacts: int
    opted_out: bool
    complained: bool
    self_cured: bool  # paid by its own self-cure, not after a contact
    would_self_cure: bool  # its self-cure falls inside the run (whether or not it happened)
    promises: int
    promises_kept: int


@dataclass(frozen=True, slots=True)
class WorldTruth:
    """Ground truth for the benchmark; amounts are summed per currency, never across."""

    debtors: tuple[DebtorTruth, ...]
    owed_by_currency: dict[str, int] = field(default_factory=dict)
    recovered_by_currency: dict[str, int] = field(default_factory=dict)
    enrolled: int = 0
    #: Mean over enrolled debtors of min(1, recovered / owed): share of arrears cured.
    recovered_share: float = 0.0
    self_cured: int = 0
    contacts: int = 0
    opted_out: int = 0
    complained: int = 0
    promises: int = 0
    promises_kept: int = 0
