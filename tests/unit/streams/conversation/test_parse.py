"""The parser's legal reading comes first, wherever it is in the reply: an opt-out
said with anything else is an opt-out, a cease covers every channel."""

from __future__ import annotations

import datetime as dt

import pytest

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
