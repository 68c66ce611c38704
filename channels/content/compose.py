"""From a decided contact to the message the debtor receives.

Called by the decision stage where it builds the contact command, so the
command carries exactly the text that was decided and audited. Pure: the same
state, contact id and time give the same message and the same payment link,
which keeps replays deterministic. A message that cannot be rendered, runs
over its SMS budget or lacks a notice the law requires is returned as the
``Reason`` that stops it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from markupsafe import escape

from recaudo.channels.content import email, sms, voice, whatsapp
from recaudo.channels.content.paylink import PayLinks, payment_target
from recaudo.channels.content.render import Amount, TemplateError, locale_for, render
from recaudo.channels.content.reply import sample_reply
from recaudo.contracts.events import Channel
from recaudo.contracts.outputs import MessageContent, Reason
from recaudo.contracts.state import DebtorStateBase
from recaudo.rules.limitations import AccountDates, past_obsolescence, time_barred
from recaudo.rules.messages import LocalizedMessage, MessageTemplate
from recaudo.rules.notices import required_notices
from recaudo.rules.policy import TenantPolicy
from recaudo.rules.profiles import profile_for
from recaudo.rules.profiles.us import US
from recaudo.rules.time_barred import threats

POLICY = "Tenant policy: a message is sent only as rendered from its template"


def blocked(rule_id: str, **params: str | int) -> Reason:
    return Reason(rule_id=rule_id, params={"kind": "policy_default", **params}, citation=POLICY)


def pick_language(template: MessageTemplate, language: str, default: str) -> str | None:
    for lang in (language, language.split("-")[0], default):
        if lang in template.text:
            return lang
    return None


def variables(
    policy: TenantPolicy,
    state: DebtorStateBase,
    account_id: str,
    contact_id: str,
    pay_url: str,
    pay_expires: dt.datetime,
    now: dt.datetime,
) -> dict[str, Any]:
    """What a template may use; ``policy check`` renders against the same names."""
    account = state.accounts[account_id]
    sender = policy.sender.for_jurisdiction(state.jur)
    amount_due = Amount(account.due, account.cur)
    return {
        "name": state.name or "",
        # The debtor's name when a message goes to their estate's representative,
        # whose own name is then ``name`` (streams.proposals.recipient_of).
        "deceased_name": state.name or "",
        "creditor": account.cred or sender.name,
        "sender": sender.name,
        "sender_tax_id": sender.tax_id or "",
        "sender_address": sender.address or "",
        "account_reference": account.ref or account_id,
        "payment_reference": account.pref or "",
        "amount_due": amount_due,
        "balance": Amount(account.bal, account.cur),
        "due_date": dt.date.fromisoformat(account.cycle) if account.cycle else now.date(),
        "days_past_due": account.days_past_due,
        "pay_url": pay_url,
        "pay_expires": pay_expires,
        "unsubscribe_url": sender.unsubscribe_url.format(contact_id=quote(contact_id, safe="")),
        "now": now,
        "account_id": account_id,
        "contact_id": contact_id,
        # An assistant reply's own values (issue 11); a sample until one overrides it.
        "reply": sample_reply(amount_due, now),
    }


def account_barred(state: DebtorStateBase, account_id: str, now: dt.datetime) -> tuple[bool, bool]:
    """Whether the account's debt is time-barred on the debtor's day (``rules.limitations``),
    and past the credit-reporting obsolescence date (California's notice differs)."""
    account = state.accounts[account_id]
    dates = AccountDates.from_iso(account.dlq, account.lpd, account.cod)
    day = now.astimezone(ZoneInfo(state.tz)).date() if state.tz else now.date()
    barred = time_barred(state.jur or "US", dates, day, account.tb).barred
    return barred, barred and past_obsolescence(dates, day)


class Composer:
    """Renders contacts for the tenants' policies, signing their payment links."""

    def __init__(self, policies: Callable[[str], TenantPolicy], links: PayLinks) -> None:
        self._policies = policies
        self._links = links

    def compose(
        self,
        tenant_id: str,
        state: DebtorStateBase,
        account_id: str,
        channel: Channel,
        template: str,
        contact_id: str,
        now: dt.datetime,
        extra: Mapping[str, object] | None = None,
        *,
        debtor_id: str,
    ) -> MessageContent | Reason | None:
        """The message, the reason it may not be sent, or None for a policy with no
        ``[messages]`` at all (the pre-content behaviour; ``policy check`` flags it).
        ``debtor_id`` goes into the payment link, so a click finds the debtor's keys.
        ``extra`` adds template values (an assistant reply's ``reply``)."""
        policy = self._policies(tenant_id)
        if not policy.messages:
            return None
        spec = policy.messages.get(template)
        if spec is None:
            return blocked("content.no_template", template=template)
        lang = pick_language(spec, state.lang, policy.default_language)
        if lang is None:
            return blocked("content.no_language", template=template, language=state.lang)
        texts = spec.text[lang]
        if channel not in texts.channels():
            return blocked("content.no_channel", template=template, language=lang, channel=channel)
        barred, obsolete = account_barred(state, account_id, now)
        if barred and (threat := next(threats(spec), None)) is not None:
            # 12 CFR 1006.26(b): no threat of suit on a time-barred debt (policy elsewhere).
            rule = (profile_for(state.jur or "US") or US).suppressions["time_barred_threat"]
            lang_, field, word = threat
            return rule.reason(template=f"{template}/{lang_}/{field}", word=word)
        token, expires = self._links.token(tenant_id, contact_id, debtor_id, now)
        values = variables(
            policy, state, account_id, contact_id, self._links.url(token), expires, now
        )
        values.update(extra or {})
        same = state.lang.split("-")[0] == lang.split("-")[0]
        locale = locale_for(state.lang if same else lang, state.jur)
        template_id = f"{template}/{lang}/{channel.value}"
        tz = state.tz or "UTC"
        try:
            values["notices"] = notices(policy, channel, lang, values, locale, tz)
            required = required_notices(
                state.jur or "US", channel, policy.sender.third_party_collector, barred, obsolete
            )
            values["required_notices"] = " ".join(
                values["notices"][n.key] for n in required if n.key in values["notices"].sources
            )
            content = self._render(
                policy, spec, texts, template, lang, channel, values, locale, state
            )
        except TemplateError as exc:
            return blocked("content.render_error", template=template_id, error=str(exc)[:200])
        content = content.model_copy(update={"template_id": template_id})
        missing = missing_notice(
            policy, content, values["notices"], channel, state.jur or "US", barred, obsolete
        )
        if missing is not None:
            return missing
        if content.segments is not None and content.segments > spec.max_sms_segments:
            return blocked(
                "content.sms_segments",
                template=template_id,
                segments=content.segments,
                limit=spec.max_sms_segments,
            )
        return content

    def _render(
        self,
        policy: TenantPolicy,
        spec: MessageTemplate,
        texts: LocalizedMessage,
        template: str,
        lang: str,
        channel: Channel,
        values: dict[str, Any],
        locale: str,
        state: DebtorStateBase,
    ) -> MessageContent:
        tz = state.tz or "UTC"

        def text(source: str | None, html: bool = False) -> str:
            assert source is not None  # channels() said this channel has its texts
            return render(source, values, locale, tz, html)

        base: dict[str, Any] = {
            "template_id": template,
            "template_version": spec.version,
            "language": locale.replace("_", "-"),
            "pay_url": values["pay_url"],
            "pay_expires_at": values["pay_expires"],
            "pay_target": payment_target(
                policy.sender.payment_url,
                payment_reference=values["payment_reference"],
                account_reference=values["account_reference"],
                account_id=values["account_id"],
                contact_id=values["contact_id"],
            ),
            "payment_reference": values["payment_reference"],
            "account_reference": values["account_reference"],
        }
        if channel is Channel.SMS:
            body = sms.normalise(text(texts.sms))
            counted = sms.segments(body)
            return MessageContent(
                **base, text=body, encoding=counted.encoding, segments=counted.count
            )
        if channel is Channel.EMAIL:
            headers = email.unsubscribe_headers(
                values["unsubscribe_url"], policy.sender.unsubscribe_mailto
            )
            return MessageContent(
                **base,
                text=text(texts.email_text),
                subject=text(texts.email_subject),
                html=text(texts.email_html, html=True),
                headers=headers,
            )
        if channel is Channel.WHATSAPP:
            params = [text(p) for p in texts.whatsapp_params]
            return MessageContent(
                **base,
                text=text(texts.whatsapp_body),
                whatsapp_template=policy.templates.get(template, {}).get(lang, template),
                whatsapp_language=whatsapp.language_code(lang, texts.whatsapp_language),
                whatsapp_components=whatsapp.body_components(params),
            )
        return MessageContent(
            **base, text=text(texts.voice), tts_language=voice.tts_language(lang, state.jur)
        )


class Notices(dict[str, str]):
    """The notice texts for one message, rendered when first used: a template reads
    ``notices.<key>``; an unknown key stays undefined (an error, never a blank)."""

    def __init__(self, sources: dict[str, str], render_one: Callable[[str], str]) -> None:
        super().__init__()
        self.sources = sources
        self._render = render_one

    def __missing__(self, key: str) -> str:
        if key not in self.sources:
            raise KeyError(key)
        self[key] = value = self._render(self.sources[key])
        return value

    def rendered(self, key: str) -> str | None:
        return self[key] if key in self.sources else None


def notices(
    policy: TenantPolicy,
    channel: Channel,
    lang: str,
    values: dict[str, Any],
    locale: str,
    tz: str,
) -> Notices:
    """Each notice text for this channel (else its default) and language."""
    sources: dict[str, str] = {}
    for key, by_channel in policy.notices.items():
        texts = by_channel.get(channel.value) or by_channel.get("default") or {}
        source = texts.get(lang) or texts.get(lang.split("-")[0])
        if source is not None:
            sources[key] = source
    return Notices(sources, lambda source: render(source, values, locale, tz))


def missing_notice(
    policy: TenantPolicy,
    content: MessageContent,
    rendered: Notices,
    channel: Channel,
    jurisdiction: str,
    time_barred: bool = False,
    obsolete: bool = False,
) -> Reason | None:
    """The first required notice the rendered message does not contain. The notice is
    the policy's own text, rendered: a template cannot pass with another sentence."""
    parts = [content.text] + ([content.html] if content.html else [])
    third_party = policy.sender.third_party_collector
    for notice in required_notices(jurisdiction, channel, third_party, time_barred, obsolete):
        wanted = rendered.rendered(notice.key)
        present = wanted is not None and all(
            sms.normalise(wanted) in part or str(escape(wanted)) in part for part in parts
        )
        if not present:
            return notice.rule.reason(template=content.template_id, notice=notice.key)
    return None
