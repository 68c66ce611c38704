"""A delivery receipt: rewards the learners, records an opt-out or a complaint,
closes a bounced or reassigned address and proposes a fallback channel."""

from __future__ import annotations

from dataclasses import dataclass

from recaudo.contracts.events import DeliveryEvent, DeliveryStatus
from recaudo.contracts.outputs import Action, Reason
from recaudo.contracts.ports import Step
from recaudo.contracts.state import HistoryEntry
from recaudo.rules.reassigned import REASSIGNED_CODE
from recaudo.streams import accounting, credit_bureau_notices
from recaudo.streams.contact_points import close_reassigned
from recaudo.streams.decision.context import Context, Effects, stable_id
from recaudo.streams.decision.replies import OPT_OUT_WEIGHT
from recaudo.streams.decision.toolkit import Toolkit
from recaudo.streams.receipts import ENGAGED, HARD_FAILURES, REWARDS
from recaudo.streams.state import DebtorState

OPTED_OUT = (DeliveryStatus.COMPLAINED, DeliveryStatus.UNSUBSCRIBED)


@dataclass(frozen=True, slots=True)
class Deliveries:
    kit: Toolkit

    def handle(self, state: DebtorState, ev: DeliveryEvent, ctx: Context, fx: Effects) -> None:
        credit_bureau_notices.record_delivery(state, ev)
        point = state.point_at(ev.channel, ev.address)
        reward = REWARDS.get(ev.status)
        if ev.status in OPTED_OUT:
            self.kit.learning.reward(ctx, state, ev.contact_id, False, fx, OPT_OUT_WEIGHT)
            accounting.opted_out(state, complaint=ev.status is DeliveryStatus.COMPLAINED)
        elif reward is not None:
            self.kit.learning.reward(ctx, state, ev.contact_id, reward, fx)
        if ev.status in ENGAGED:
            accounting.engaged(state)
        if ev.status == DeliveryStatus.ANSWERED:
            state.history.append(
                HistoryEntry.model_construct(
                    ch=ev.channel,
                    at=ev.occurred_at.timestamp(),
                    kind="conversation",
                    account_id=ev.account_id,
                )
            )
        if ev.status in OPTED_OUT:
            if point is not None:
                point.out = True
            reason = Reason(rule_id="suppress.opt_out", params={"channel": ev.channel.value})
            self.kit.cancel.channel(state, ev.channel, (reason,), ctx, fx)
            return
        if ev.status not in HARD_FAILURES or not ev.permanent or point is None:
            return
        point.bounced = True
        if ev.provider_error_code == REASSIGNED_CODE:
            # Disconnected since consent: maybe someone else's number now; a fallback
            # to another channel is still proposed below.
            reason = close_reassigned(state.points, ev.channel, ev.address or "")
            fx.decisions.append(
                self.kit.log.record(
                    ctx,
                    Action.SUPPRESS,
                    (reason,),
                    account_id=ev.account_id,
                    contact_id=ev.contact_id,
                    channel=ev.channel,
                )
            )
        self._fall_back(state, ev, ctx, fx)

    def _fall_back(self, state: DebtorState, ev: DeliveryEvent, ctx: Context, fx: Effects) -> None:
        """The address failed for good: the current step on the step's other channels."""
        account_id = ev.account_id or next(iter(state.accounts), None)
        if account_id is None or account_id not in state.accounts:
            return
        account = state.accounts[account_id]
        step = self.kit.policies.current_step(ctx, account.days_past_due, state.seg)
        if step is None or account.due <= 0:
            return
        fallback = Step(
            step_id=f"{step.step_id}:fallback",
            channels=tuple(c for c in step.channels if c != ev.channel) or step.channels,
            template=step.template,
        )
        contact_id = stable_id(ctx.tenant_id, ev.contact_id, "fallback")
        self.kit.planner.propose(
            state, account_id, fallback, contact_id, "delivery_failed", ctx, fx
        )
