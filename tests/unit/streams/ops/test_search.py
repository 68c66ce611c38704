"""Search matches what a person knows a debtor by; exact ids and references first."""

from __future__ import annotations

from recaudo.contracts.events import Channel
from recaudo.contracts.state import AccountState, PointState
from recaudo.streams.ops.cards import card_of
from recaudo.streams.ops.search import search
from recaudo.streams.state import DebtorState


def state(name: str, phone: str, email: str, ref: str) -> DebtorState:
    return DebtorState(
        name=name,
        points=[
            PointState(ch=Channel.SMS, addr=phone, consent=True),
            PointState(ch=Channel.EMAIL, addr=email, consent=True),
        ],
        accounts={"a1": AccountState(due=500, bal=900, ref=ref)},
    )


CARDS = [
    card_of("d-1", state("Ana Gómez", "+12125550188", "ana@example.com", "REF-1")),
    card_of("d-2", state("Anabel Ruiz", "+13055550100", "ruiz@example.com", "REF-2")),
]


def ids(query: str) -> list[str]:
    return [h.card.debtor_id for h in search(CARDS, query)]


def test_by_name_phone_email_and_reference() -> None:
    assert ids("gómez") == ["d-1"]
    assert ids("ana") == ["d-1", "d-2"]
    assert ids("+1 (305) 555-0100") == ["d-2"]
    assert ids("ruiz@") == ["d-2"]
    assert ids("ref-2") == ["d-2"]
    assert ids("d-2") == ["d-2"]
    assert ids("x") == [], "too short to mean anything"


def test_a_card_is_callable_only_when_owing_and_reachable() -> None:
    assert CARDS[0].callable
    quiet = state("Ana", "+12125550188", "a@example.com", "R")
    quiet.opt_all = True
    assert not card_of("d-3", quiet).callable
