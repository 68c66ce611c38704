"""A debtor's reply: the assistant reads it, then what it means by itself is
applied (an opt-out, a dispute, a promise, a callback or a wrong party changes
the debtor's state and cancels what must not be sent), then the assistant
answers (``assistant``).
"""

from __future__ import annotations

from dataclasses import dataclass

from recaudo.channels.opt_out import detect_dispute, detect_opt_out, detect_opt_out_all
from recaudo.contracts.base import LegalFlag
from recaudo.contracts.events import Channel, Intent, ResponseEvent
from recaudo.contracts.outputs import Action, Reason
from recaudo.contracts.ports import Learner, Step
from recaudo.contracts.schedule import Entry
from recaudo.streams import accounting
from recaudo.streams.decision.assistant import Assistant
from recaudo.streams.decision.context import Context, Effects, stable_id
from recaudo.streams.decision.promises import PROMISE_GRACE, promise_check_at
from recaudo.streams.decision.toolkit import Toolkit
from recaudo.streams.state import DebtorState

# An opt-out or complaint teaches the learners as this many failures.
OPT_OUT_WEIGHT = 3
#: Why an opt-out gets no answer at all: the law allows one confirming text, and
#: we choose to send none (one message fewer to a person who asked for none).
NO_CONFIRMATION = Reason(
    rule_id="opt_out.no_confirmation",
    params={"kind": "policy"},
    citation=(
        "47 CFR 64.1200(a)(12) allows one text merely confirming a revocation, without "
        "marketing; Regulation F (12 CFR 1006.6(e), 1006.14(h)) requires none. Policy: no "
        "confirmation, and no other automated answer to a reply that opts out"
    ),
)


