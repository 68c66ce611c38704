"""The reply assistant: parsing quality on the corpus, and reply latency on the stack.

1. Ask, date and amount accuracy of ``streams.conversation.parse`` (rules, then
   the seeded classifier as fallback, as in production) on the corpus written
   with it (``tests/fixtures/replies.jsonl``) and on the replies written after
   it (``replies_holdout.jsonl``), per ask, against the baseline in the same
   run: the River naive Bayes intent classifier alone (``models.intent``),
   scored on the contract's intents (it has no balance, link, plan or help).
2. Signed inbound SMS webhook -> answer handed to the provider, on the local
   stack (tansu, Redis, web, worker, sandbox providers): ``--replies`` debtors
   each ask "how much do I owe?" once, one at a time; the clock starts before
   the webhook POST and stops when the sandbox provider received the answer.

    .venv/bin/python -m bench.assistant [--replies 60] [--skip-stack]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import statistics
import tempfile
import time
from collections import Counter
from importlib.resources import files
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
import orjson

from recaudo.contracts.events import Intent
from recaudo.models.intent import IntentClassifier
from recaudo.rules.policy import default_policy
from recaudo.stack import TENANT, Stack, local_stack
from recaudo.streams.conversation.parse import Ask, parse_reply

FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "fixtures"
CORPORA = (FIXTURES / "replies.jsonl", FIXTURES / "replies_holdout.jsonl")
TODAY = dt.date(2026, 12, 2)
#: The corpus's asks as the contract's intents, for the baseline's score.
AS_INTENT = {
    "promise": Intent.PROMISE_TO_PAY,
    "dispute": Intent.DISPUTE,
    "opt_out": Intent.OPT_OUT,
    "cease": Intent.OPT_OUT,
    "wrong_party": Intent.WRONG_PARTY,
    "paid_already": Intent.PAID_ALREADY,
    "hardship": Intent.HARDSHIP,
    "callback": Intent.CALLBACK_REQUEST,
}


def accuracy(corpus: Path) -> None:
    rows = [orjson.loads(line) for line in corpus.read_bytes().splitlines() if line.strip()]
    per_ask: dict[str, Counter[str]] = {}
    slots: Counter[str] = Counter()
    ours = theirs = 0
    classifier = IntentClassifier()
    started = time.perf_counter()
    parsed = [
        parse_reply(r["text"], r["lang"], TODAY, r["currency"], model=classifier.predict)
        for r in rows
    ]
    parse_s = time.perf_counter() - started
    for row, got in zip(rows, parsed, strict=True):
        counts = per_ask.setdefault(row["ask"], Counter())
        counts["n"] += 1
        counts["hit"] += got.ask.value == row["ask"]
        if row["ask"] == "promise":
            slots["n"] += 1
            slots["date"] += (got.due_on.isoformat() if got.due_on else None) == row["date"]
            slots["amount"] += got.amount_minor == row["amount_minor"]
        wanted = AS_INTENT.get(row["ask"], Intent.OTHER)
        ours += got.intent is wanted
        theirs += classifier.predict(row["text"])[0] is wanted
    total = sum(c["n"] for c in per_ask.values())
    hits = sum(c["hit"] for c in per_ask.values())
    langs = ", ".join(sorted({r["lang"] for r in rows}))
    print(f"{corpus.name}: {total} replies ({langs})")
    print(f"ask accuracy: {hits / total:.1%} ({hits}/{total})")
    for ask in Ask:
        c = per_ask.get(ask.value)
        if c:
            print(f"  {ask.value:<13} {c['hit'] / c['n']:.1%} ({c['hit']}/{c['n']})")
    print(f"promise date accuracy: {slots['date'] / slots['n']:.1%} ({slots['date']}/{slots['n']})")
    print(
        f"promise amount accuracy: {slots['amount'] / slots['n']:.1%} "
        f"({slots['amount']}/{slots['n']})"
    )
    print(
        f"contract intent accuracy: parser {ours / total:.1%} vs naive Bayes baseline "
        f"{theirs / total:.1%} (ratio {ours / max(theirs, 1):.2f})"
    )
    print(f"parse time: {parse_s / total * 1e6:.0f} µs per reply")


async def latency(replies: int) -> None:
    builtin = files("recaudo.rules").joinpath("default_policy.toml").read_text(encoding="utf-8")
    # The static cadence: every debtor's first contact goes out at once.
    text = builtin.replace('mode = "adaptive"', 'mode = "cadence"', 1)
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / f"{TENANT}.toml").write_text(text, encoding="utf-8")
        async with local_stack(policy_dir=folder) as stack:
            debtors = treated(replies)
            phones = {d: f"+1415555{2000 + i:04d}" for i, d in enumerate(debtors)}
            await enrol(stack, phones)
            samples = []
            for phone in phones.values():
                before = sent_to(stack, phone)
                started = time.time()
                assert await stack.sandbox.inbound("twilio", phone, "how much do I owe?") == 200
                await answered(stack, phone, before)
                answer = [m for m in stack.sandbox.messages if m.to == phone][-1]
                samples.append(answer.received_at - started)
    samples.sort()
    p50 = statistics.median(samples)
    p99 = samples[min(len(samples) - 1, int(len(samples) * 0.99))]
    print(
        f"inbound webhook -> answer at the provider, {len(samples)} replies: "
        f"p50 {p50 * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms, max {samples[-1] * 1000:.1f} ms"
    )


def treated(n: int) -> list[str]:
    policy = default_policy()
    ids = (f"bench-assist-{i}" for i in range(10 * n))
    return [d for d in ids if not policy.assign(TENANT, d).holdout][:n]


async def answered(stack: Stack, phone: str, before: int) -> None:
    deadline = time.monotonic() + 30
    while True:
        if sent_to(stack, phone) > before:
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"no answer to {phone} in 30 s")
        await asyncio.sleep(0.002)


def sent_to(stack: Stack, phone: str) -> int:
    return sum(1 for m in stack.sandbox.messages if m.to == phone)


async def enrol(stack: Stack, phones: dict[str, str]) -> None:
    """Each debtor gets its first contact, so its number is known to the webhooks."""
    now = dt.datetime.now(dt.UTC)
    events: list[dict[str, Any]] = [
        {
            "type": "account",
            "event_id": f"acct-{debtor}-{now.timestamp()}",
            "tenant_id": TENANT,
            "occurred_at": now.isoformat(),
            "debtor_id": debtor,
            "account_id": f"A-{debtor}",
            "balance": {"amount_minor": 50_000, "currency": "USD"},
            "amount_due": {"amount_minor": 10_000, "currency": "USD"},
            "due_date": (now.date() - dt.timedelta(days=21)).isoformat(),
            "days_past_due": 21,
            "status": "delinquent",
            "product": "card",
            "jurisdiction": "US",
            "timezone": daytime_zone(now),
            "language": "en",
            "contact_points": [{"channel": "sms", "address": phone, "consent": True}],
        }
        for debtor, phone in phones.items()
    ]
    async with (
        aiohttp.ClientSession() as http,
        http.post(
            f"{stack.web_url}/v1/events", data=orjson.dumps(events), headers=stack.auth
        ) as resp,
    ):
        assert resp.status == 202, await resp.text()
    deadline = time.monotonic() + 60
    while any(sent_to(stack, p) == 0 for p in phones.values()):
        assert time.monotonic() < deadline, "first contacts did not all go out"
        await asyncio.sleep(0.05)


ZONES = ("Pacific/Honolulu", "America/Los_Angeles", "America/New_York", "America/Sao_Paulo",
         "Europe/London", "Europe/Moscow", "Asia/Kolkata", "Asia/Bangkok", "Asia/Tokyo",
         "Pacific/Auckland")  # fmt: skip


def daytime_zone(now: dt.datetime) -> str:
    """A zone where it is between 10:00 and 18:00 now: inside every contact window."""
    return next(z for z in ZONES if 10 <= now.astimezone(ZoneInfo(z)).hour < 18)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--replies", type=int, default=60)
    parser.add_argument("--skip-stack", action="store_true", help="accuracy only")
    args = parser.parse_args()
    for corpus in CORPORA:
        accuracy(corpus)
    if not args.skip_stack:
        asyncio.run(latency(args.replies))


if __name__ == "__main__":
    main()
