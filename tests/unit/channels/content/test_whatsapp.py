"""The WhatsApp Cloud API template message, as Meta documents it for
``POST /{Version}/{Phone-Number-ID}/messages``::

    {"messaging_product": "whatsapp", "recipient_type": "individual", "to": "<NUMBER>",
     "type": "template",
     "template": {"name": "<NAME>", "language": {"code": "<CODE>"},
                  "components": [{"type": "body",
                                  "parameters": [{"type": "text", "text": "<TEXT>"}]}]}}
"""

from __future__ import annotations

import datetime as dt

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestServer

from recaudo.channels.content import Composer, PayLinks
from recaudo.channels.content.whatsapp import body_components, language_code, template_payload
from recaudo.channels.credentials import MetaCredentials
from recaudo.channels.providers.meta import MetaWhatsAppProvider
from recaudo.contracts.events import Channel
from recaudo.contracts.outputs import ContactCommand, MessageContent
from recaudo.contracts.state import AccountState
from recaudo.rules.policy import load_policy
from recaudo.streams.state import DebtorState
from tests.conftest import POLICIES

NOW = dt.datetime(2026, 3, 10, 15, tzinfo=dt.UTC)


def test_payload_matches_metas_documented_shape() -> None:
    payload = template_payload(
        "5215512345678", "past_due_v1_es", "es_MX", body_components(["Ana", "$1,250.00"])
    )
    assert payload == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "5215512345678",
        "type": "template",
        "template": {
            "name": "past_due_v1_es",
            "language": {"code": "es_MX"},
            "components": [
                {
                    "type": "body",
                    "parameters": [
                        {"type": "text", "text": "Ana"},
                        {"type": "text", "text": "$1,250.00"},
                    ],
                }
            ],
        },
    }


def test_parameters_lose_newlines_meta_would_reject() -> None:
    [component] = body_components(["line one\n\tline    two"])
    assert component["parameters"][0]["text"] == "line one line two"


def test_language_codes_use_metas_underscore() -> None:
    assert language_code("es-MX") == "es_MX"
    assert language_code("pt") == "pt"
    assert language_code("es", "es_LA") == "es_LA"


def rendered() -> MessageContent:
    policy = load_policy(POLICIES / "acme.toml")
    links = PayLinks("k", "https://r.example.com", dt.timedelta(days=3))
    account = AccountState(
        days_past_due=20, due=125_000, bal=125_000, cur="MXN", cycle="2026-03-01"
    )
    state = DebtorState(
        tz="America/Mexico_City", jur="MX", lang="es-MX", name="Ana", accounts={"a1": account}
    )
    out = Composer(lambda _t: policy, links).compose(
        "acme", state, "a1", Channel.WHATSAPP, "past_due", "c1", NOW, debtor_id="d1"
    )
    assert isinstance(out, MessageContent)
    return out


async def test_the_meta_adapter_sends_the_rendered_components() -> None:
    seen: list[dict[str, object]] = []

    async def messages(request: web.Request) -> web.Response:
        seen.append(await request.json())
        return web.json_response({"messages": [{"id": "wamid.1"}]})

    app = web.Application()
    app.router.add_post("/v21.0/123/messages", messages)
    content = rendered()
    command = ContactCommand(
        contact_id="c1",
        tenant_id="acme",
        debtor_id="d1",
        account_id="a1",
        channel=Channel.WHATSAPP,
        address="+5215512345678",
        template="past_due_v1_es",
        language="es-MX",
        send_at=NOW,
        expires_at=NOW + dt.timedelta(hours=1),
        strategy="s",
        arm="champion",
        decision_id="x1",
        trigger_event_id="e1",
        content=content,
    )
    creds = MetaCredentials(
        access_token="t", phone_number_id="123", app_secret="s", verify_token="v"
    )
    async with TestServer(app) as server, aiohttp.ClientSession() as session:
        provider = MetaWhatsAppProvider(
            session, creds, base_url=str(server.make_url("")).rstrip("/")
        )
        await provider.send(command)
    [payload] = seen
    # The approved template's language is the text's ("es"), not the debtor's region:
    # Meta matches the code against the translations it approved.
    expected = template_payload(
        "5215512345678", "past_due_v1_es", "es", content.whatsapp_components
    )
    assert {k: v for k, v in payload.items() if k != "biz_opaque_callback_data"} == expected
    [body] = content.whatsapp_components
    params = [p["text"] for p in body["parameters"]]  # type: ignore[attr-defined]
    assert params[:4] == ["Ana", "$1,250.00", "Recaudo Demo", "1 de marzo de 2026"]
    assert params[4].startswith("https://r.example.com/pay/")