@dataclass(frozen=True, slots=True)
class Replies:
    """The legal and promise effects of a reply, between the assistant's reading
    and its answer."""

    kit: Toolkit
    learner: Learner
    assistant: Assistant

    def handle(self, state: DebtorState, ev: ResponseEvent, ctx: Context, fx: Effects) -> None:
        # The assistant reads the text first (legal asks by rule), then answers
        # once the reply's legal and promise effects are applied.
        ev, parsed = self.assistant.read(state, ev, ctx)
        source = "event" if parsed is None else parsed.source
        self._apply(state, ev, source, ctx, fx)
        self.assistant.answer(state, ev, parsed, ctx, fx)

    def _apply(
        self, state: DebtorState, ev: ResponseEvent, source: str, ctx: Context, fx: Effects
    ) -> None:
        intent, opt_all = ev.intent, ev.opt_out_all
        if ev.text and intent is not Intent.OPT_OUT and detect_opt_out(ev.text, state.lang):
            # The legal reading wins over any label and over the classifier: an
            # opt-out anywhere in the text is one (channels.opt_out).
            intent, source = Intent.OPT_OUT, "rules"
            opt_all = opt_all or detect_opt_out_all(ev.text, state.lang)
        elif intent is None and ev.text:
            intent, _confidence, source = self.learner.intent(ev.text, state.lang)
        if ev.contact_id is not None and intent is not None:
            opted = intent is Intent.OPT_OUT
            weight = OPT_OUT_WEIGHT if opted else 1
            self.kit.learning.reward(ctx, state, ev.contact_id, not opted, fx, weight)
        if intent is Intent.OPT_OUT:
            accounting.opted_out(state)
        elif intent is not None and intent is not Intent.WRONG_PARTY:
            accounting.engaged(state)
        match intent:
            case Intent.OPT_OUT:
                self._opt_out(state, ev, opt_all, source, ctx, fx)
                if detect_dispute(ev.text):
                    self._dispute(state, ev, ctx, fx)  # said with it, not lost to it
            case Intent.DISPUTE:
                self._dispute(state, ev, ctx, fx)
            case Intent.PROMISE_TO_PAY if ev.promise is not None:
                accounting.promised(state)
                state.promise_until = ev.promise.due_on
                state.promise_account_id = ev.account_id
                reason = Reason(
                    rule_id="suppress.promise_to_pay",
                    params={
                        "until": ev.promise.due_on.isoformat(),
                        "amount_minor": ev.promise.amount.amount_minor,
                    },
                )
                self.kit.cancel.all(state, (reason,), ctx, fx)
                check_at = promise_check_at(ev.promise.due_on, state.tz, PROMISE_GRACE)
                fx.schedule_add.append(
                    (Entry(ctx.tenant_id, ctx.debtor_id, ev.event_id, "promise"), check_at)
                )
                fx.decisions.append(
                    self.kit.log.record(ctx, Action.SUPPRESS, (reason,), account_id=ev.account_id)
                )
            case Intent.CALLBACK_REQUEST:
                target = ev.account_id or next(iter(state.accounts), None)
                if target is None or target not in state.accounts:
                    return
                current = self.kit.policies.current_step(
                    ctx, state.accounts[target].days_past_due, state.seg
                )
                if current is None:
                    return
                step = Step("callback", (Channel.VOICE, ev.channel), current.template)
                contact_id = stable_id(ctx.tenant_id, ctx.debtor_id, ev.event_id, "callback")
                self.kit.planner.propose(
                    state, target, step, contact_id, "callback_request", ctx, fx
                )
            case Intent.WRONG_PARTY:
                point = state.point(ev.channel)
                if point is not None:
                    point.bounced = True
                reason = Reason(
                    rule_id="suppress.wrong_party", params={"channel": ev.channel.value}
                )
                self.kit.cancel.channel(state, ev.channel, (reason,), ctx, fx)
                fx.decisions.append(self.kit.log.record(ctx, Action.SUPPRESS, (reason,)))
            case _:
                return

    def _opt_out(
        self,
        state: DebtorState,
        ev: ResponseEvent,
        every_channel: bool,
        source: str,
        ctx: Context,
        fx: Effects,
    ) -> None:
        """Stop the channel the reply came on, or every channel, and say so once;
        nothing is sent in answer, not even a confirmation (``NO_CONFIRMATION``)."""
        reason = Reason(
            rule_id="suppress.opt_out",
            params={"channel": "all" if every_channel else ev.channel.value, "source": source},
        )
        if every_channel:
            state.opt_all = True
            self.kit.cancel.all(state, (reason,), ctx, fx)
        else:
            # Every address on the channel, and those a later-processed snapshot gives
            # (policy: stricter than the one address written from, and the same
            # whichever arrived first).
            if ev.channel not in state.outs:
                state.outs.append(ev.channel)
            for point in state.points:
                if point.ch == ev.channel:
                    point.out = True
            self.kit.cancel.channel(state, ev.channel, (reason,), ctx, fx)
        fx.decisions.append(self.kit.log.record(ctx, Action.SUPPRESS, (reason, NO_CONFIRMATION)))

    def _dispute(self, state: DebtorState, ev: ResponseEvent, ctx: Context, fx: Effects) -> None:
        """Flag the disputed account (every account, when the reply names none)."""
        reason = Reason(rule_id="suppress.dispute", params={"source": "response"})
        at = ev.occurred_at.timestamp()
        for account_id, account in state.accounts.items():
            if ev.account_id not in (None, account_id):
                continue
            # Held until a person closes the case, whatever snapshot comes later.
            account.disp = account.disp or at
            if LegalFlag.DISPUTE not in account.flags:
                account.flags.append(LegalFlag.DISPUTE.value)
                self.kit.cancel.account(state, account_id, (reason,), ctx, fx)
        if ev.account_id is None or ev.account_id not in state.accounts:
            # An account not seen yet is disputed when it arrives (``accounts``).
            state.disputed.setdefault(ev.account_id or "*", at)
        fx.decisions.append(
            self.kit.log.record(ctx, Action.SUPPRESS, (reason,), account_id=ev.account_id)
        )
