"""The challenger: what a candidate policy would have done at each logged choice.

A challenger maps (logged context, offered options) to probabilities over those
options. It only chooses among what was offered, because only those actions were
allowed by the rules at that moment; when it cannot decide (an unknown step, none
of its channels offered, a feature it needs is missing) it answers None and the
record is counted as unsupported rather than guessed.

The mapping from a tenant policy, by ``[targeting] mode``:

- ``cadence``: the first offered channel in the logged step's channel order; never skip.
- ``amount``: that channel iff the amount due in reference units is at least the
  threshold (``--threshold``, else ``targeting.min_value``), else skip.
- ``adaptive``: contact iff the logged ``value`` is at least ``min_value``, on the
  logged policy's ``greedy_channel`` when logged and offered, else the first
  offered channel in order.

New modes add a branch in ``PolicyChallenger.probabilities``; anything with the
same method (a learned model, a stochastic policy) is a ``Challenger`` too.
"""

from __future__ import annotations

from collections.abc import Mapping

from recaudo.models.offpolicy.base import Features
from recaudo.models.offpolicy.logged import SKIP, number
from recaudo.rules.policy import TenantPolicy


class PolicyChallenger:
    """A tenant policy file as a deterministic challenger (see the module docstring)."""

    def __init__(self, policy: TenantPolicy, threshold: float | None = None) -> None:
        self.policy = policy
        self.mode = policy.targeting.mode
        self.threshold = policy.targeting.min_value if threshold is None else threshold
        self._order = {step.id: tuple(str(c) for c in step.channels) for step in policy.cadence}

    @property
    def name(self) -> str:
        return f"{self.policy.name}@{self.policy.version} ({self.mode})"

    def probabilities(
        self, features: Features, offered: Mapping[str, float]
    ) -> dict[str, float] | None:
        channel = self._first_channel(features, offered)
        if self.mode == "cadence":
            return None if channel is None else {channel: 1.0}
        if self.mode == "amount":
            value = self._amount_value(features)
        else:
            value = number(dict(features), "value")
            greedy = features.get("greedy_channel")
            if isinstance(greedy, str) and greedy in offered and greedy != SKIP:
                channel = greedy
        if value is None:
            return None
        chosen = channel if value >= self.threshold else SKIP
        if chosen is None or chosen not in offered:
            return None
        return {chosen: 1.0}

    def _first_channel(self, features: Features, offered: Mapping[str, float]) -> str | None:
        step = features.get("step")
        order = self._order.get(step) if isinstance(step, str) else None
        if order is None:
            return None
        return next((c for c in order if c in offered), None)

    def _amount_value(self, features: Features) -> float | None:
        amount = number(dict(features), "amount_due_minor")
        currency = features.get("currency")
        if amount is None or not isinstance(currency, str):
            return None
        return self.policy.targeting.value_of(int(amount), currency)


class LoggedPolicy:
    """The logging policy itself: the on-policy check (its IPS equals the observed mean)."""

    name = "logging policy"

    def probabilities(
        self, features: Features, offered: Mapping[str, float]
    ) -> dict[str, float] | None:
        return dict(offered)
