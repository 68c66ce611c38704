"""A tenant's policy as the decision parts ask for it: the policy, its version,
the debtor's experiment assignment and the cadence step due now."""

from __future__ import annotations

from collections.abc import Callable

from recaudo.contracts.ports import AssignmentLike, StepLike
from recaudo.rules.ports import ContactPolicy
from recaudo.streams.decision.context import Context


class Policies:
    def __init__(self, policy_for: Callable[[str], ContactPolicy]) -> None:
        self._policy_for = policy_for

    def of(self, ctx: Context) -> ContactPolicy:
        return self._policy_for(ctx.tenant_id)

    def version(self, tenant_id: str) -> str:
        return self._policy_for(tenant_id).version

    def assignment(self, ctx: Context) -> AssignmentLike:
        """Drawn once per decision and kept on its context."""
        if ctx.assignment is None:
            ctx.assignment = self.of(ctx).assign(ctx.tenant_id, ctx.debtor_id)
        return ctx.assignment

    def current_step(
        self, ctx: Context, days_past_due: int, segment: str | None
    ) -> StepLike | None:
        return self.of(ctx).cadence_step(days_past_due, segment, self.assignment(ctx).arm)
