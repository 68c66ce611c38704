"""``recaudo policy check`` for message content: every problem before deployment.

Each text is compiled (syntax errors with their line) and rendered alone
against a sample debtor (undefined variables), every language and channel the
cadence can use must have a text, and every template is composed for a debtor
in each jurisdiction with content rules, so a missing legal notice is reported
by rule id and citation. Errors name the file and the template field.
"""

from __future__ import annotations

import datetime as dt

from jinja2 import TemplateError

from recaudo.channels.content.compose import Composer, variables
from recaudo.channels.content.paylink import PayLinks
from recaudo.channels.content.render import locale_for, render
from recaudo.contracts.outputs import Reason
from recaudo.contracts.state import AccountState, DebtorStateBase
from recaudo.rules.messages import LocalizedMessage
from recaudo.rules.notices import NOTICES, TIME_BARRED
from recaudo.rules.policy import TenantPolicy

FIELDS = (
    "sms",
    "email_subject",
    "email_text",
    "email_html",
    "whatsapp_body",
    "whatsapp_params",
    "voice",
)
SAMPLE_CONTACT = "0" * 24
# A debtor id of a typical length: it goes into the sample payment link, whose
# length counts towards the SMS segments checked.
SAMPLE_DEBTOR = "0" * 24
SAMPLE_NOW = dt.datetime(2026, 1, 15, 15, 0, tzinfo=dt.UTC)
SAMPLE_ZONES = {"US": "America/New_York", "CO": "America/Bogota", "MX": "America/Mexico_City"}
SAMPLE_ZONES |= {
    "US-CA": "America/Los_Angeles",
    "US-NY": "America/New_York",
    "US-TX": "America/Chicago",
}


def sample_state(language: str, jurisdiction: str) -> DebtorStateBase:
    account = AccountState(
        days_past_due=30,
        due=123456,
        bal=234567,
        cur="USD",
        cycle="2026-01-01",
        cred="Creditor",
        ref="REF-1",
    )
    zone = SAMPLE_ZONES.get(jurisdiction, "America/Bogota")
    return DebtorStateBase(
        tz=zone, jur=jurisdiction, lang=language, name="Name", accounts={"acct-1": account}
    )


def barred_sample(language: str, jurisdiction: str, obsolete: bool) -> DebtorStateBase:
    """A debtor whose debt is time-barred (its default 5 years back, or 10: past the
    credit-reporting obsolescence date)."""
    state = sample_state(language, jurisdiction)
    years = 10 if obsolete else 5
    default = SAMPLE_NOW.date().replace(year=SAMPLE_NOW.year - years)
    account = state.accounts["acct-1"].model_copy(update={"dlq": default.isoformat(), "tb": True})
    return state.model_copy(update={"accounts": {"acct-1": account}})


def check_content(policy: TenantPolicy, source: str) -> list[str]:
    """Every content problem of ``policy`` as ``source: where: what`` lines."""
    links = PayLinks("policy-check", "https://example.invalid", dt.timedelta(days=7))
    errors = _coverage(policy, source)
    for name, spec in policy.messages.items():
        for lang, texts in spec.text.items():
            errors += _fields(policy, source, f"messages.{name}.text.{lang}", texts, lang, links)
    if errors:
        return errors
    composer = Composer(lambda _t: policy, links)
    for name, spec in policy.messages.items():
        for lang, texts in spec.text.items():
            where = f"messages.{name}.text.{lang}"
            # Each country's notices; and a time-barred debt's messages carry the state's
            # disclosure (issue 26) — a threat is reported by rules.time_barred for the
            # steps that reach such debts, so only ``notice.`` refusals count there.
            samples = [(country, sample_state(lang, country), "") for country in NOTICES]
            samples += [
                (jurisdiction, barred_sample(lang, jurisdiction, obsolete), "notice.")
                for jurisdiction in TIME_BARRED
                for obsolete in (False, True)
            ]
            for country, state, counted in samples:
                for channel in sorted(texts.channels()):
                    out = composer.compose(
                        "check",
                        state,
                        "acct-1",
                        channel,
                        name,
                        SAMPLE_CONTACT,
                        SAMPLE_NOW,
                        debtor_id=SAMPLE_DEBTOR,
                    )
                    if isinstance(out, Reason) and out.rule_id.startswith(counted):
                        errors.append(_reason(source, where, country, out))
    return list(dict.fromkeys(errors))


def _coverage(policy: TenantPolicy, source: str) -> list[str]:
    errors: list[str] = []
    if not policy.messages:
        return [f"{source}: [messages]: no message texts; contacts would carry no content"]
    for i, step in enumerate(policy.cadence):
        spec = policy.messages.get(step.template)
        where = f"cadence[{i}] ({step.id})"
        if spec is None:
            errors.append(f"{source}: {where}: template {step.template!r} is not in [messages]")
            continue
        languages = {policy.default_language, *policy.templates.get(step.template, {})}
        for lang in sorted(languages):
            texts = spec.text.get(lang) or spec.text.get(lang.split("-")[0])
            if texts is None:
                errors.append(
                    f"{source}: {where}: messages.{step.template} has no language {lang!r}"
                )
                continue
            for channel in step.channels:
                if channel not in texts.channels():
                    errors.append(
                        f"{source}: {where}: messages.{step.template}.text.{lang} has no "
                        f"{channel.value} text"
                    )
    return errors


def _fields(
    policy: TenantPolicy,
    source: str,
    where: str,
    texts: LocalizedMessage,
    lang: str,
    links: PayLinks,
) -> list[str]:
    state = sample_state(lang, "US")
    locale = locale_for(lang, "US")
    token, expires = links.token("check", SAMPLE_CONTACT, SAMPLE_DEBTOR, SAMPLE_NOW)
    values = variables(
        policy, state, "acct-1", SAMPLE_CONTACT, links.url(token), expires, SAMPLE_NOW
    )
    errors: list[str] = []
    sample: dict[str, str] = {}
    for key, by_channel in policy.notices.items():
        for channel, by_lang in by_channel.items():
            text = by_lang.get(lang) or by_lang.get(lang.split("-")[0])
            if text is None:
                continue
            try:
                sample.setdefault(key, render(text, values, locale, "UTC"))
            except TemplateError as exc:
                errors.append(f"{source}: notices.{key}.{channel}.{lang}: {_describe(exc)}")
    values["notices"] = sample
    values["required_notices"] = ""
    for field in FIELDS:
        raw = getattr(texts, field)
        sources = list(raw) if isinstance(raw, tuple) else [raw] if raw else []
        for k, text in enumerate(sources):
            label = f"{where}.{field}" + (f"[{k}]" if isinstance(raw, tuple) else "")
            try:
                render(text, values, locale, "UTC", html=field == "email_html")
            except TemplateError as exc:
                errors.append(f"{source}: {label}: {_describe(exc)}")
    return errors


def _describe(exc: TemplateError) -> str:
    line = getattr(exc, "lineno", None)
    kind = type(exc).__name__
    return f"{kind}: {exc.message or exc}" + (f" (line {line})" if line else "")


def _reason(source: str, where: str, country: str, reason: Reason) -> str:
    channel_info = reason.params.get("template", "")
    cite = f" — {reason.citation}" if reason.citation else ""
    return f"{source}: {where}: [{country}] {channel_info} fails {reason.rule_id}{cite}"
