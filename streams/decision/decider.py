"""The decision core: one event and a debtor's state in, decisions and commands out.

Pure and deterministic apart from the frequency-cap reservation, which the
caller resolves in Redis between ``apply`` and ``resolve``. Determinism is what
makes crash replays safe: the same event on the same state yields the same
contact ids and decision ids, and the dispatcher never sends a contact id twice.

``Decider`` builds the parts once and routes each event kind to its handler.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from recaudo.contracts.events import (
    AccountEvent,
    AnyInputEvent,
    DeliveryEvent,
    PaymentEvent,
    ResponseEvent,
    TaskClosedEvent,
    ValidationNoticeEvent,
)
from recaudo.contracts.outputs import Action, Decision, Reason, Release
from recaudo.contracts.ports import CapVerdict, Learner, MessageComposer
from recaudo.contracts.state import HISTORY_S, Emitted
from recaudo.foundation.clock import WALL_CLOCK, Clock
from recaudo.rules.ports import Compliance, ContactPolicy
from recaudo.streams import validation
from recaudo.streams.decision.accounts import Accounts
from recaudo.streams.decision.answers import Answers
from recaudo.streams.decision.assistant import Assistant
from recaudo.streams.decision.cancellation import Cancellations
from recaudo.streams.decision.context import Context, Effects, Proposed
from recaudo.streams.decision.deliveries import Deliveries
from recaudo.streams.decision.learning import Learning
from recaudo.streams.decision.log import DecisionLog
from recaudo.streams.decision.payments import Payments
from recaudo.streams.decision.planner import ContactPlanner
from recaudo.streams.decision.policies import Policies
from recaudo.streams.decision.promises import Promises
from recaudo.streams.decision.releases import Releases
from recaudo.streams.decision.reminders import Reminders, with_roll_risk
from recaudo.streams.decision.replies import Replies
from recaudo.streams.decision.tasks import Tasks
from recaudo.streams.decision.toolkit import Toolkit
from recaudo.streams.state import DebtorState

DecidableEvent = AnyInputEvent | Release


class Decider:
    """The meaning of each event for a debtor: what to contact, stop or remember."""

    def __init__(
        self,
        policy_for: Callable[[str], ContactPolicy],
        compliance: Compliance,
        learner: Learner,
        contact_ttl: dt.timedelta,
        clock: Clock = WALL_CLOCK,
        settle: dt.timedelta = dt.timedelta(0),
        composer: MessageComposer | None = None,
    ) -> None:
        policies = self._policies = Policies(policy_for)
        log = self._log = DecisionLog(policies, learner, clock, enrichers=(with_roll_risk,))
        cancel = Cancellations(log)
        learning = self._learning = Learning(learner, policies)
        planner = self._planner = ContactPlanner(
            policies, compliance, learner, log, cancel, learning, composer, contact_ttl, settle
        )
        kit = Toolkit(policies, log, cancel, learning, planner)
        promises = Promises(kit)
        tasks = self._tasks = Tasks(kit)
        answers = Answers(kit, compliance)
        assistant = Assistant(kit, learner, answers, tasks, promises)
        reminders = Reminders(kit, learner)
        payments = self._payments = Payments(kit, promises, assistant)
        self._accounts = Accounts(kit, payments, reminders, tasks)
        self._deliveries = Deliveries(kit)
        self._replies = Replies(kit, learner, assistant)
        self._releases = Releases(kit, answers, reminders, promises)

    def apply(self, state: DebtorState, event: DecidableEvent, ctx: Context) -> Effects:
        fx = Effects()
        targeting = self._policies.of(ctx).targeting
        reward_s = targeting.reward_hours * 3600.0
        # Label silence past the reward window before pruning forgets the contact.
        self._learning.close_windows(state, ctx, fx, reward_s, targeting.attribution_days * 86400.0)
        state.prune(ctx.now.timestamp(), HISTORY_S, reward_s)
        match event:
            case AccountEvent():
                self._accounts.handle(state, event, ctx, fx)
            case PaymentEvent():
                self._payments.handle(state, event, ctx, fx)
            case DeliveryEvent():
                self._deliveries.handle(state, event, ctx, fx)
            case ResponseEvent():
                self._replies.handle(state, event, ctx, fx)
            case Release():
                self._releases.handle(state, event, ctx, fx)
            case TaskClosedEvent():
                self._tasks.closed(state, event, ctx, fx)
            case ValidationNoticeEvent():
                validation.record(state, event)
        for account_id, reason in validation.note_disputes(state):
            fx.decisions.append(
                self._log.record(ctx, Action.SUPPRESS, (reason,), account_id=account_id)
            )
        return fx

    def resolve(
        self, state: DebtorState, proposed: Proposed, caps: CapVerdict, ctx: Context, fx: Effects
    ) -> None:
        """After the stage reserved the caps: contact, or defer if a cap is full."""
        self._planner.resolve(state, proposed, caps, ctx, fx)

    def cancel_decision(
        self, ctx: Context, emitted: Emitted, reasons: tuple[Reason, ...]
    ) -> Decision:
        """The audit record of a contact stopped in the dispatch ledger."""
        return self._log.cancelled(ctx, emitted, reasons)

    def policy_version(self, tenant_id: str) -> str:
        return self._policies.version(tenant_id)
