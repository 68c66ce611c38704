"""The validation period of a debt collector's validation notice: the pause of
collection after a dispute within it, and the wording that would overshadow it.

15 U.S.C. 1692g(a)-(b) (read in the Code's text): the consumer has thirty days
after receiving the notice to dispute the debt or ask for the original
creditor; "If the consumer notifies the debt collector in writing within the
thirty-day period ... that the debt, or any portion thereof, is disputed ...
the debt collector shall cease collection of the debt, or any disputed portion
thereof, until the debt collector obtains verification of the debt or a copy of
a judgment ... and a copy of such verification or judgment ... is mailed to the
consumer by the debt collector"; and "any collection activities and
communication during the 30-day period may not overshadow or be inconsistent
with the disclosure of the consumer's right to dispute". 12 CFR 1006.38(b)(1)
(read in a copy of the regulation's text): "During the validation period, a
debt collector must not engage in any collection activities or communications
that overshadow or are inconsistent with the disclosure of the consumer's
rights to dispute the debt". 12 CFR 1006.38(d)(2), the regulation's rule for
the same pause, was not read here: we cite it as the regulation's counterpart
(comment 38-1 names it for disputes "in writing", which includes the form
returned and an electronic medium the collector accepts). The notice and its
period's end: ``rules.validation_notice``.

Creditors collecting their own debts in their own name are not debt
collectors (15 U.S.C. 1692a(6)): all of this applies to tenants whose sender
is a third-party collector (``sender.third_party_collector``), and only in the
US; elsewhere these inputs are ignored.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

from recaudo.contracts.outputs import JsonScalar
from recaudo.rules.base import ContactProposal
from recaudo.rules.dated import contact_days
from recaudo.rules.messages import MessageTemplate
from recaudo.rules.policy import TenantPolicy
from recaudo.rules.rule import Rule
from recaudo.rules.time_barred import plain, template_texts
from recaudo.rules.validation_notice import (
    ASSUMED_RECEIPT_DAYS,
    ELECTRONIC,
    PERIOD_DAYS,
    Method,
    ValidationNotice,
    assumed_receipt,
    business_day,
)

PERIOD = Rule(
    "us.fdcpa.validation_period",
    "15 U.S.C. 1692g(a)-(b); 12 CFR 1006.34(b)(5), 1006.38(d)(2)",
    "2021-11",
    kind="law",
)
OVERSHADOWING = Rule(
    "us.fdcpa.overshadowing",
    "15 U.S.C. 1692g(b); 12 CFR 1006.38(b)",
    "2021-11",
    kind="law",
)
DISPUTE_PAUSE = Rule(
    "us.fdcpa.dispute_pause",
    "15 U.S.C. 1692g(b); 12 CFR 1006.38(d)(2): a dispute in writing within the validation "
    "period stops collection until verification of the debt (or a copy of a judgment) is "
    "mailed to the consumer",
    "2021-11",
    kind="law",
)

#: A demand for payment sooner than the period allows, per base language, matched
#: on lower-case text without accents. Broad on purpose, like the legal threats:
#: a false alarm costs a template edit; a miss costs the consumer's rights.
DEMANDS: dict[str, tuple[str, ...]] = {
    "en": (
        r"\b(pay|payment)\b[^.!?]{0,40}\b(immediately|today|at once|right away)\b",
        r"\bwithin (\d+|one|two|three|five|seven|ten|fifteen) (business )?days\b",
        r"\b(must|have to|need to) pay\b[^.!?]{0,30}\bby\b",
        r"\bfinal (notice|demand)\b",
    ),
    "es": (
        r"\bpag(ue|ar|o)\b[^.!?]{0,40}\b(inmediatamente|de inmediato|hoy mismo|ya)\b",
        r"\b(dentro de|en (los )?proximos) (\d+|dos|tres|cinco|siete|diez|quince) dias\b",
        r"\bdebe pagar\b[^.!?]{0,30}\bantes del?\b",
        r"\bultim(o|a) (aviso|requerimiento)\b",
    ),
    "pt": (
        r"\bpag(ue|ar|amento)\b[^.!?]{0,40}\b(imediatamente|hoje mesmo|ja)\b",
        r"\b(em|dentro de) (\d+|dois|tres|cinco|sete|dez|quinze) dias\b",
        r"\bdeve pagar\b[^.!?]{0,30}\bate\b",
        r"\bultimo aviso\b",
    ),
}
_COMPILED = {lang: re.compile("|".join(words)) for lang, words in DEMANDS.items()}


def demand_in(text: str, language: str) -> str | None:
    """The first overshadowing demand in ``text``; an unknown language is read
    against every list."""
    base = language.split("-")[0]
    patterns = [_COMPILED[base]] if base in _COMPILED else list(_COMPILED.values())
    flat = plain(text)
    for pattern in patterns:
        if found := pattern.search(flat):
            return found.group(0)
    return None


def demands(template: MessageTemplate) -> Iterator[tuple[str, str, str]]:
    """Each ``(language, field, words)`` of ``template`` demanding payment sooner
    than a validation period allows."""
    for lang, field, source in template_texts(template):
        if (words := demand_in(source, lang)) is not None:
            yield lang, field, words


def policy_problems(policy: TenantPolicy, source: str) -> list[str]:
    """``policy check``: for a third-party collector, each collection template that
    would overshadow a validation period, naming the words and the rule."""
    if not policy.sender.third_party_collector:
        return []
    out: list[str] = []
    for i, step in enumerate(policy.cadence):
        spec = policy.messages.get(step.template)
        if spec is None:
            continue
        for lang, field, words in demands(spec):
            out.append(
                f"{source}: messages.{step.template}.text.{lang}.{field}: demands payment "
                f"sooner than the validation period allows ({words!r}); cadence[{i}] "
                f"({step.id}) can reach a debt in its validation period: refused by "
                f"{OVERSHADOWING.id} ({OVERSHADOWING.citation})"
            )
    return list(dict.fromkeys(out))


def collects_here(p: ContactProposal, policy: TenantPolicy) -> bool:
    """Whether the validation period binds this contact: a third-party collector's, in the US."""
    return policy.sender.third_party_collector and p.jurisdiction.split("-")[0] == "US"


