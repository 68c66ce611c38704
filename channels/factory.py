"""Providers per channel, in failover order, from ``ProviderCredentials``.

``base_url`` points every adapter at one host (the sandbox) in tests and the
demo; ``None`` uses each provider's real API host.
"""

from __future__ import annotations

import aiohttp

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
from recaudo.streams.events import Channel


def build_providers(
    session: aiohttp.ClientSession,
    creds: ProviderCredentials,
    *,
    webhook_base_url: str | None,
    base_url: str | None = None,
    renderer: Renderer = default_renderer,
) -> dict[Channel, list[Provider]]:
    def url(default: str) -> str:
        return base_url or default

    sms: list[Provider] = []
    whatsapp: list[Provider] = []
    email: list[Provider] = []
    voice: list[Provider] = []
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
        )
        sms.append(twilio)
        voice.append(twilio)
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
        sms.append(
            VonageProvider(
                session,
                creds.vonage,
                base_url=url("https://rest.nexmo.com"),
                webhook_base_url=webhook_base_url,
                renderer=renderer,
            )
        )
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
        (Channel.VOICE, voice),
    ]
    return {channel: providers for channel, providers in pairs if providers}
