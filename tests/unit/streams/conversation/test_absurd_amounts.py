"""An amount in a reply past what Money holds exactly (2^53 - 1 minor units) is read
as no amount: the promise is for the amount due and the reply is still answered."""

from __future__ import annotations

import datetime as dt

from recaudo.contracts.validators import MAX_SAFE_MINOR
from recaudo.streams.conversation.slots import parse_slots
from recaudo.streams.state import DebtorState
from tests.unit.streams.conversation.test_assistant import DECIDER, reply
from tests.unit.streams.test_decide import account, run

ABSURD = "pago 10.000.000.000.000.000.000 mañana"


def test_an_amount_past_2_53_minor_units_is_no_amount() -> None:
    today = dt.date(2026, 12, 2)
    assert parse_slots(ABSURD, today, "es", "COP").amount_minor is None
    largest = parse_slots("pago $90.071.992.547.409,91 mañana", today, "es", "USD")
    assert largest.amount_minor == MAX_SAFE_MINOR


def test_a_reply_promising_an_absurd_amount_is_still_answered() -> None:
    state = DebtorState()
    run(DECIDER, state, account(debtor_name="Ana", creditor_name="Acme Bank", language="es"))
    fx = run(DECIDER, state, reply(ABSURD))
    [command] = fx.contacts
    assert command.content is not None
    assert state.conversation is not None
    assert state.conversation.pa == 12_000, "the promise is for the amount due ($120.00)"
