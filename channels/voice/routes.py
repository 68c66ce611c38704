"""Mount the voice answer webhooks on the web app.

Every route is served wherever provider webhooks are (one API document for
every deployment, like ``/webhooks/{provider}``); a provider the credentials
do not configure answers 404.
"""

from __future__ import annotations

from aiohttp import web

from recaudo.channels.credentials import ProviderCredentials
from recaudo.channels.voice.amd import (
    ANSWER_PATH,
    VONAGE_ANSWER_PATH,
    VONAGE_EVENT_PATH,
    ScriptStore,
)
from recaudo.channels.voice.answer import twilio_answer
from recaudo.channels.voice.vonage import Handler, vonage_answer, vonage_event
from recaudo.channels.webhooks.vonage_voice import VonageVoiceVerifier


async def not_configured(_request: web.Request) -> web.Response:
    raise web.HTTPNotFound(text="no such provider configured")


def add_voice_routes(
    app: web.Application,
    credentials: ProviderCredentials,
    store: ScriptStore,
    public_base_url: str,
    body_timeout_s: float,
) -> None:
    """Twilio's answer route, Vonage's answer and event routes; a body not received
    within ``body_timeout_s`` is a 408."""
    twilio: Handler = not_configured
    answer: Handler = not_configured
    event: Handler = not_configured
    if credentials.twilio is not None:
        token = credentials.twilio.auth_token.get_secret_value()
        twilio = twilio_answer(store, token, public_base_url, body_timeout_s)
    if credentials.vonage is not None:
        verifier = VonageVoiceVerifier(
            credentials.vonage.api_key, credentials.vonage.signature_secret.get_secret_value()
        )
        answer = vonage_answer(store, verifier, body_timeout_s)
        event = vonage_event(store, verifier, body_timeout_s)
    app.router.add_post(ANSWER_PATH, twilio)
    app.router.add_post(VONAGE_ANSWER_PATH, answer)
    app.router.add_post(VONAGE_EVENT_PATH, event)
