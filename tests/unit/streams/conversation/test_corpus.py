"""The reply parser on the corpus of 239 real-style replies (es, en, pt; typos,
accents, "200 mil", "$50", "R$ 80,00", "el viernes", "15/12", "next Monday").

Thresholds per slot, and the legal asks (opt-out, cease, dispute) never missed:
a missed opt-out is a violation, so that recall must be exactly one.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path
from typing import Any

import orjson
import pytest

from recaudo.streams.conversation.parse import LEGAL, Ask, parse_reply

CORPUS = Path(__file__).resolve().parents[3] / "fixtures" / "replies.jsonl"
#: The corpus was written for a debtor whose local date is Wednesday 2 December 2026.
TODAY = dt.date(2026, 12, 2)


def corpus() -> list[dict[str, Any]]:
    return [orjson.loads(line) for line in CORPUS.read_bytes().splitlines() if line.strip()]


def test_the_corpus_is_large_and_covers_every_ask_in_three_languages() -> None:
    rows = corpus()
    assert len(rows) >= 200
    assert {r["lang"] for r in rows} == {"es", "en", "pt"}
    assert {r["ask"] for r in rows} == {a.value for a in Ask} - {"plan_choice"}


def scores() -> dict[str, float]:
    hits: Counter[str] = Counter()
    rows = corpus()
    promises = [r for r in rows if r["ask"] == "promise"]
    for r in rows:
        got = parse_reply(r["text"], r["lang"], TODAY, r["currency"])
        hits["intent"] += got.ask.value == r["ask"]
        if r["ask"] == "promise":
            hits["date"] += (got.due_on.isoformat() if got.due_on else None) == r["date"]
            hits["amount"] += got.amount_minor == r["amount_minor"]
    return {
        "intent": hits["intent"] / len(rows),
        "date": hits["date"] / len(promises),
        "amount": hits["amount"] / len(promises),
    }


@pytest.mark.parametrize(("slot", "floor"), [("intent", 0.95), ("date", 0.95), ("amount", 0.95)])
def test_accuracy_per_slot_is_above_its_floor(slot: str, floor: float) -> None:
    assert scores()[slot] >= floor


def test_legal_asks_are_never_missed() -> None:
    for r in corpus():
        if r["ask"] in LEGAL:
            got = parse_reply(r["text"], r["lang"], TODAY, r["currency"])
            assert got.ask in LEGAL, r["text"]
            assert got.ask == Ask.CEASE or r["ask"] != "cease" or got.opt_out_all, r["text"]


@pytest.mark.parametrize(
    ("text", "lang", "currency", "due", "amount"),
    [
        ("el 15 le abono 200 mil", "es", "COP", dt.date(2026, 12, 15), 20_000_000),
        ("I'll pay $50 on Friday", "en", "USD", dt.date(2026, 12, 4), 5_000),
        ("pago dia 10", "pt", "BRL", dt.date(2026, 12, 10), None),
        ("pago sexta R$ 80,00", "pt", "BRL", dt.date(2026, 12, 4), 8_000),
        ("el 1 pago", "es", "COP", dt.date(2027, 1, 1), None),
    ],
)
def test_the_issues_examples(
    text: str, lang: str, currency: str, due: dt.date, amount: int | None
) -> None:
    got = parse_reply(text, lang, TODAY, currency)
    assert (got.ask, got.due_on, got.amount_minor) == (Ask.PROMISE, due, amount)


def test_a_plan_choice_counts_only_while_the_question_is_open() -> None:
    assert parse_reply("2", "es", TODAY, "COP", awaiting_plan=True).choice == 2
    assert parse_reply("acepto la opcion 3", "es", TODAY, "COP", awaiting_plan=True).choice == 3
    assert parse_reply("2", "es", TODAY, "COP").ask is Ask.HELP
    # A legal ask is never taken for a choice.
    assert parse_reply("STOP", "en", TODAY, "USD", awaiting_plan=True).ask is Ask.OPT_OUT
