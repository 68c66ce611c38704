"""What a reply means by itself, before the assistant answers it: an opt-out,
a dispute, a promise, a callback or a wrong party changes the debtor's state
and cancels what must not be sent (``streams.conversation`` answers after).
"""

from __future__ import annotations

import datetime as dt

from recaudo.streams import accounting
from recaudo.streams.conversation.promises import promise_check_at
from recaudo.streams.decision_base import DecisionMaker
from recaudo.streams.decision_context import Context, Effects, stable_id
from recaudo.streams.events import Channel, Intent, ResponseEvent
from recaudo.streams.outputs import Action, Reason
from recaudo.streams.ports import Step
from recaudo.streams.schedule import Entry
from recaudo.streams.state import DebtorState

PROMISE_GRACE = dt.timedelta(days=1)
# An opt-out or complaint teaches the learners as this many failures.
OPT_OUT_WEIGHT = 3


class Responding(DecisionMaker):
    """The legal and promise effects of a reply (``streams.decide`` uses it)."""

    def _apply_response(
        self, state: DebtorState, ev: ResponseEvent, source: str, ctx: Context, fx: Effects
    ) -> None:
        intent = ev.intent
        if intent is None and ev.text:
            # Legal opt-out words are matched by rules first; the classifier only
            # labels what they do not cover (models.intent).
            intent, _confidence, source = self._learner.intent(ev.text, state.lang)
        if ev.contact_id is not None and intent is not None:
            opted = intent is Intent.OPT_OUT
            weight = OPT_OUT_WEIGHT if opted else 1
            self._learn(ctx, state, ev.contact_id, not opted, fx, weight)
        if intent is Intent.OPT_OUT:
            accounting.opted_out(state)
        elif intent is not None and intent is not Intent.WRONG_PARTY:
            accounting.engaged(state)
        match intent:
            case Intent.OPT_OUT:
                reason = Reason(
                    rule_id="suppress.opt_out",
                    params={
                        "channel": "all" if ev.opt_out_all else ev.channel.value,
                        "source": source,
                    },
                )
                if ev.opt_out_all:
                    state.opt_all = True
                    self._cancel_all(state, (reason,), ctx, fx)
                else:
                    point = state.point(ev.channel)
                    if point is not None:
                        point.out = True
                    self._cancel_channel(state, ev.channel, (reason,), ctx, fx)
                fx.decisions.append(self._decision(ctx, Action.SUPPRESS, (reason,)))
            case Intent.DISPUTE:
                reason = Reason(rule_id="suppress.dispute", params={"source": "response"})
                for account_id, account in state.accounts.items():
                    if ev.account_id in (None, account_id) and "dispute" not in account.flags:
                        account.flags.append("dispute")
                        self._cancel_account(state, account_id, (reason,), ctx, fx)
                fx.decisions.append(
                    self._decision(ctx, Action.SUPPRESS, (reason,), account_id=ev.account_id)
                )
            case Intent.PROMISE_TO_PAY if ev.promise is not None:
                accounting.promised(state)
                state.promise_until = ev.promise.due_on
                state.promise_acct = ev.account_id
                reason = Reason(
                    rule_id="suppress.promise_to_pay",
                    params={
                        "until": ev.promise.due_on.isoformat(),
                        "amount_minor": ev.promise.amount.amount_minor,
                    },
                )
                self._cancel_all(state, (reason,), ctx, fx)
                check_at = promise_check_at(ev.promise.due_on, state.tz, PROMISE_GRACE)
                fx.schedule_add.append(
                    (Entry(ctx.tenant_id, ctx.debtor_id, ev.event_id, "promise"), check_at)
                )
                fx.decisions.append(
                    self._decision(ctx, Action.SUPPRESS, (reason,), account_id=ev.account_id)
                )
            case Intent.CALLBACK_REQUEST:
                target = ev.account_id or next(iter(state.accounts), None)
                if target is None or target not in state.accounts:
                    return
                current = self._current_step(ctx, state.accounts[target].dpd, state.seg)
                if current is None:
                    return
                step = Step("callback", (Channel.VOICE, ev.channel), current.template)
                contact_id = stable_id(ctx.tenant_id, ctx.debtor_id, ev.event_id, "callback")
                self._propose(state, target, step, contact_id, "callback_request", ctx, fx)
            case Intent.WRONG_PARTY:
                point = state.point(ev.channel)
                if point is not None:
                    point.bounced = True
                reason = Reason(
                    rule_id="suppress.wrong_party", params={"channel": ev.channel.value}
                )
                self._cancel_channel(state, ev.channel, (reason,), ctx, fx)
                fx.decisions.append(self._decision(ctx, Action.SUPPRESS, (reason,)))
            case _:
                return
