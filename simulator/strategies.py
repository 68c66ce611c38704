"""Three ways to spend the same daily contact budget, for the offline benchmark.

- ``StaticCadence``: the incumbent: fewest-contacted debtors first, channels in
  a fixed order (SMS, e-mail, WhatsApp, voice), always at 10:00 local.
- ``RandomChannel``: random debtors, random allowed channel and slot.
- ``Adaptive``: the models of this package: propensity x amount due picks the
  debtors, the per-debtor bandit with its segment prior picks channel and slot.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from recaudo.models.bandit import ChannelBandit, DebtorArms, SegmentPrior
from recaudo.models.features import ContactFeatures
from recaudo.models.propensity import PropensityModel
from recaudo.models.slots import ALL_ARMS, CHANNELS
from recaudo.streams.events import Channel


@dataclass(frozen=True, slots=True)
class Candidate:
    """An eligible debtor today, with what a strategy may know about them."""

    index: int
    channels: tuple[Channel, ...]
    days_past_due: int
    balance_minor: int
    amount_due_minor: int
    contacts: int
    segment: str


@dataclass(frozen=True, slots=True)
class Plan:
    index: int
    channel: Channel
    slot: int
    features: ContactFeatures
    score: float = 0.0
    #: A fixed local hour (the static cadence's 10:00); None: anywhere in the slot.
    hour: int | None = None


class Strategy(Protocol):
    name: str

    def plan(self, day: int, candidates: list[Candidate], budget: int) -> list[Plan]: ...

    def reward(self, plan: Plan, segment: str, engaged: bool) -> None: ...

    def label(self, features: ContactFeatures, paid: bool) -> None: ...


def _features(c: Candidate, channel: Channel, slot: int) -> ContactFeatures:
    return ContactFeatures(
        c.days_past_due, c.balance_minor, c.amount_due_minor, c.contacts, channel, slot, c.segment
    )


class StaticCadence:
    name = "static"
    order = (Channel.SMS, Channel.EMAIL, Channel.WHATSAPP, Channel.VOICE)

    def plan(self, day: int, candidates: list[Candidate], budget: int) -> list[Plan]:
        chosen = sorted(candidates, key=lambda c: (c.contacts, c.index))[:budget]
        out = []
        for c in chosen:
            step = c.contacts % len(self.order)
            rotated = self.order[step:] + self.order[:step]
            channel = next(ch for ch in rotated if ch in c.channels)
            out.append(Plan(c.index, channel, 0, _features(c, channel, 0), hour=10))
        return out

    def reward(self, plan: Plan, segment: str, engaged: bool) -> None:
        return None

    def label(self, features: ContactFeatures, paid: bool) -> None:
        return None


class RandomChannel:
    name = "random"

    def __init__(self, seed: int) -> None:
        self._rng = random.Random(seed)

    def plan(self, day: int, candidates: list[Candidate], budget: int) -> list[Plan]:
        chosen = self._rng.sample(candidates, min(budget, len(candidates)))
        out = []
        for c in chosen:
            channel = self._rng.choice(c.channels)
            slot = self._rng.randrange(4)
            out.append(Plan(c.index, channel, slot, _features(c, channel, slot)))
        return out

    def reward(self, plan: Plan, segment: str, engaged: bool) -> None:
        return None

    def label(self, features: ContactFeatures, paid: bool) -> None:
        return None


FATIGUE = 0.5


class Adaptive:
    """Bandit for channel and slot, propensity for whom; ``explore`` share goes at random.

    ``select="cadence"`` keeps the static cadence's choice of debtors and only
    lets the bandit pick channel and slot: the benchmark's ablation row.
    """

    def __init__(self, seed: int, explore: float = 0.1, select: str = "propensity") -> None:
        self.name = "adaptive" if select == "propensity" else "bandit_only"
        self._select = select
        self.bandit = ChannelBandit()
        self.propensity = PropensityModel(lr=0.05)
        self._arms: dict[int, DebtorArms] = {}
        self._segments: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._priors: dict[str, SegmentPrior] = {}
        self._rng = random.Random(seed)
        self._seed = seed
        self._explore = explore

    def _prior(self, segment: str) -> SegmentPrior:
        prior = self._priors.get(segment)
        if prior is None:
            s, f = self._segments.get(segment, (np.zeros(len(ALL_ARMS)), np.zeros(len(ALL_ARMS))))
            prior = self._priors[segment] = SegmentPrior.from_counts(s, f)
        return prior

    def plan(self, day: int, candidates: list[Candidate], budget: int) -> list[Plan]:
        self._priors.clear()  # segment priors refresh once a day, as a cache would
        scored: list[Plan] = []
        for c in candidates:
            state = self._arms.get(c.index) or DebtorArms.empty()
            choice = self.bandit.choose(
                state, self._prior(c.segment), c.channels, f"{self._seed}:{day}:{c.index}"
            )
            feats = _features(c, choice.channel, choice.slot)
            # Expected recovery, discounted for contact fatigue: each earlier
            # contact makes another one likelier to end in an opt-out.
            fatigue = FATIGUE**feats.contacts_so_far
            value = self.propensity.score(feats) * c.amount_due_minor * fatigue
            scored.append(Plan(c.index, choice.channel, choice.slot, feats, value))
        if self._select == "cadence":
            scored.sort(key=lambda p: (p.features.contacts_so_far, p.index))
            return scored[:budget]
        n_explore = int(budget * self._explore)
        scored.sort(key=lambda p: (-p.score, p.index))
        top = scored[: budget - n_explore]
        rest = scored[budget - n_explore :]
        return top + self._rng.sample(rest, min(n_explore, len(rest)))

    def reward(self, plan: Plan, segment: str, engaged: bool) -> None:
        state = self._arms.get(plan.index) or DebtorArms.empty()
        self._arms[plan.index] = self.bandit.update(state, plan.channel, plan.slot, engaged)
        s, f = self._segments.setdefault(
            segment, (np.zeros(len(ALL_ARMS)), np.zeros(len(ALL_ARMS)))
        )
        arm = CHANNELS.index(plan.channel) * 4 + plan.slot
        (s if engaged else f)[arm] += 1

    def label(self, features: ContactFeatures, paid: bool) -> None:
        self.propensity.learn(features, paid)
