"""The parser's legal reading comes first, wherever it is in the reply: an opt-out
said with anything else is an opt-out, a cease covers every channel."""

from __future__ import annotations

import datetime as dt

import pytest

from recaudo.contracts.events import Intent
from recaudo.streams.conversation.parse import Ask, parse_reply

TODAY = dt.date(2026, 12, 2)


@pytest.mark.parametrize(
    ("text", "language", "every_channel"),
    [
        ("I already paid. STOP", "en", False),
        ("Ya pagué. BAJA", "es", False),
        ("Já paguei. PARE", "pt", False),
        ("Por favor BAJA", "es", False),
        ("S\u200bTOP", "en", False),
        ("I already told you: STOP ALL", "en", True),
        ("já pedi para parar, SAIR TUDO", "pt", True),
        ("I'll pay $50 on Friday. STOP", "en", False),
    ],
)
def test_an_opt_out_wins_over_whatever_else_the_reply_asks(
    text: str, language: str, every_channel: bool
) -> None:
    got = parse_reply(text, language, TODAY, "USD")
    assert (got.ask, got.opt_out_all, got.source) == (Ask.OPT_OUT, every_channel, "rules")


def test_a_cease_is_read_before_an_opt_out_and_covers_every_channel() -> None:
    got = parse_reply("STOP. Cease and desist, I paid", "en", TODAY, "USD")
    assert (got.ask, got.opt_out_all) == (Ask.CEASE, True)


def test_a_dispute_inside_a_longer_reply() -> None:
    assert parse_reply("Hola, NO DEBO eso, revisen", "es", TODAY, "COP").ask is Ask.DISPUTE


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Never call me again", "en"),
        ("Don't you dare call me again", "en"),
        ("deje de llamarme", "es"),
        ("para de llamarme", "es"),
        ("não me liga mais", "pt"),
        ("nunca mais me liguem", "pt"),
    ],
)
def test_a_call_me_inside_stop_calling_me_is_an_opt_out_not_a_callback(
    text: str, language: str
) -> None:
    assert parse_reply(text, language, TODAY, "USD").ask is Ask.OPT_OUT


def the_model_says_callback(text: str) -> tuple[Intent, float]:
    return Intent.CALLBACK_REQUEST, 0.99


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("no, call me tomorrow", "en"),
        ("nunca me llamen al trabajo, llámenme en la noche", "es"),
        ("talk to my lawyer", "en"),
        ("I'm represented by an attorney", "en"),
        ("tengo abogado", "es"),
        ("fale com meu advogado", "pt"),
    ],
)
def test_a_callback_that_may_be_backwards_or_a_lawyer_goes_to_a_person(
    text: str, language: str
) -> None:
    """No call is placed on a reading that may be turned around by a negation, nor to
    a debtor who names a lawyer (15 U.S.C. 1692c(a)(2)), whatever the model says."""
    got = parse_reply(text, language, TODAY, "USD", model=the_model_says_callback)
    assert (got.ask, got.source) == (Ask.HUMAN, "rules")


def test_a_plain_callback_is_still_one() -> None:
    assert parse_reply("call me tomorrow at 5", "en", TODAY, "USD").ask is Ask.CALLBACK
    assert parse_reply("me liga amanhã", "pt", TODAY, "BRL").ask is Ask.CALLBACK
