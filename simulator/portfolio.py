"""Seeded synthetic portfolios: accounts, contact points and hidden behaviour.

``generate_accounts`` draws every debtor at once as numpy columns (1M debtors
in seconds, no per-debtor objects); ``generate_portfolio`` turns rows into
validated ``AccountEvent`` objects lazily. The same ``(n, seed)`` always gives
the same portfolio.

Hidden behaviour is tied to the lender's segment the way real portfolios are
(younger segments answer WhatsApp, others e-mail or the phone), so pooling a
prior by segment has something to find, but every debtor still differs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from recaudo.contracts.events import (
    AccountEvent,
    AccountStatus,
    Channel,
    ContactPoint,
    Money,
)
from recaudo.models.slots import CHANNELS, N_SLOTS

#: (jurisdiction, time zone, language, currency)
REGIONS: tuple[tuple[str, str, str, str], ...] = (
    ("CO", "America/Bogota", "es", "COP"),
    ("MX", "America/Mexico_City", "es", "MXN"),
    ("PE", "America/Lima", "es", "PEN"),
    ("US-NY", "America/New_York", "en", "USD"),
    ("BR", "America/Sao_Paulo", "pt", "BRL"),
)
PRODUCTS: tuple[str, ...] = ("card", "personal_loan", "bnpl", "telco")
SEGMENTS: tuple[str, ...] = ("s0", "s1", "s2", "s3")
#: P(preferred channel = c | segment), channels in ``CHANNELS`` order (sms, email, wa, voice).
SEGMENT_CHANNEL_MIX = np.array(
    [
        [0.15, 0.10, 0.65, 0.10],
        [0.15, 0.60, 0.15, 0.10],
        [0.20, 0.10, 0.15, 0.55],
        [0.55, 0.15, 0.15, 0.15],
    ]
)
#: P(preferred slot | segment).
SEGMENT_SLOT_MIX = np.array(
    [
        [0.10, 0.15, 0.20, 0.55],
        [0.45, 0.30, 0.15, 0.10],
        [0.20, 0.45, 0.25, 0.10],
        [0.25, 0.25, 0.25, 0.25],
    ]
)


@dataclass(frozen=True, slots=True)
class DebtorBehaviour:
    """What a debtor would do, hidden from the service; the world samples from it.

    ``reach[c]``: P(the debtor notices a delivered message on channel c at a good
    hour); ``slot_affinity[s]`` scales it by local time slot. ``pay_propensity``:
    P(paying once reached, at 0 days past due); it decays with delinquency.
    """

    debtor_index: int
    preferred_channel: Channel
    preferred_slot: int
    reach: tuple[float, ...]
    slot_affinity: tuple[float, ...]
    pay_propensity: float
    promise_keeping: float
    opt_out_rate: float
    delivery_failure: tuple[float, ...]
    pay_delay_days: float


@dataclass(frozen=True, slots=True)
class AccountTable:
    """A whole portfolio as columns (row ``i`` is debtor ``i``)."""

    seed: int
    balance_minor: npt.NDArray[np.int64]
    amount_due_minor: npt.NDArray[np.int64]
    days_past_due: npt.NDArray[np.int32]
    region: npt.NDArray[np.int8]
    product: npt.NDArray[np.int8]
    segment: npt.NDArray[np.int8]
    consent: npt.NDArray[np.bool_]  # (n, channels)
    preferred_channel: npt.NDArray[np.int8]
    preferred_slot: npt.NDArray[np.int8]
    reach: npt.NDArray[np.float32]  # (n, channels)
    slot_affinity: npt.NDArray[np.float32]  # (n, slots)
    pay_propensity: npt.NDArray[np.float32]
    promise_keeping: npt.NDArray[np.float32]
    opt_out_rate: npt.NDArray[np.float32]
    delivery_failure: npt.NDArray[np.float32]  # (n, channels)
    pay_delay_days: npt.NDArray[np.float32]

    def __len__(self) -> int:
        return int(self.balance_minor.shape[0])

    def debtor_id(self, i: int) -> str:
        return f"d{self.seed}-{i:07d}"

    def account_id(self, i: int) -> str:
        return f"a{self.seed}-{i:07d}"

    def timezone(self, i: int) -> str:
        return REGIONS[int(self.region[i])][1]

    def jurisdiction(self, i: int) -> str:
        return REGIONS[int(self.region[i])][0]

    def language(self, i: int) -> str:
        return REGIONS[int(self.region[i])][2]

    def currency(self, i: int) -> str:
        return REGIONS[int(self.region[i])][3]

    def segment_name(self, i: int) -> str:
        return SEGMENTS[int(self.segment[i])]

    def consented(self, i: int) -> tuple[Channel, ...]:
        return tuple(c for k, c in enumerate(CHANNELS) if self.consent[i, k])

    def behaviour(self, i: int) -> DebtorBehaviour:
        return DebtorBehaviour(
            debtor_index=i,
            preferred_channel=CHANNELS[int(self.preferred_channel[i])],
            preferred_slot=int(self.preferred_slot[i]),
            reach=tuple(float(x) for x in self.reach[i]),
            slot_affinity=tuple(float(x) for x in self.slot_affinity[i]),
            pay_propensity=float(self.pay_propensity[i]),
            promise_keeping=float(self.promise_keeping[i]),
            opt_out_rate=float(self.opt_out_rate[i]),
            delivery_failure=tuple(float(x) for x in self.delivery_failure[i]),
            pay_delay_days=float(self.pay_delay_days[i]),
        )

    def contact_points(self, i: int) -> tuple[ContactPoint, ...]:
        # A valid NANP number per debtor (input is validated): exchange 200-999 without N11.
        exchange = 200 + (i // 10000) % 800
        phone = f"+1212{exchange + (exchange % 100 == 11):03d}{i % 10000:04d}"
        out = []
        for c in self.consented(i):
            address = f"{self.debtor_id(i)}@example.com" if c is Channel.EMAIL else phone
            out.append(ContactPoint(channel=c, address=address, consent=True))
        return tuple(out)

    def account_event(self, i: int, tenant_id: str, now: dt.datetime) -> AccountEvent:
        dpd = int(self.days_past_due[i])
        currency = self.currency(i)
        return AccountEvent(
            event_id=f"acct-{self.seed}-{i:07d}-{dpd}",
            tenant_id=tenant_id,
            occurred_at=now,
            debtor_id=self.debtor_id(i),
            account_id=self.account_id(i),
            balance=Money(amount_minor=int(self.balance_minor[i]), currency=currency),
            amount_due=Money(amount_minor=int(self.amount_due_minor[i]), currency=currency),
            due_date=(now - dt.timedelta(days=dpd)).date(),
            days_past_due=dpd,
            status=AccountStatus.DELINQUENT if dpd > 0 else AccountStatus.CURRENT,
            product=PRODUCTS[int(self.product[i])],
            jurisdiction=self.jurisdiction(i),
            timezone=self.timezone(i),
            language=self.language(i),
            contact_points=self.contact_points(i),
            segment=self.segment_name(i),
            **self.message_fields(i),
        )

    def message_fields(self, i: int) -> dict[str, str]:
        """What a lender's feed carries for the message texts (names, references)."""
        return {
            "debtor_name": f"Debtor {i}",
            "creditor_name": "Demo Lender",
            "account_reference": f"****{i % 10_000:04d}",
            "payment_reference": f"PAY-{self.account_id(i)}",
        }


