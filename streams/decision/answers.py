"""Sending an answer, now or at the contact window's opening.

An answer the rules forbid now only because of the hour (12 CFR 1006.6(b)(1):
a time the collector knows or should know is inconvenient, 8 a.m.-9 p.m. by
default) is not lost: it is deferred through the same machinery as any contact
(``ContactPlanner.defer``, the schedule, ``Releases``) to the rules'
next allowed instant, on the channel and address the debtor wrote from. Only
its name waits in the schedule (``PendingContact.step`` = ``assistant.<name>``):
at release it is rendered from the state *then*, so a payment made in between
shows in the balance, a promise kept or broken in between drops the
confirmation, and nothing owed drops the answer (``payment.covers_due``
cancels it, and the release checks again). The contact id is the one the
answer was deferred under, so a replayed night reply or a second release never
sends it twice.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from recaudo.channels.content.render import Amount
from recaudo.channels.content.reply import PlanOption, Reply
from recaudo.contracts.events import Channel
from recaudo.contracts.outputs import Action, Reason
from recaudo.contracts.ports import CapResult, Step
from recaudo.contracts.state import PendingContact
from recaudo.rules.ports import Compliance
from recaudo.streams.conversation.plans import plan_options
from recaudo.streams.decision.context import Context, Effects, Proposed
from recaudo.streams.decision.planner import ASSISTANT
from recaudo.streams.decision.promises import local_today
from recaudo.streams.decision.toolkit import Toolkit
from recaudo.streams.proposals import contact_proposal
from recaudo.streams.state import DebtorState

CAPS_EXEMPT = Reason(
    rule_id="caps.consumer_initiated",
    params={"kind": "law"},
    citation=(
        "12 CFR 1006.14(b)(2) presumes harassment from telephone calls placed by the "
        "collector; 940 CMR 7.04(1)(f) limits communications the collector initiates. "
        "An answer on the channel the consumer wrote from is neither, so the caps do not "
        "count it. Time windows (1006.6(b)(1)), opt-outs (1006.6(e)) and notices apply."
    ),
)
CAPS_COUNTED = Reason(
    rule_id="caps.answer_counted",
    params={"kind": "policy"},
    citation=(
        "No exemption for answers to consumer-initiated messages was verified in this "
        "jurisdiction (e.g. Ley 2300 de 2023, art. 3): the answer is judged with the "
        "debtor's contact history and held when a cap is full"
    ),
)
#: Answers about the open task: moot once a person has closed it.
ABOUT_TASK = frozenset({"handoff", "plan_none"})
#: Messages the collector starts (not answers): the caps count them.
NOT_ANSWERS = frozenset({"promise_kept"})
PREFIX = "assistant."


@dataclass(frozen=True, slots=True)
class Answers:
    """The sending half of the assistant (``Assistant`` decides what to say)."""

    kit: Toolkit
    compliance: Compliance

    def reply_on(
        self,
        state: DebtorState,
        channel: Channel,
        account_id: str,
        name: str,
        reply: Reply,
        asked: Reason,
        contact_id: str,
        ctx: Context,
        fx: Effects,
    ) -> None:
        """Answer on ``channel`` (the one the debtor wrote from) if the rules allow it
        now, defer it to the window's opening if only the hour forbids it, else hold it."""
        policy = self.kit.policies.of(ctx)
        template = policy.assistant.replies[name]
        point = state.point(channel)
        why = None
        if point is None or point.bounced:
            why = "assistant.no_address"
        elif template not in policy.messages or template not in policy.templates:
            why = "assistant.no_template"
        if why is not None or point is None:
            reason = Reason(
                rule_id=why or "assistant.no_address", params={"reply": name, "template": template}
            )
            self.kit.cancel.drop_pending(state, contact_id, ctx, fx)
            fx.decisions.append(
                self.kit.log.record(ctx, Action.SUPPRESS, (reason,), account_id=account_id)
            )
            return
        account = state.accounts[account_id]
        # Judged as an answer: a promise's hold (policy) is about contacts the collector
        # starts, and so are the caps where the law says so (CAPS_EXEMPT).
        answer = name not in NOT_ANSWERS
        country = (state.jur or "US").split("-")[0]
        exempt = answer and country in policy.assistant.caps_exempt_countries
        proposal = replace(
            contact_proposal(state, account, account_id, channel, ctx), promise_until=None
        )
        if exempt:
            proposal = replace(proposal, history=())
        verdict = self.compliance.evaluate(proposal)
        proposed = Proposed(
            contact_id=contact_id,
            account_id=account_id,
            channel=channel,
            address=point.addr,
            step=Step(f"{PREFIX}{name}", (channel,), template),
            trigger=ASSISTANT,
            verdict=verdict,
            scores={},
            model_versions={},
            extra={"reply": reply},
        )
        if verdict.action == "defer" and verdict.defer_until is not None:
            # Inside the window later is compliant (1006.6(b)(1)); same medium, same id.
            self.kit.planner.defer(
                state, proposed, verdict.defer_until, (asked, *verdict.reasons), ctx, fx
            )
            return
        if verdict.action != "allow":
            self.kit.cancel.drop_pending(state, contact_id, ctx, fx)
            fx.decisions.append(
                self.kit.log.record(
                    ctx,
                    Action.SUPPRESS,
                    (asked, *verdict.reasons),
                    account_id=account_id,
                    channel=channel,
                    verdict=verdict,
                )
            )
            return
        if not answer:
            # The stage reserves the caps for it, as for a cadence contact.
            proposed.verdict = replace(verdict, reasons=(asked, *verdict.reasons))
            fx.proposed.append(proposed)
            return
        caps = CapResult(ok=True, reasons=(asked, CAPS_EXEMPT if exempt else CAPS_COUNTED))
        self.kit.planner.resolve(state, proposed, caps, ctx, fx)

    def forget_deferred(self, state: DebtorState, name: str, ctx: Context, fx: Effects) -> None:
        """A newer answer of the same kind replaces one still waiting for the window:
        a debtor who asks twice at night gets one balance in the morning, not two."""
        for pending in [p for p in state.pending if p.trigger == ASSISTANT]:
            if pending.step == f"{PREFIX}{name}":
                self.kit.cancel.drop_pending(state, pending.contact_id, ctx, fx)

    def release(
        self, state: DebtorState, pending: PendingContact, ctx: Context, fx: Effects
    ) -> None:
        """The window opened: render the answer from today's state and send it."""
        name = pending.step.removeprefix(PREFIX)
        rule_id = "assistant.reply" if name not in NOT_ANSWERS else f"assistant.{name}"
        asked = Reason(rule_id=rule_id, params={"reply": name, "deferred": True})
        reply, moot = self._reply_now(state, name, pending.account_id, ctx)
        if reply is None:
            self.kit.cancel.drop_pending(state, pending.contact_id, ctx, fx)
            reason = Reason(rule_id=moot, params={"reply": name})
            fx.decisions.append(
                self.kit.log.record(
                    ctx,
                    Action.SUPPRESS,
                    (asked, reason),
                    account_id=pending.account_id,
                    contact_id=pending.contact_id,
                    channel=pending.ch,
                )
            )
            return
        self.reply_on(
            state, pending.ch, pending.account_id, name, reply, asked, pending.contact_id, ctx, fx
        )

    def _reply_now(
        self, state: DebtorState, name: str, account_id: str, ctx: Context
    ) -> tuple[Reply | None, str]:
        """The answer's values from the current state, or why it no longer applies."""
        account = state.accounts[account_id]
        cv = state.conversation
        today = local_today(state, ctx.now)
        amount = Amount(account.due, account.cur)
        if name in NOT_ANSWERS:
            return Reply(today, amount), ""  # a thank-you: paid in full is fine
        if account.due <= 0:
            return None, "assistant.nothing_owed"
        if name in ABOUT_TASK:
            if cv is None or cv.task is None or not cv.td:
                return None, "assistant.task_closed"
            return Reply(today, amount, task_due=dt.datetime.fromtimestamp(cv.td, dt.UTC)), ""
        if cv is not None and cv.task is not None:
            return None, "task.open"  # opened after the answer was deferred
        running = cv is not None and cv.pa > 0 and state.promise_until is not None
        if name == "promise_ok":
            if not running or cv is None or state.promise_until is None:
                return None, "assistant.promise_ended"
            return Reply(state.promise_until, Amount(cv.pa, account.cur)), ""
        if name == "plan_ok":
            if not running or cv is None or state.promise_until is None:
                return None, "assistant.promise_ended"
            count = 1 + (cv.pl[0] if cv.pl else 0)
            option = PlanOption(count, Amount(cv.pa, account.cur), state.promise_until)
            return Reply(today, amount, plan=option), ""
        if name == "plan_options":
            policy = self.kit.policies.of(ctx).assistant
            options = plan_options(policy.plans, account.due, account.cur, today)
            if not options or cv is None:
                return None, "assistant.plan_outside_policy"
            until = ctx.now + dt.timedelta(hours=policy.context_hours)
            cv.ask("plan", [o.count for o in options], until.timestamp())
            return Reply(today, amount, tuple(options)), ""
        return Reply(today, amount), ""


__all__ = ["ABOUT_TASK", "CAPS_COUNTED", "CAPS_EXEMPT", "NOT_ANSWERS", "Answers"]
