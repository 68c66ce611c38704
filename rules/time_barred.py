"""No suit, and no threat of one, to collect a time-barred debt.

12 CFR 1006.26(b): "A debt collector must not bring or threaten to bring a
legal action against a consumer to collect a time-barred debt." We read a
message as threatening legal action when its template names a suit, a court or
a seizure (per language, below); such a template is refused for a time-barred
account at ``recaudo policy check`` (for every cadence step that can reach one),
by the rules engine (a proposal naming it) and when the message is composed.
Outside the US the same refusal is tenant policy (``policy_default``).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterator
from zoneinfo import ZoneInfo

from recaudo.contracts.outputs import JsonScalar
from recaudo.rules.base import ContactProposal
from recaudo.rules.limitations import SHORTEST_DAYS, AccountDates, Barred, time_barred
from recaudo.rules.messages import MessageTemplate
from recaudo.rules.policy import TenantPolicy
from recaudo.rules.profiles.us import US

#: Words that announce legal action, per base language, matched on lower-case
#: text without accents. Broad on purpose: a false alarm costs a template edit;
#: a miss costs a threat the regulation forbids.
LEGAL_THREATS: dict[str, tuple[str, ...]] = {
    "en": (
        r"\bsu(e|ed|es|ing)\b",
        r"\blawsuits?\b",
        r"\blegal (action|proceedings?)\b",
        r"\bcourts?\b",
        r"\bjudg(e)?ments?\b",
        r"\bgarnish\w*",
        r"\blitigation\b",
    ),
    "es": (
        r"\bdemanda\w*",
        r"\bjuicio\w*",
        r"\bacci(on|ones) (judicial|legal)\w*",
        r"\bproceso (judicial|ejecutivo)\b",
        r"\bcobro (juridico|judicial)\b",
        r"\bembarg\w*",
        r"\bjuzgado\w*",
        r"\btribunal\w*",
    ),
    "pt": (
        r"\bac(ao|oes) judicia(l|is)\b",
        r"\bprocess(o|ar|aremos|ado)\b",
        r"\bexecucao\b",
        r"\bpenhora\w*",
        r"\bjustica\b",
        r"\btribuna(l|is)\b",
        r"\bjuizo\b",
    ),
}
_COMPILED = {lang: re.compile("|".join(words)) for lang, words in LEGAL_THREATS.items()}
#: Template fields that reach the debtor (``LocalizedMessage``).
FIELDS = ("sms", "email_subject", "email_text", "email_html", "whatsapp_body", "voice")


def plain(text: str) -> str:
    """Lower case without accents: what the word lists are written against."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def threat_in(text: str, language: str) -> str | None:
    """The first legal-action word in ``text`` (in ``language``), or None.

    Unknown languages are checked against every list: a threat is never let through
    because the template's language has no list of its own.
    """
    base = language.split("-")[0]
    patterns = [_COMPILED[base]] if base in _COMPILED else list(_COMPILED.values())
    flat = plain(text)
    for pattern in patterns:
        found = pattern.search(flat)
        if found:
            return found.group(0)
    return None


def template_texts(template: MessageTemplate) -> Iterator[tuple[str, str, str]]:
    """Each ``(language, field, source text)`` of ``template`` that reaches the debtor."""
    for lang, texts in template.text.items():
        for field in FIELDS:
            if source := getattr(texts, field):
                yield lang, field, source
        for k, param in enumerate(texts.whatsapp_params):
            yield lang, f"whatsapp_params[{k}]", param


def threats(template: MessageTemplate) -> Iterator[tuple[str, str, str]]:
    """Each ``(language, field, word)`` of ``template`` that threatens legal action.

    The template's own source is read, not the notices it includes: the
    disclosures the law asks for ("we will not sue you") are not threats.
    """
    for lang, field, source in template_texts(template):
        if (word := threat_in(source, lang)) is not None:
            yield lang, field, word


#: ``first_threat`` per template object (id -> the template and its answer).
_FIRST_THREAT: dict[int, tuple[MessageTemplate, tuple[str, str, str] | None]] = {}
#: Templates remembered at most; a policy reload brings new objects, so the memo is
#: emptied once this many were seen (a few per tenant and policy version).
_MEMO_SIZE = 1024


def first_threat(template: MessageTemplate) -> tuple[str, str, str] | None:
    """``next(threats(template))``, worked out once per template object.

    Every contact proposal asks it of its template (``threat_params``), and a
    loaded template never changes (frozen): scanning each of its texts again per
    proposal was ~15 % of a worker's CPU (``bench.pipeline``, profiled).
    """
    hit = _FIRST_THREAT.get(id(template))
    if hit is not None and hit[0] is template:
        return hit[1]
    found = next(threats(template), None)
    if len(_FIRST_THREAT) >= _MEMO_SIZE:
        _FIRST_THREAT.clear()
    _FIRST_THREAT[id(template)] = (template, found)
    return found


def reaches_time_barred(min_dpd: int, max_dpd: int | None) -> bool:
    """A cadence step for these days past due can reach a time-barred account
    (the shortest limitation period of any jurisdiction, ``rules.limitations``)."""
    return max_dpd is None or max_dpd >= SHORTEST_DAYS


def on_day(p: ContactProposal) -> dt.date:
    """The proposal's day in the debtor's zone (UTC where unknown)."""
    return p.at.astimezone(ZoneInfo(p.timezone)).date() if p.timezone else p.at.date()


def barred(p: ContactProposal) -> Barred:
    dates = AccountDates(p.delinquency_date, p.last_payment_date, p.charge_off_date)
    return time_barred(p.jurisdiction, dates, on_day(p), p.time_barred)


def threat_params(p: ContactProposal, policy: TenantPolicy) -> dict[str, JsonScalar] | None:
    """What makes this proposal a threat of suit on a time-barred debt, or None."""
    spec = policy.messages.get(p.template) if p.template else None
    if spec is None:
        return None
    found = first_threat(spec)
    if found is None:
        return None
    state = barred(p)
    if not state.barred:
        return None
    lang, field, word = found
    return {
        "template": f"{p.template}/{lang}/{field}",
        "word": word,
        "time_barred": state.source,
        "barred_since": state.since.isoformat() if state.since else None,
    }


def policy_problems(policy: TenantPolicy, source: str) -> list[str]:
    """``policy check``: each template a cadence step can use for a time-barred
    account that threatens legal action, naming the step, the word and the rule."""
    rule = US.suppressions["time_barred_threat"]
    out: list[str] = []
    for i, step in enumerate(policy.cadence):
        spec = policy.messages.get(step.template)
        if spec is None or not reaches_time_barred(step.min_dpd, step.max_dpd):
            continue
        for lang, field, word in threats(spec):
            out.append(
                f"{source}: messages.{step.template}.text.{lang}.{field}: threatens legal "
                f"action ({word!r}) and cadence[{i}] ({step.id}) reaches accounts "
                f"{SHORTEST_DAYS}+ days past due, which may be time-barred: refused by "
                f"{rule.id} ({rule.citation}; tenant policy outside the US)"
            )
    return list(dict.fromkeys(out))