def generate_accounts(n: int, seed: int) -> AccountTable:
    """Draw ``n`` debtors at once; fast enough for 1M (a few seconds, ~100 MB)."""
    if n < 1:
        raise ValueError("n must be positive")
    rng = np.random.default_rng(seed)
    n_ch = len(CHANNELS)
    segment = rng.integers(0, len(SEGMENTS), n).astype(np.int8)
    balance = np.round(rng.lognormal(np.log(80_000), 1.0, n)).astype(np.int64) + 1_000
    due_share = rng.uniform(0.05, 0.4, n)
    amount_due = np.maximum(500, np.round(balance * due_share)).astype(np.int64)
    dpd = np.minimum(rng.geometric(1 / 35, n), 360).astype(np.int32)
    # Preferred channel and slot from the segment's mix (inverse-CDF per row).
    u = rng.random(n)[:, None]
    pref_ch = (u > np.cumsum(SEGMENT_CHANNEL_MIX[segment], axis=1)).sum(axis=1).astype(np.int8)
    pref_ch = np.minimum(pref_ch, n_ch - 1)
    u = rng.random(n)[:, None]
    pref_slot = (u > np.cumsum(SEGMENT_SLOT_MIX[segment], axis=1)).sum(axis=1).astype(np.int8)
    pref_slot = np.minimum(pref_slot, N_SLOTS - 1)
    consent = rng.random((n, n_ch)) < np.array([0.9, 0.85, 0.6, 0.7])
    consent[np.arange(n), pref_ch] = True
    reach = rng.uniform(0.02, 0.12, (n, n_ch)).astype(np.float32)
    reach[np.arange(n), pref_ch] = rng.uniform(0.35, 0.75, n)
    affinity = rng.uniform(0.25, 0.6, (n, N_SLOTS)).astype(np.float32)
    affinity[np.arange(n), pref_slot] = 1.0
    failure = rng.uniform(0.01, 0.08, (n, n_ch)).astype(np.float32)
    bad_address = rng.random((n, n_ch)) < 0.03
    failure[bad_address] = 1.0
    failure[np.arange(n), pref_ch] = np.minimum(failure[np.arange(n), pref_ch], 0.05)
    return AccountTable(
        seed=seed,
        balance_minor=balance,
        amount_due_minor=amount_due,
        days_past_due=dpd,
        region=rng.integers(0, len(REGIONS), n).astype(np.int8),
        product=rng.integers(0, len(PRODUCTS), n).astype(np.int8),
        segment=segment,
        consent=consent,
        preferred_channel=pref_ch,
        preferred_slot=pref_slot,
        reach=reach,
        slot_affinity=affinity,
        pay_propensity=rng.beta(2.0, 3.0, n).astype(np.float32),
        promise_keeping=rng.beta(4.0, 2.0, n).astype(np.float32),
        opt_out_rate=rng.uniform(0.002, 0.02, n).astype(np.float32),
        delivery_failure=failure,
        pay_delay_days=rng.uniform(0.2, 4.0, n).astype(np.float32),
    )


def generate_portfolio(
    n: int, seed: int, tenant_id: str, now: dt.datetime
) -> Iterator[AccountEvent]:
    """One ``AccountEvent`` per debtor, in debtor order, reproducible from ``(n, seed)``."""
    table = generate_accounts(n, seed)
    for i in range(n):
        yield table.account_event(i, tenant_id, now)
