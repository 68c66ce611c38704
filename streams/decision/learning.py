"""What the learners hear from the decision core: rewards for contacts, silence
past the reward window, and the treated/control observations of the uplift."""

from __future__ import annotations

from recaudo.contracts.ports import Learner, Outcome, Target
from recaudo.contracts.state import EarlyOutcome
from recaudo.streams.decision.context import Context, Effects
from recaudo.streams.decision.policies import Policies
from recaudo.streams.observations import closed_observations, open_observation
from recaudo.streams.state import DebtorState


class Learning:
    def __init__(self, learner: Learner, policies: Policies) -> None:
        self._learner = learner
        self._policies = policies

    def reward(
        self,
        ctx: Context,
        state: DebtorState,
        contact_id: str,
        positive: bool,
        fx: Effects,
        weight: int = 1,
    ) -> None:
        """Reward a contact; one not emitted yet keeps its reward until it is."""
        outcome = self._learner.reward(ctx.tenant_id, state, contact_id, positive, weight)
        if outcome is not None:
            fx.outcomes.append(outcome)
        elif contact_id not in {e.contact_id for e in state.emitted} | {
            o.contact_id for o in state.early
        }:
            # Not emitted (yet): a replay may emit it again (the planner rewards it then).
            early = EarlyOutcome(
                contact_id=contact_id, pos=positive, w=weight, t=ctx.now.timestamp()
            )
            state.early.append(early)

    def close_windows(
        self, state: DebtorState, ctx: Context, fx: Effects, reward_s: float, attribution_s: float
    ) -> None:
        """Silence past the reward window is a failure; a closed attribution window
        labels its uplift observation with the share of the due paid inside it."""
        now = ctx.now.timestamp()
        for emitted in list(state.emitted):
            if not emitted.rewarded and emitted.at and now - emitted.at >= reward_s:
                self.reward(ctx, state, emitted.contact_id, False, fx)
        for observation in closed_observations(state, ctx.now, attribution_s):
            fx.outcomes.append(Outcome("uplift", observation))

    def observe(
        self, state: DebtorState, account_id: str, target: Target, treated: bool, ctx: Context
    ) -> None:
        """Open an uplift observation for a contact made (treated) or randomly skipped."""
        context = target.features.get("context")
        if isinstance(context, str):
            open_observation(state, account_id, context, treated, ctx.now)

    def observe_holdout(self, state: DebtorState, account_id: str, ctx: Context) -> None:
        """A holdout cadence step: the control side of the uplift, never a contact."""
        targeting = self._policies.of(ctx).targeting
        key = self._learner.context_key(ctx.tenant_id, state, account_id, ctx.now, targeting)
        if key is not None:
            open_observation(state, account_id, key, False, ctx.now)
