"""A payment or reversal: held until its account is known, then entered once;
it keeps promises, rewards the contacts that preceded it and stops what it
covers (``payment.covers_due``)."""

from __future__ import annotations

from dataclasses import dataclass

from recaudo.contracts.events import PaymentEvent
from recaudo.contracts.outputs import Reason
from recaudo.contracts.ports import Outcome
from recaudo.contracts.state import AccountState
from recaudo.foundation.errors import InvalidEvent
from recaudo.streams import account_ledger, accounting, held_payments
from recaudo.streams.account_ledger import Entered
from recaudo.streams.decision.assistant import Assistant
from recaudo.streams.decision.context import Context, Effects
from recaudo.streams.decision.promises import Promises
from recaudo.streams.decision.toolkit import Toolkit
from recaudo.streams.state import DebtorState


@dataclass(frozen=True, slots=True)
class Payments:
    kit: Toolkit
    promises: Promises
    assistant: Assistant

    def handle(self, state: DebtorState, ev: PaymentEvent, ctx: Context, fx: Effects) -> None:
        account = state.accounts.get(ev.account_id)
        if account is None:
            held_payments.hold(state, ev, ctx, fx)
            return
        if account.cur != ev.amount.currency:
            raise InvalidEvent(
                f"amount.currency: {ev.amount.currency} is not the account's {account.cur}"
            )
        if account_ledger.record_payment(account, ev) is Entered.DUPLICATE:
            fx.duplicate = True
            return
        kept = self.promises.paid(state, ev, ctx, fx)
        self._apply(state, account, ev, ctx, fx)
        self.assistant.thank(state, ev, kept, ctx, fx)

    def apply_held(self, state: DebtorState, account_id: str, ctx: Context, fx: Effects) -> None:
        """The payments that waited for this account, entered now; a bad one is a
        dead letter with its reason, never dropped."""
        for raw, ev in held_payments.take(state, account_id, ctx, fx):
            try:
                self.handle(state, ev, ctx, fx)
            except InvalidEvent as exc:
                fx.dead_letters.append((raw, exc))

    def _apply(
        self, state: DebtorState, account: AccountState, ev: PaymentEvent, ctx: Context, fx: Effects
    ) -> None:
        if not ev.reversal_of:
            fx.outcomes.append(Outcome("payment", ev.paid_at))
            for emitted in list(state.emitted):
                self.kit.learning.reward(ctx, state, emitted.contact_id, True, fx)
        accounting.paid(state, -account_ledger.signed_amount(ev), ev.occurred_at.timestamp())
        if ev.reversal_of or account.due > 0:
            return
        # A promise on the account stays until its check (``Promises.check``) says
        # kept or broken by the amount then due: a newer snapshot may yet show the
        # payment in its figures and money still owed, whatever arrived first.
        reason = Reason(
            rule_id="payment.covers_due",
            params={"payment_id": ev.payment_id, "amount_minor": ev.amount.amount_minor},
        )
        self.kit.cancel.account(state, ev.account_id, (reason,), ctx, fx)