def _days(p: ContactProposal, policy: TenantPolicy) -> tuple[dt.date, ...]:
    profile = policy.profile(p.jurisdiction)
    return contact_days(p, profile.zones if profile is not None else ())


def disputed_within(p: ContactProposal) -> bool:
    """The consumer disputed within a validation period that counts (provided_on to
    its end, both days included)."""
    n = p.validation_notice
    return n is not None and p.disputed_on is not None and n.within(p.disputed_on)


def verified(p: ContactProposal) -> bool:
    """Verification was mailed on or after the dispute (an earlier one answered
    something else)."""
    sent, disputed = p.verification_sent_on, p.disputed_on
    return sent is not None and disputed is not None and sent >= disputed


def dispute_pause(
    p: ContactProposal, policy: TenantPolicy, days: tuple[dt.date, ...] | None = None
) -> tuple[bool, dict[str, JsonScalar]] | None:
    """Whether 1692g(b)'s pause stops this contact, with the reason's params; None
    where it does not bind (no notice given, a creditor, outside the US).

    The pause runs from the dispute's day until verification is mailed: a contact
    on a day before the dispute, or on or after the mailing, is not paused. It holds
    whatever the ``dispute`` flag says (a feed may clear it before verification).
    """
    n = p.validation_notice
    if n is None or not collects_here(p, policy):
        return None
    days = days or _days(p, policy)
    within, answered = disputed_within(p), verified(p)
    disputed, sent = p.disputed_on, p.verification_sent_on
    resumed = sent if answered else None  # the day collection may go on again
    paused = (
        within
        and disputed is not None
        and any(disputed <= d and (resumed is None or d < resumed) for d in days)
    )
    return paused, {
        "disputed_on": disputed.isoformat() if disputed else None,
        "period_end": n.period_end.isoformat(),
        "notice_counts": n.counts,
        "disputed_within": within,
        "verification_pending": within and not answered,
        "verification_sent_on": sent.isoformat() if sent else None,
    }


def overshadowing(
    p: ContactProposal, policy: TenantPolicy, days: tuple[dt.date, ...] | None = None
) -> tuple[bool, dict[str, JsonScalar]] | None:
    """Whether the proposal's template overshadows the validation period the contact
    falls in, with the reason's params; None where the rule does not bind (no
    notice or template given, a template the policy lacks, a creditor, outside the US)."""
    n = p.validation_notice
    spec = policy.messages.get(p.template) if p.template else None
    if n is None or spec is None or not collects_here(p, policy):
        return None
    days = days or _days(p, policy)
    within = any(n.within(d) for d in days)
    found = next(demands(spec), None) if within else None
    if found is None:
        return False, {
            "template": p.template,
            "within": within,
            "period_end": n.period_end.isoformat(),
        }
    lang, field, words = found
    return True, {
        "template": f"{p.template}/{lang}/{field}",
        "words": words,
        "period_end": n.period_end.isoformat(),
    }


def overshadowing_params(p: ContactProposal, policy: TenantPolicy) -> dict[str, JsonScalar] | None:
    """What makes this proposal's message overshadow the validation period it falls
    in (template/language/field, the words, the period's end), or None: the check a
    message composer makes too."""
    found = overshadowing(p, policy)
    return found[1] if found is not None and found[0] else None


def period_json(p: ContactProposal, policy: TenantPolicy) -> dict[str, object] | None:
    """The ``validation_period`` of ``recaudo check-contact``'s account block."""
    n = p.validation_notice
    if n is None:
        return None
    days = _days(p, policy)
    return {
        "applies": collects_here(p, policy),
        "provided_on": n.provided_on.isoformat(),
        "method": n.method,
        "counts": n.counts,
        "received_on": n.received_on.isoformat() if n.received_on else None,
        "assumed_receipt": None if n.received_on else assumed_receipt(n.provided_on).isoformat(),
        "period_end": n.period_end.isoformat(),
        "within": any(n.within(d) for d in days),
        "disputed_on": p.disputed_on.isoformat() if p.disputed_on else None,
        "disputed_within": disputed_within(p),
        "verification_sent_on": (
            p.verification_sent_on.isoformat() if p.verification_sent_on else None
        ),
        "rule_id": PERIOD.id,
        "citation": PERIOD.citation,
    }


__all__ = [
    "ASSUMED_RECEIPT_DAYS",
    "DISPUTE_PAUSE",
    "ELECTRONIC",
    "OVERSHADOWING",
    "PERIOD",
    "PERIOD_DAYS",
    "Method",
    "ValidationNotice",
    "assumed_receipt",
    "business_day",
    "demand_in",
    "demands",
    "dispute_pause",
    "overshadowing",
    "overshadowing_params",
    "period_json",
    "policy_problems",
]
