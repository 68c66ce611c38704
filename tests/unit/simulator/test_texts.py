"""The simulated debtors' promises read back, by the service's own parser, as the
date of their structured ``Promise`` and no amount: the day of the month in half
of them ("el viernes 13", "sexta dia 13", "friday the 13th") is a date."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from recaudo.simulator.texts import PROMISE, PROMISE_DATED, promise_text
from recaudo.streams.conversation.parse import Ask, parse_reply

CURRENCY = {"es": "COP", "en": "USD", "pt": "BRL"}


@pytest.mark.parametrize("lang", sorted(PROMISE))
def test_every_promise_text_reads_as_its_date(lang: str) -> None:
    rng = random.Random(7)
    dated = 0
    for start in range(0, 366, 5):
        today = dt.date(2026, 1, 1) + dt.timedelta(days=start)
        for ahead in range(1, 8):  # the simulator promises one to seven days out
            due = today + dt.timedelta(days=ahead)
            text = promise_text(rng, lang, due)
            dated += str(due.day) in text
            got = parse_reply(text, lang, today, CURRENCY[lang])
            assert (got.ask, got.due_on, got.amount_minor) == (Ask.PROMISE, due, None), text
    assert dated > 0


def test_the_dated_templates_draw_as_the_undated_ones_did() -> None:
    # Six templates take the same draws as three did: a seeded world stays as it was.
    assert all(len(PROMISE[lang]) == len(PROMISE_DATED[lang]) == 3 for lang in PROMISE)
    for seed in range(50):
        six, three = random.Random(seed), random.Random(seed)
        picks = [six.choice(range(6)) >> 1 for _ in range(20)]
        assert picks == [three.choice(range(3)) for _ in range(20)]
        assert six.random() == three.random()
