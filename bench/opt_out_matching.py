"""Opt-out matching: what reading keywords anywhere in a reply costs and finds.

On every reply corpus in the repository, how many replies that are not opt-outs
the rules read as one (false positives), and how many of the opt-outs and
cease requests they find, for the matcher at ``BASELINE`` (keywords only as the
whole reply or its first word) against ``channels.opt_out`` now. The baseline
is the file at that commit, loaded from git, so both run on the same corpora in
the same run. ``written here`` are replies made up for this bench around the
words with an everyday sense ("end of the month", "el monto es muy alto"):
outside the totals, they show where the rules pay, not how often.

    .venv/bin/python -m bench.opt_out_matching [--baseline COMMIT] [--show]
"""

from __future__ import annotations

import argparse
import subprocess
import types
from collections.abc import Callable, Iterator
from pathlib import Path

import orjson

from recaudo.channels import opt_out
from recaudo.contracts.events import Intent
from recaudo.models.intent_phrases import SEED_PHRASES
from recaudo.simulator import texts

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
#: The last commit with the old matcher (issue 21, part 3 started from it).
BASELINE = "421dcb9"
OPTING_OUT = frozenset({"opt_out", "cease"})
# (text, language, is an opt-out); language None: every language's phrases.
Row = tuple[str, str | None, bool]
Detect = Callable[[str | None, str | None], bool]

#: The replies of the issue, each an opt-out that the baseline missed.
ISSUE = (
    ("I already paid. STOP", "en"), ("Ya pagué. BAJA", "es"), ("Já paguei. PARE", "pt"),
    ("Por favor BAJA", "es"), ("S\u200bTOP", "en"), ("I already told you: STOP ALL", "en"),
    ("já pedi para parar, SAIR TUDO", "pt"),
)  # fmt: skip
#: Replies that are not opt-outs but hold a word that is one elsewhere.
WRITTEN_HERE = (
    ("I'll pay at the end of the month", "en"), ("I quit my job, can't pay now", "en"),
    ("can I cancel the payment plan?", "en"), ("I'll stop by the branch to pay", "en"),
    ("the amount is too high", "en"), ("el monto es muy alto", "es"),
    ("los intereses son muy altos", "es"), ("quiero cancelar la deuda hoy", "es"),
    ("pago el viernes, para el 15 ya está", "es"), ("no más de 50 mil por ahora", "es"),
    ("si me baja la cuota le pago", "es"), ("basta con pagar el mínimo?", "es"),
    ("quero sair dessa dívida, posso parcelar?", "pt"), ("não quero parcelar, pago à vista", "pt"),
    ("me ligam sem parar", "pt"), ("vou pagar para não ficar com o nome sujo", "pt"),
)  # fmt: skip


def baseline(commit: str) -> Detect:
    """``detect_opt_out`` as it was at ``commit``."""
    source = subprocess.run(
        ["git", "show", f"{commit}:channels/opt_out.py"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    module = types.ModuleType(f"opt_out_{commit}")
    exec(compile(source, f"{commit}:channels/opt_out.py", "exec"), module.__dict__)
    detect: Detect = module.detect_opt_out
    return detect


def fixture(name: str) -> Iterator[Row]:
    for line in (FIXTURES / name).read_bytes().splitlines():
        if line.strip():
            row = orjson.loads(line)
            yield row["text"], row["lang"], row["ask"] in OPTING_OUT


def seeds() -> Iterator[Row]:
    for intent, phrases in SEED_PHRASES.items():
        for text in phrases:
            yield text, None, intent is Intent.OPT_OUT


def simulator() -> Iterator[Row]:
    replies = (texts.PAID_ALREADY, texts.WRONG_PARTY, texts.OTHER)
    for language in texts.PROMISE:
        for template in texts.PROMISE[language]:
            for day in texts.WEEKDAYS[language]:
                yield template.format(day=day), language, False
        for group in replies:
            yield from ((text, language, False) for text in group[language])
        for group in (texts.OPT_OUT, texts.OPT_OUT_ALL):
            yield from ((text, language, True) for text in group[language])


def rate(count: int, total: int) -> str:
    return f"{count} ({count / total:.1%})" if total else "-"


def measure(name: str, rows: list[Row], old: Detect, new: Detect, show: bool) -> list[int]:
    negatives = [(t, lang) for t, lang, out in rows if not out]
    positives = [(t, lang) for t, lang, out in rows if out]
    counts = [
        len(negatives),
        sum(old(t, lang) for t, lang in negatives),
        sum(new(t, lang) for t, lang in negatives),
        len(positives),
        sum(old(t, lang) for t, lang in positives),
        sum(new(t, lang) for t, lang in positives),
    ]
    n, fp_old, fp_new, p, tp_old, tp_new = counts
    print(f"| {name} | {n} | {rate(fp_old, n)} | {rate(fp_new, n)} | {p} | {tp_old} | {tp_new} |")
    if show:
        for text, lang in negatives:
            if new(text, lang):
                print(f"    read as an opt-out: {text!r} ({lang})")
        for text, lang in positives:
            if not new(text, lang):
                print(f"    missed: {text!r} ({lang})")
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--baseline", default=BASELINE, help="commit of the old matcher")
    parser.add_argument("--show", action="store_true", help="list each false positive and miss")
    args = parser.parse_args()
    old, new = baseline(args.baseline), opt_out.detect_opt_out
    corpora = {
        "`tests/fixtures/replies.jsonl`": list(fixture("replies.jsonl")),
        "`tests/fixtures/replies_holdout.jsonl`": list(fixture("replies_holdout.jsonl")),
        "`models/intent_phrases.py` seeds": list(seeds()),
        "`simulator/texts.py`": list(simulator()),
    }
    print(
        f"| corpus | not opt-outs | read as opt-outs, {args.baseline} | now | opt-outs "
        f"| found, {args.baseline} | now |\n| --- | --- | --- | --- | --- | --- | --- |"
    )
    totals = [0] * 6
    for name, rows in corpora.items():
        totals = [
            a + b for a, b in zip(totals, measure(name, rows, old, new, args.show), strict=True)
        ]
    n, fp_old, fp_new, p, tp_old, tp_new = totals
    print(
        f"| all of the above | {n} | {rate(fp_old, n)} | {rate(fp_new, n)} "
        f"| {p} | {tp_old} | {tp_new} |"
    )
    measure("the issue's replies", [(t, lang, True) for t, lang in ISSUE], old, new, args.show)
    measure("written here", [(t, lang, False) for t, lang in WRITTEN_HERE], old, new, args.show)


if __name__ == "__main__":
    main()
