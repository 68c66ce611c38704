"""Providers per channel, in failover order, from ``ProviderCredentials``.

``base_url`` points every adapter at one host (the sandbox) in tests and the
demo; ``None`` uses each provider's real API host. ``voice`` lets the voice
adapters place calls that answering-machine detection decides
(``voice_answers`` builds it from the tenant policies).
"""

from __future__ import annotations

from collections.abc import Callable

import aiohttp
import redis.asyncio as aioredis

from recaudo.channels.base import Provider
from recaudo.channels.credentials import ProviderCredentials
from recaudo.channels.providers import (
    InfobipProvider,
    MailgunProvider,
    MetaWhatsAppProvider,
    SendGridProvider,
    TwilioProvider,
    VonageProvider,
)
from recaudo.channels.providers.http import Renderer, default_renderer
from recaudo.channels.voice.amd import ScriptStore, VoiceAnswers
from recaudo.channels.voice.limited import LimitedContent, stored_jurisdiction
from recaudo.contracts.events import Channel
from recaudo.foundation.keys import Keys
from recaudo.rules.policy import TenantPolicy


def voice_answers(
    client: aioredis.Redis, keys: Keys, policies: Callable[[str], TenantPolicy]
) -> VoiceAnswers:
    """Scripts in Redis for the web's answer webhooks; each machine's text from the
    tenant's policy and the debtor's jurisdiction (rules.voicemail)."""
    return VoiceAnswers(
        ScriptStore(client, keys), LimitedContent(policies, stored_jurisdiction(client, keys))
    )


def build_providers(
    session: aiohttp.ClientSession,
    creds: ProviderCredentials,
    *,
    webhook_base_url: str | None,
    base_url: str | None = None,
    renderer: Renderer = default_renderer,
    voice: VoiceAnswers | None = None,
) -> dict[Channel, list[Provider]]:
    def url(default: str) -> str:
        return base_url or default

    sms: list[Provider] = []
    whatsapp: list[Provider] = []
    email: list[Provider] = []
    voice_providers: list[Provider] = []
    if creds.meta:
        whatsapp.append(
            MetaWhatsAppProvider(session, creds.meta, base_url=url("https://graph.facebook.com"))
        )
    if creds.twilio:
        twilio = TwilioProvider(
            session,
            creds.twilio,
            base_url=url("https://api.twilio.com"),
            webhook_base_url=webhook_base_url,
            renderer=renderer,
            voice_answers=voice,
        )
        sms.append(twilio)
        voice_providers.append(twilio)
        if creds.twilio.whatsapp_from:
            whatsapp.append(twilio)
    if creds.infobip:
        sms.append(
            InfobipProvider(
                session,
                creds.infobip,
                base_url=url(creds.infobip.base_url),
                webhook_base_url=webhook_base_url,
                renderer=renderer,
            )
        )
    if creds.vonage:
        vonage = VonageProvider(
            session,
            creds.vonage,
            base_url=url("https://rest.nexmo.com"),
            voice_base_url=url("https://api.nexmo.com"),
            webhook_base_url=webhook_base_url,
            renderer=renderer,
            voice_answers=voice,
        )
        sms.append(vonage)
        if vonage.places_calls:
            voice_providers.append(vonage)
    if creds.sendgrid:
        email.append(
            SendGridProvider(
                session, creds.sendgrid, base_url=url("https://api.sendgrid.com"), renderer=renderer
            )
        )
    if creds.mailgun:
        email.append(
            MailgunProvider(
                session, creds.mailgun, base_url=url("https://api.mailgun.net"), renderer=renderer
            )
        )
    pairs = [
        (Channel.SMS, sms),
        (Channel.WHATSAPP, whatsapp),
        (Channel.EMAIL, email),
        (Channel.VOICE, voice_providers),
    ]
    return {channel: providers for channel, providers in pairs if providers}
