"""What the demo prints per simulated day: labelled changes, words for rule ids, whole messages."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from types import SimpleNamespace
from typing import Any, cast

from recaudo.channels.sandbox.core import SentMessage
from recaudo.demo_days import ALL_PASSED, Debtor, Tally, day_block, day_title, deciding_rule

FIRST = dt.date(2026, 3, 2)  # a Monday
LINK = (
    "https://pay.example.com/checkout?ref=PAY-a-000012&account=%2A%2A%2A%2A0012&token=" + "x" * 80
)


def sent(text: str, to: str = "+5511999990012", channel: str = "sms") -> SentMessage:
    return SentMessage("twilio", "m1", channel, to, "+15550001", text, None, None, None)


def test_the_day_number_follows_the_date() -> None:
    assert day_title(FIRST, FIRST, FIRST) == "Day 1, Mon 2026-03-02"
    wed = FIRST + dt.timedelta(days=2)
    assert day_title(FIRST, wed, wed) == "Day 3, Wed 2026-03-04"
    assert day_title(FIRST, wed, wed + dt.timedelta(days=1)).startswith("Days 3-4, Wed 2026-03-04")


def test_a_block_labels_each_count_and_gives_the_reasons_in_words() -> None:
    tally = Tally(
        decisions=Counter({"defer": 40, "contact": 12}),
        reasons=Counter({("defer", "co.ley2300.art3.horario"): 30, ("suppress", "x.new"): 1}),
        fed=Counter({"account": 300, "payment": 4}),
    )
    text = day_block("Day 1, Mon 2026-03-02", tally, [sent("Hola")], {})
    lines = text.splitlines()
    assert lines[1] == "  decisions  40 defer · 12 contact"
    assert lines[2] == "  sent       1 messages (1 sms)"
    assert lines[3] == "  the world  300 account updates · 4 payments"
    assert lines[4] == (
        "  reasons    30 defer: co.ley2300.art3.horario"
        " — outside the hours the law allows for contact"
    )
    assert lines[5].endswith("1 suppress: x.new")  # no words known: the id alone


def test_the_last_message_is_whole_and_names_its_debtor() -> None:
    text = (
        "Recaudo Demo Brasil: Ola Debtor 12, sua parcela de R$ 1.250,00 venceu em 5 de marco. "
        f"Pague aqui: {LINK} Credor: Demo Lender, CNPJ/CPF 12.345.678/0001-95, "
        "Av. Paulista 1000, Sao Paulo - SP."
    )
    message = sent(text)
    who = {message.to: Debtor("d-000012", "BR", "pt")}
    block = day_block("Day 2", Tally(), [message], who)
    printed = block.split("to debtor d-000012 (BR, pt):\n", 1)[1]
    assert printed.split() == text.split()  # every word, none cut
    assert any(line.strip() == LINK or LINK in line.split() for line in printed.splitlines())


def test_an_email_shows_its_subject_and_keeps_its_paragraphs() -> None:
    message = sent("Hola:\n\nSu cuota vence.", to="a@example.com", channel="email")
    message.subject = "Su cuota"
    block = day_block("Day 1", Tally(), [message], {})
    assert "to a@example.com:" in block
    assert block.splitlines()[-4:] == [
        "             Subject: Su cuota",
        "             Hola:",
        "",
        "             Su cuota vence.",
    ]


class FakeTable:
    def __len__(self) -> int:
        return 1

    def debtor_id(self, i: int) -> str:
        return "d-000012"

    def jurisdiction(self, i: int) -> str:
        return "BR"

    def language(self, i: int) -> str:
        return "pt"


def test_each_day_shows_that_days_changes_not_the_running_total() -> None:
    from recaudo.demo import START, Demo

    messages: list[SentMessage] = []
    stack = SimpleNamespace(sandbox=SimpleNamespace(messages=messages))
    demo = Demo(cast(Any, stack), cast(Any, SimpleNamespace(table=FakeTable())), cast(Any, None))
    demo.tally.decisions["contact"] += 5
    messages += [sent("uno"), sent("dos")]
    first = demo.day_done(START.date())
    assert first.splitlines()[:3] == [
        "Day 1, Mon 2026-03-02",
        "  decisions  5 contact",
        "  sent       2 messages (2 sms)",
    ]
    demo.tally.decisions["contact"] += 3
    messages.append(sent("tres"))
    second = demo.day_done(START.date() + dt.timedelta(days=1))
    assert second.splitlines()[:3] == [
        "Day 2, Tue 2026-03-03",
        "  decisions  3 contact",
        "  sent       1 messages (1 sms)",
    ]
    assert second.splitlines()[-1].strip() == "tres"


def test_a_contact_counts_under_the_rule_that_decided_not_the_rules_it_passed() -> None:
    passed = {"rule_id": "co.ley2300.art3.horario", "params": {"outcome": "passed"}}
    decided = {"rule_id": "strategy.best_hour", "params": {}}
    assert deciding_rule([passed, decided]) == "strategy.best_hour"
    assert deciding_rule([passed]) == ALL_PASSED
    tally = Tally(reasons=Counter({("contact", ALL_PASSED): 7}))
    block = day_block("Day 1", tally, [], {})
    assert "  reasons    7 contact: every rule checked allowed it" in block.splitlines()
