"""The live strategy: at a decision point, contact now, contact at a better hour, or skip.

Pure (numbers in, a ``Target`` out); the Redis-backed models it reads (uplift
sums, the day's capacity, the segment prior) are loaded around each batch by
``models.online``.

Whom: in ``adaptive`` mode a cadence step is worth its expected *incremental*
recovery — the uplift learned from treated against holdout debtors in the same
context, times the amount due in reference units — less the channel's cost and
a cost per contact in the last 7 days. It is taken when that value clears the
tenant's minimum and the day's capacity bar (``models.capacity``: the value at
rank ``daily_capacity`` among yesterday's candidates); every valued candidate,
admitted or not, feeds tomorrow's bar. A per-debtor rolling budget caps
contacts whatever the value. ``amount`` mode ranks by the amount due alone (no
learning) against the same bar; ``cadence`` contacts every step.

Channel and hour: the per-debtor bandit over (channel, local slot). The arm is
sampled from its Thompson probabilities, so the probability of what was chosen
is exact; a slot later than now defers the contact to that slot's start.

Exploration: with probability ``explore`` the option is drawn uniformly among
skip and the allowed channels. Every option's probability is logged.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from dataclasses import dataclass
from typing import TypeVar
from zoneinfo import ZoneInfo

from recaudo.contracts.events import Channel
from recaudo.contracts.ports import Offer, Target
from recaudo.contracts.state import AccountState, DebtorStateBase
from recaudo.contracts.targeting import Targeting
from recaudo.models import seeded
from recaudo.models.bandit import ChannelBandit, DebtorArms, SegmentPrior
from recaudo.models.capacity import DayCapacity
from recaudo.models.slots import N_SLOTS, next_in_slot, slot_of
from recaudo.models.uplift import Context, UpliftModel

SKIP = "skip"
K = TypeVar("K")
WEEK_S = 7 * 86400.0


@dataclass(frozen=True, slots=True)
class Models:
    """What the strategy reads for one tenant and debtor, loaded before the batch."""

    arms: DebtorArms
    prior: SegmentPrior | None
    uplift: UpliftModel
    capacity: DayCapacity | None
    versions: dict[str, str]


def recent_contacts(state: DebtorStateBase, now: float, window_s: float) -> int:
    return sum(1 for h in state.history if h.kind == "attempt" and now - h.at <= window_s)


def context_of(
    state: DebtorStateBase, account: AccountState, at: dt.datetime, targeting: Targeting
) -> Context:
    local_day = at.astimezone(ZoneInfo(state.tz or "UTC")).date()
    contacts = recent_contacts(state, at.timestamp(), 2 * WEEK_S)
    value = targeting.value_of(account.due, account.cur)
    context = Context.of(account.days_past_due, value, contacts, local_day, state.seg)
    return dataclasses.replace(context, payday=False) if "payday" in targeting.ablate else context


class LiveStrategy:
    def __init__(self, bandit: ChannelBandit) -> None:
        self._bandit = bandit

    def target(self, offer: Offer, models: Models) -> Target:
        t = offer.targeting
        state = offer.state
        account = state.accounts[offer.account_id]
        now = offer.at.timestamp()
        context = context_of(state, account, offer.at, t)
        local = offer.at.astimezone(ZoneInfo(state.tz or "UTC"))
        features: dict[str, float | str] = {
            "step": offer.step_id,
            "dpd": float(account.days_past_due),
            "amount_due_minor": float(account.due),
            "currency": account.cur,
            "segment": state.seg or "",
            "contacts_7d": float(recent_contacts(state, now, WEEK_S)),
            "weekday": float(local.isoweekday()),
            "dom": float(local.day),
            "context": context.key,
        }
        slot_now = slot_of(offer.at, state.tz or "UTC")
        learned = t.mode == "adaptive" and "bandit" not in t.ablate
        arm_p = self._arm_probabilities(offer, models, slot_now) if learned else {}
        channel_p = _channel_marginal(arm_p) if learned else {offer.channels[0]: 1.0}
        if learned:
            greedy = max(channel_p, key=lambda c: (channel_p[c], -offer.channels.index(c)))
            features["greedy_channel"] = greedy.value
        versions = models.versions

        if offer.preferred is not None and offer.preferred in offer.channels:
            # Already chosen (a contact that waited for its hour): carry it out.
            return Target(
                offer.preferred,
                "strategy.chosen_hour",
                features=features,
                scores={"slot": float(slot_now if slot_now is not None else -1)},
                model_versions=versions,
            )
        if not offer.may_skip or t.mode == "cadence":
            options = {c.value: p for c, p in channel_p.items()}
            channel = _draw(channel_p, offer.seed, "channel")
            return self._contact(offer, channel, arm_p, slot_now, options, features, versions)

        budget_used = recent_contacts(state, now, t.budget_days * 86400.0)
        if budget_used >= t.debtor_budget:
            return Target(
                None,
                "strategy.debtor_budget",
                features=features,
                scores={"contacts_in_budget": float(budget_used)},
                model_versions=versions,
            )
        amount_value = t.value_of(account.due, account.cur)
        scores: dict[str, float] = {"amount_value": amount_value}
        if t.mode == "amount":
            value = amount_value
        elif "uplift" in t.ablate:
            cost = sum(p * t.cost_of(c) for c, p in channel_p.items())
            value = amount_value - cost - t.fatigue_cost * float(features["contacts_7d"])
        else:
            estimate = models.uplift.estimate(context)
            cost = sum(p * t.cost_of(c) for c, p in channel_p.items())
            fatigue = t.fatigue_cost * float(features["contacts_7d"])
            value = estimate.uplift * amount_value - cost - fatigue
            scores |= {
                "uplift": estimate.uplift,
                "paid_share_treated": estimate.treated,
                "paid_share_control": estimate.control,
                "expected_cost": cost + fatigue,
            }
        # Valued before the capacity is asked, so every candidate feeds the bar.
        capacity = models.capacity
        bar = max(t.min_value, capacity.bar(offer.at) if capacity is not None else -math.inf)
        scores |= {"value": value, "threshold": bar}
        features["value"] = value
        if capacity is not None and capacity.full():
            return Target(
                None,
                "strategy.daily_capacity",
                features=features,
                scores=scores | {"capacity_used": float(capacity.used)},
                model_versions=versions,
            )
        if capacity is not None and capacity.sampling():
            return Target(
                None,
                "strategy.capacity_sample",
                features=features,
                scores={k: v for k, v in scores.items() if k != "threshold"}
                | {"candidates_seen": float(capacity.seen())},
                model_versions=versions,
            )
        contact = value >= bar
        options_p: dict[str, float] = {}
        n = len(offer.channels) + 1
        for option in (SKIP, *(c.value for c in offer.channels)):
            greedy_p = (1.0 if option == SKIP else 0.0) if not contact else 0.0
            if contact and option != SKIP:
                greedy_p = channel_p.get(Channel(option), 0.0)
            options_p[option] = t.explore / n + (1.0 - t.explore) * greedy_p
        explored = seeded.uniform(offer.seed, "strategy") < t.explore
        if explored:
            every = [SKIP, *(c.value for c in offer.channels)]
            taken = every[seeded.below(offer.seed, "strategy", len(every), index=1)]
        else:
            taken = _draw({c.value: p for c, p in channel_p.items()}, offer.seed, "channel")
            taken = taken if contact else SKIP
        if taken == SKIP:
            return Target(
                None,
                "strategy.skip",
                options=options_p,
                propensity=options_p[SKIP],
                features=features | {"explored": float(explored)},
                scores=scores,
                model_versions=versions,
            )
        target = self._contact(
            offer, Channel(taken), arm_p, slot_now, options_p, features, versions
        )
        return Target(
            target.channel,
            "strategy.contact",
            target.wait_until,
            options_p,
            options_p[taken],
            features | {"explored": float(explored)},
            target.scores | scores,
            versions,
            target.context,
        )

    def _arm_probabilities(
        self, offer: Offer, models: Models, slot_now: int | None
    ) -> dict[tuple[Channel, int], float]:
        slots = range(N_SLOTS) if offer.may_wait or slot_now is None else (slot_now,)
        allowed = [(c, s) for c in offer.channels for s in slots]
        probs = self._bandit.probabilities(models.arms, models.prior, allowed, offer.seed)
        return {(arm.channel, arm.slot): p for arm, p in probs.items()}

    def _contact(
        self,
        offer: Offer,
        channel: Channel,
        arm_p: dict[tuple[Channel, int], float],
        slot_now: int | None,
        options: dict[str, float],
        features: dict[str, float | str],
        versions: dict[str, str],
    ) -> Target:
        slot = slot_now
        wait_until = None
        conditional = {s: p for (c, s), p in arm_p.items() if c is channel}
        if conditional and offer.may_wait:
            slot = _draw(conditional, offer.seed, "slot")
            if slot != slot_now:
                wait_until = next_in_slot(offer.at, slot, offer.state.tz or "UTC")
        scores = {"slot": float(slot if slot is not None else -1)}
        if arm_p:
            scores["arm_probability"] = arm_p.get((channel, slot), 0.0) if slot is not None else 0.0
        return Target(
            channel,
            "strategy.cadence" if offer.targeting.mode == "cadence" else "strategy.contact",
            wait_until,
            options,
            options.get(channel.value),
            features,
            scores,
            versions,
        )


def _channel_marginal(arm_p: dict[tuple[Channel, int], float]) -> dict[Channel, float]:
    out: dict[Channel, float] = {}
    for (channel, _slot), p in arm_p.items():
        out[channel] = out.get(channel, 0.0) + p
    return out


def _draw(probabilities: dict[K, float], seed: str, purpose: str) -> K:
    """One seeded draw from ``probabilities``: a replayed decision draws the same."""
    items = list(probabilities.items())
    total = sum(p for _, p in items)
    u = seeded.uniform(seed, purpose) * total
    for key, p in items:
        u -= p
        if u < 0:
            return key
    return items[-1][0]
