"""The assistant's decisions: read a reply, answer it, keep promises and plans,
and hand hard cases to people.

A reply is a contact like any other for the audit and the law: it has its
decision record with reasons, it goes only to the channel and address the
debtor wrote from, it is rendered from the tenant's template with the notices
the law requires, and the compliance rules judge it (suppressions, contact
windows; one the hour forbids waits for the window's opening, ``answers``).
Promises and plans are kept by ``promises``; cases for people by ``tasks``.
What differs is counting: an answer to a consumer-initiated message is not
reserved against the frequency caps (``answers.CAPS_EXEMPT`` says why) but it
is written to the contact history, so later contacts the collector initiates
count it (stricter than the law asks: policy).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from recaudo.channels.content.render import Amount
from recaudo.channels.content.reply import Reply
from recaudo.channels.opt_out import detect_dispute
from recaudo.contracts.events import (
    Channel,
    Intent,
    Money,
    PaymentEvent,
    Promise,
    ResponseEvent,
)
from recaudo.contracts.outputs import Action, Reason
from recaudo.contracts.ports import Learner
from recaudo.streams import accounting
from recaudo.streams.conversation.parse import LEGAL, Ask, Parsed, parse_reply
from recaudo.streams.conversation.plans import plan_options
from recaudo.streams.conversation.state import Conversation
from recaudo.streams.decision.answers import Answers
from recaudo.streams.decision.context import Context, Effects, stable_id
from recaudo.streams.decision.promises import Promises, local_today, tidy
from recaudo.streams.decision.tasks import Tasks
from recaudo.streams.decision.toolkit import Toolkit
from recaudo.streams.state import DebtorState
from recaudo.streams.tasks.model import TaskKind

#: The ask a task is opened for, and the reply that tells the debtor.
TASK_OF: dict[Ask, TaskKind] = {
    Ask.DISPUTE: TaskKind.DISPUTE,
    Ask.HARDSHIP: TaskKind.HARDSHIP,
    Ask.HUMAN: TaskKind.HUMAN,
}
LABELLED_TASK: dict[Intent, TaskKind] = {
    Intent.DISPUTE: TaskKind.DISPUTE,
    Intent.HARDSHIP: TaskKind.HARDSHIP,
}
SIMPLE_REPLY = {
    Ask.BALANCE: "balance",
    Ask.PAY_LINK: "pay_link",
    Ask.PAID_ALREADY: "paid_check",
    Ask.HELP: "help",
}


@dataclass(frozen=True, slots=True)
class Assistant:
    """The reply half of the decision core: what a reply asks, and what it gets."""

    kit: Toolkit
    learner: Learner
    answers: Answers
    tasks: Tasks
    promises: Promises

    def read(
        self, state: DebtorState, ev: ResponseEvent, ctx: Context
    ) -> tuple[ResponseEvent, Parsed | None]:
        """The reply with the intent (and promise) the assistant read in its text.

        An event that already carries an intent (a provider's STOP, a lender's
        labelled disposition) is taken as it is and not answered; one that carries a
        structured promise keeps it (unless the text is a legal ask) and is confirmed.
        """
        enabled = self.kit.policies.of(ctx).assistant.enabled
        if ev.plan is not None and ev.intent is None and enabled:
            # Picked on the pay page: accepted as the same reply choosing it would be.
            return ev, Parsed(Ask.PLAN_CHOICE, choice=1, source="event")
        if ev.intent is not None or not ev.text or not enabled:
            return ev, None
        account_id = _reply_account(state, ev)
        currency = state.accounts[account_id].cur if account_id else "USD"
        cv = state.conversation or Conversation()
        today = local_today(state, ctx.now)
        lang = state.lang

        def model(text: str) -> tuple[Intent, float]:
            intent, probability, _source = self.learner.intent(text, lang)
            return intent, probability

        parsed = parse_reply(
            ev.text, lang, today, currency, cv.awaiting("plan", ctx.now.timestamp()), model
        )
        if ev.promise is not None and parsed.ask not in LEGAL:
            amount = ev.promise.amount.amount_minor
            parsed = Parsed(Ask.PROMISE, ev.promise.due_on, amount, source="event")
        update: dict[str, object] = {
            "intent": parsed.intent,
            "opt_out_all": ev.opt_out_all or parsed.opt_out_all,
        }
        if (
            ev.promise is None
            and parsed.ask is Ask.PROMISE
            and parsed.due_on is not None
            and account_id is not None
        ):
            account = state.accounts[account_id]
            amount = parsed.amount_minor or account.due
            if amount > 0:
                update["promise"] = Promise(
                    amount=Money(amount_minor=amount, currency=currency), due_on=parsed.due_on
                )
                update["account_id"] = account_id
        return ev.model_copy(update=update), parsed

    def answer(
        self,
        state: DebtorState,
        ev: ResponseEvent,
        parsed: Parsed | None,
        ctx: Context,
        fx: Effects,
    ) -> None:
        """After the event's legal and promise effects: the reply, a plan or a task."""
        if parsed is None:
            # Labelled upstream (a call disposition, an ambiguous fanned-out reply, a
            # provider's STOP): not answered, but a dispute or hardship still goes to a
            # person, and so does a dispute said with an opt-out.
            kind = LABELLED_TASK.get(ev.intent) if ev.intent else None
            if ev.intent is Intent.OPT_OUT and detect_dispute(ev.text):
                kind = TaskKind.DISPUTE
            enabled = self.kit.policies.of(ctx).assistant.enabled
            if (
                kind is not None
                and enabled
                and not (state.conversation and state.conversation.task)
            ):
                self.tasks.open(state, kind, f"event.{kind.value}", ev, ctx, fx)
            return
        cv = state.conversation = state.conversation or Conversation()
        if cv.aw is not None and ctx.now.timestamp() >= cv.exp:
            cv.forget_question()  # lapsed: an old "which plan?" is not answered by "2" now
        ask = parsed.ask
        if ask in LEGAL or ask is Ask.WRONG_PARTY:
            # Opt-out and cease stop contact, whatever else the reply says: nothing is
            # answered (``replies.NO_CONFIRMATION``); a wrong party must learn
            # nothing of the debt (12 CFR 1006.6(d)); a dispute, alone or said with an
            # opt-out, waits for a person.
            cv.forget_question()
            if ask is Ask.DISPUTE or (ask in LEGAL and detect_dispute(ev.text)):
                self.tasks.open(state, TaskKind.DISPUTE, "assistant.dispute", ev, ctx, fx)
            tidy(state)
            return
        if cv.task is not None:
            reason = Reason(rule_id="task.open", params={"task_id": cv.task, "ask": ask.value})
            fx.decisions.append(
                self.kit.log.record(ctx, Action.SUPPRESS, (reason,), account_id=ev.account_id)
            )
            return
        account_id = _reply_account(state, ev)
        if account_id is None:
            reason = Reason(rule_id="assistant.no_account", params={"ask": ask.value})
            fx.decisions.append(self.kit.log.record(ctx, Action.SUPPRESS, (reason,)))
            return
        account = state.accounts[account_id]
        amount = Amount(account.due, account.cur)
        today = local_today(state, ctx.now)
        reply = Reply(today, amount)
        if ask in TASK_OF:
            task = self.tasks.open(state, TASK_OF[ask], f"assistant.{ask.value}", ev, ctx, fx)
            self._send(
                state,
                ev,
                account_id,
                "handoff",
                Reply(today, amount, task_due=task.due_by),
                ctx,
                fx,
            )
        elif ask is Ask.PLAN:
            limits = self.kit.policies.of(ctx).assistant.plans
            options = plan_options(limits, account.due, account.cur, today)
            if options:
                hours = self.kit.policies.of(ctx).assistant.context_hours
                cv.ask(
                    "plan",
                    [o.count for o in options],
                    (ctx.now + dt.timedelta(hours=hours)).timestamp(),
                )
                self._send(
                    state,
                    ev,
                    account_id,
                    "plan_options",
                    Reply(today, amount, tuple(options)),
                    ctx,
                    fx,
                )
            else:
                task = self.tasks.open(
                    state, TaskKind.HUMAN, "assistant.plan_outside_policy", ev, ctx, fx
                )
                self._send(
                    state,
                    ev,
                    account_id,
                    "plan_none",
                    Reply(today, amount, task_due=task.due_by),
                    ctx,
                    fx,
                )
        elif ask is Ask.PLAN_CHOICE:
            if ev.plan is not None:  # the page showed the policy's options; this one picked
                cv.ask("plan", [ev.plan.instalments], ctx.now.timestamp() + 1)
            self._accept_plan(state, ev, account_id, parsed.choice or 0, ctx, fx)
        elif ask is Ask.PROMISE and ev.promise is not None:
            cv.promise(ev.promise.amount.amount_minor, [], ev.channel)
            reply = Reply(ev.promise.due_on, Amount(ev.promise.amount.amount_minor, account.cur))
            self._send(state, ev, account_id, "promise_ok", reply, ctx, fx)
        elif ask is Ask.PROMISE:
            self._send(state, ev, account_id, "promise_ask", reply, ctx, fx)
        elif ask in SIMPLE_REPLY:
            self._send(state, ev, account_id, SIMPLE_REPLY[ask], reply, ctx, fx)
        tidy(state)

    def _accept_plan(
        self,
        state: DebtorState,
        ev: ResponseEvent,
        account_id: str,
        choice: int,
        ctx: Context,
        fx: Effects,
    ) -> None:
        """The debtor picked option ``choice`` (1-based) of those offered: the first
        instalment becomes the running promise, the rest wait in the conversation."""
        cv = state.conversation
        assert cv is not None
        account = state.accounts[account_id]
        today = local_today(state, ctx.now)
        limits = self.kit.policies.of(ctx).assistant.plans
        offered = {o.count: o for o in plan_options(limits, account.due, account.cur, today)}
        counts = [n for n in cv.opts if n in offered]
        cv.forget_question()
        if not 1 <= choice <= len(counts):
            self._send(
                state,
                ev,
                account_id,
                "help",
                Reply(today, Amount(account.due, account.cur)),
                ctx,
                fx,
            )
            return
        option = offered[counts[choice - 1]]
        state.promise_until, state.promise_account_id = option.first, account_id
        rest = [option.count - 1, option.each.minor, limits.every_days] if option.count > 1 else []
        cv.promise(option.each.minor, rest, ev.channel)
        accounting.promised(state)
        reason = Reason(
            rule_id="plan.accepted",
            params={
                "instalments": option.count,
                "each_minor": option.each.minor,
                "first": option.first.isoformat(),
            },
        )
        self.kit.cancel.all(state, (reason,), ctx, fx)
        fx.decisions.append(
            self.kit.log.record(ctx, Action.SUPPRESS, (reason,), account_id=account_id)
        )
        self.promises.schedule_check(state, option.first, ev.event_id, ctx, fx)
        reply = Reply(today, Amount(account.due, account.cur), plan=option)
        self._send(state, ev, account_id, "plan_ok", reply, ctx, fx)

    def _send(
        self,
        state: DebtorState,
        ev: ResponseEvent,
        account_id: str,
        name: str,
        reply: Reply,
        ctx: Context,
        fx: Effects,
    ) -> None:
        """Answer on the channel and address the debtor wrote from: now, or at the
        window's opening under the same id (``answers``)."""
        self.answers.forget_deferred(state, name, ctx, fx)
        asked = Reason(
            rule_id="assistant.reply", params={"reply": name, "in_reply_to": ev.event_id}
        )
        contact_id = stable_id(ctx.tenant_id, ctx.debtor_id, ev.event_id, "reply", name)
        self.answers.reply_on(
            state, ev.channel, account_id, name, reply, asked, contact_id, ctx, fx
        )

    def thank(
        self, state: DebtorState, ev: PaymentEvent, kept: Channel | None, ctx: Context, fx: Effects
    ) -> None:
        """A payment kept a promise or instalment: a short thank-you on the channel the
        promise came from, after the payment is applied (its amount due is today's).
        Not an answer: the collector starts it, so the caps count it (the stage
        reserves them) and the rules judge it like any contact, window included."""
        if kept is None or ev.account_id not in state.accounts:
            return
        if not self.kit.policies.of(ctx).assistant.enabled:
            return
        account = state.accounts[ev.account_id]
        reply = Reply(local_today(state, ctx.now), Amount(account.due, account.cur))
        asked = Reason(
            rule_id="assistant.promise_kept",
            params={"reply": "promise_kept", "payment_id": ev.payment_id},
        )
        contact_id = stable_id(ctx.tenant_id, ctx.debtor_id, ev.event_id, "thanks")
        self.answers.reply_on(
            state, kept, ev.account_id, "promise_kept", reply, asked, contact_id, ctx, fx
        )


def _reply_account(state: DebtorState, ev: ResponseEvent) -> str | None:
    """The account the reply is about: the contact's, else the one owing most."""
    if ev.account_id is not None and ev.account_id in state.accounts:
        return ev.account_id
    owing = [(a.due, acct) for acct, a in state.accounts.items() if a.due > 0]
    return max(owing)[1] if owing else next(iter(state.accounts), None)


__all__ = ["Assistant"]
