"""Replay a strategy against a simulated portfolio, day by day, offline.

Every strategy gets the same daily contact budget, goes through the same
compliance gate (``simulator.compliance``) and meets the same hidden debtors
(``simulator.reactions``). Attribution is the service's rule: a payment inside
the window after a contact labels it success, the window expiring failure
(done in memory here; ``models.attribution`` is the Redis version).
"""

from __future__ import annotations

import datetime as dt
import heapq
import random
from dataclasses import dataclass, field

from recaudo.models.features import ContactFeatures
from recaudo.models.slots import CHANNELS, SLOT_HOURS, slot_start
from recaudo.simulator.compliance import CapPolicy, allowed
from recaudo.simulator.portfolio import AccountTable, DebtorBehaviour
from recaudo.simulator.reactions import sample_outcome
from recaudo.simulator.strategies import Candidate, Strategy
from recaudo.streams.events import Channel


@dataclass(frozen=True, slots=True)
class CampaignConfig:
    days: int = 30
    #: Contacts per debtor over the campaign, on average: the shared budget.
    contacts_per_debtor: float = 3.0
    window_days: int = 7
    caps: CapPolicy = field(default_factory=CapPolicy)
    start: dt.date = dt.date(2025, 6, 2)


@dataclass
class CampaignResult:
    strategy: str
    debtors: int
    contacts: int = 0
    engaged: int = 0
    opt_outs: int = 0
    recovered_minor: int = 0
    due_minor: int = 0
    labels: int = 0
    blocked: int = 0

    @property
    def recovered_per_contact(self) -> float:
        return self.recovered_minor / self.contacts if self.contacts else 0.0

    @property
    def recovery_rate(self) -> float:
        return self.recovered_minor / self.due_minor if self.due_minor else 0.0

    @property
    def opt_out_rate(self) -> float:
        return self.opt_outs / self.contacts if self.contacts else 0.0


@dataclass
class _Debtor:
    behaviour: DebtorBehaviour
    remaining: int
    channels: list[Channel]
    contacts: int = 0
    last_contact_day: int | None = None
    opted_out: bool = False
    promise_until: int = -1
    open: list[tuple[float, float, ContactFeatures]] = field(default_factory=list)


def run_campaign(
    table: AccountTable, strategy: Strategy, config: CampaignConfig, seed: int
) -> CampaignResult:
    rng = random.Random(seed)
    n = len(table)
    debtors = [
        _Debtor(table.behaviour(i), int(table.amount_due_minor[i]), list(table.consented(i)))
        for i in range(n)
    ]
    result = CampaignResult(strategy.name, n, due_minor=int(table.amount_due_minor.sum()))
    daily = [
        int(n * config.contacts_per_debtor * (d + 1) / config.days) for d in range(config.days)
    ]
    payments: list[tuple[float, int, int]] = []  # (hour, debtor, amount)
    window_h = 24.0 * config.window_days
    horizon_h = 24.0 * (config.days + config.window_days)
    for day in range(config.days + config.window_days):
        end_h = 24.0 * (day + 1)
        while payments and payments[0][0] < end_h:
            hour, i, amount = heapq.heappop(payments)
            d = debtors[i]
            got = min(amount, d.remaining)
            d.remaining -= got
            result.recovered_minor += got
            keep = []
            for made, expiry, feats in d.open:
                if made <= hour <= expiry:
                    strategy.label(feats, True)
                    result.labels += 1
                else:
                    keep.append((made, expiry, feats))
            d.open = keep
        for d in debtors:
            if d.open and d.open[0][1] < end_h:
                expired = [o for o in d.open if o[1] < end_h]
                d.open = [o for o in d.open if o[1] >= end_h]
                for _m, _e, feats in expired:
                    strategy.label(feats, False)
                    result.labels += 1
        if day >= config.days:
            continue
        budget = daily[day] - (daily[day - 1] if day else 0)
        candidates = []
        for i, d in enumerate(debtors):
            if (
                d.remaining <= 0
                or d.opted_out
                or not d.channels
                or d.promise_until >= day
                or d.contacts >= config.caps.max_contacts
                or (
                    d.last_contact_day is not None
                    and day - d.last_contact_day < config.caps.min_gap_days
                )
            ):
                continue
            dpd = int(table.days_past_due[i]) + day
            candidates.append(
                Candidate(
                    i,
                    tuple(d.channels),
                    dpd,
                    int(table.balance_minor[i]),
                    d.remaining,
                    d.contacts,
                    table.segment_name(i),
                )
            )
        date = config.start + dt.timedelta(days=day)
        for plan in strategy.plan(day, candidates, budget):
            i = plan.index
            d = debtors[i]
            tz = table.timezone(i)
            start = slot_start(date, plan.slot, tz)
            if plan.hour is not None:
                at = start + dt.timedelta(hours=plan.hour - SLOT_HOURS[plan.slot][0])
            else:
                at = start + dt.timedelta(minutes=rng.randint(0, 120))
            if not allowed(
                jurisdiction=table.jurisdiction(i),
                timezone=tz,
                channel=plan.channel,
                at=at,
                days_past_due=plan.features.days_past_due,
                consent=plan.channel in d.channels,
                opted_out_all=d.opted_out,
                bounced=False,
                day=day,
                last_contact_day=d.last_contact_day,
                contacts=d.contacts,
                caps=config.caps,
            ):
                result.blocked += 1
                continue
            out = sample_outcome(
                d.behaviour,
                plan.channel,
                plan.slot,
                plan.features.days_past_due,
                d.remaining,
                d.contacts,
                rng,
            )
            result.contacts += 1
            d.contacts += 1
            d.last_contact_day = day
            made_h = 24.0 * day + SLOT_HOURS[plan.slot][0]
            d.open.append((made_h, made_h + window_h, plan.features))
            if out.permanent_failure:
                d.channels.remove(plan.channel)
            if out.opted_out:
                d.opted_out = True
                result.opt_outs += 1
            if out.engaged and not out.opted_out:
                result.engaged += 1
            if out.promise_days is not None:
                d.promise_until = day + out.promise_days
            if out.paid_minor > 0 and made_h + out.pay_after_h < horizon_h:
                heapq.heappush(payments, (made_h + out.pay_after_h, i, out.paid_minor))
            strategy.reward(plan, table.segment_name(i), out.engaged and not out.opted_out)
    return result


__all__ = ["CHANNELS", "CampaignConfig", "CampaignResult", "run_campaign"]
