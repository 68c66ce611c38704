"""Every outbound provider adapter (``channels.providers``) through one contract.

It speaks its provider's wire format (method, URL on the given host, our
idempotency key, credentials, the rendered text and the address in the body);
an accepted reply is a queued ``SendOutcome`` with the provider's message id, an
invalid address a permanent failure; 5xx, 429 and transport errors raise
``RetryableProviderError``, any other refusal or an odd body
``PermanentProviderError`` and nothing else. Its status callbacks are parsed by
the webhook verifier of the same name, which the verifier suite checks maps every
provider status into ours.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, cast

import aiohttp
import orjson
import pytest
from pydantic import SecretStr

from recaudo.channels import credentials as c
from recaudo.channels.base import Provider, SendOutcome
from recaudo.channels.providers import (
    InfobipProvider,
    MailgunProvider,
    MetaWhatsAppProvider,
    SendGridProvider,
    TwilioProvider,
    VonageProvider,
)
from recaudo.channels.providers.http import IDEMPOTENCY_HEADER
from recaudo.contracts.events import Channel, DeliveryStatus
from recaudo.contracts.outputs import ContactCommand, MessageContent
from recaudo.foundation.errors import PermanentProviderError, RetryableProviderError
from tests.contracts.discovery import classes, names
from tests.contracts.webhook_cases import CASES as HOOK_CASES

BASE = "https://provider.test"
HOOKS = "https://hooks.example.com"
TEXT = "Hola, tu saldo vence pronto"
SECRET = "s3cr3t-credential"


@dataclass
class Sent:
    method: str
    url: str
    headers: Mapping[str, str]
    body: str


class _Response:
    def __init__(self, status: int, headers: Mapping[str, str], body: bytes) -> None:
        self.status = status
        self.headers = headers
        self._body = body

    async def read(self) -> bytes:
        return self._body


class _Call:
    def __init__(self, response: _Response | BaseException) -> None:
        self._response = response

    async def __aenter__(self) -> _Response:
        if isinstance(self._response, BaseException):
            raise self._response
        return self._response

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        return None


class FakeSession:
    """Records each request and answers with one canned reply (or raises)."""

    def __init__(self, reply: _Response | BaseException) -> None:
        self.reply = reply
        self.sent: list[Sent] = []

    def request(self, method: str, url: str, **kwargs: Any) -> _Call:
        if "json" in kwargs:
            body = orjson.dumps(kwargs["json"]).decode()
        else:
            body = repr(kwargs.get("data"))
        self.sent.append(Sent(method, url, dict(kwargs.get("headers") or {}), body))
        return _Call(self.reply)


def reply(status: int, body: Any = None, headers: Mapping[str, str] | None = None) -> _Response:
    raw = body if isinstance(body, bytes) else orjson.dumps(body) if body is not None else b""
    return _Response(status, headers or {}, raw)


@dataclass(frozen=True)
class AdapterCase:
    cls: type
    build: Callable[[aiohttp.ClientSession], Provider]
    channel: Channel
    address: str
    accepted: _Response
    message_id: str | None
    invalid_address: _Response
    #: Provider-specific parts of the request that must be there.
    wire: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return self.cls.__name__


def _s(value: str) -> SecretStr:
    return SecretStr(value)


TWILIO = c.TwilioCredentials(account_sid="AC1", auth_token=_s(SECRET), sms_from="+15550000001")
SENDGRID = c.SendGridCredentials(
    api_key=_s(SECRET), from_email="cobros@example.com", webhook_public_key="unused"
)
META = c.MetaCredentials(
    access_token=_s(SECRET), phone_number_id="PN1", app_secret=_s("a"), verify_token=_s("v")
)
MAILGUN = c.MailgunCredentials(
    api_key=_s(SECRET),
    domain="mg.example.com",
    from_email="cobros@example.com",
    webhook_signing_key=_s("k"),
)
INFOBIP = c.InfobipCredentials(
    api_key=_s(SECRET),
    sender="Recaudo",
    base_url=BASE,
    webhook_username="u",
    webhook_password=_s("p"),
)
VONAGE = c.VonageCredentials(
    api_key="vk", api_secret=_s(SECRET), signature_secret=_s("s"), sender="Recaudo"
)

CASES: list[AdapterCase] = [
    AdapterCase(
        TwilioProvider,
        lambda s: TwilioProvider(s, TWILIO, base_url=BASE, webhook_base_url=HOOKS),
        Channel.SMS,
        "+15555550100",
        reply(201, {"sid": "SM1"}),
        "SM1",
        reply(400, {"code": 21211, "message": "invalid 'To'"}),
        wire=("/2010-04-01/Accounts/AC1/Messages.json", "'To'", "'Body'", "StatusCallback"),
    ),
    AdapterCase(
        SendGridProvider,
        lambda s: SendGridProvider(s, SENDGRID, base_url=BASE),
        Channel.EMAIL,
        "ana@example.com",
        reply(202, b"", {"X-Message-Id": "SG1"}),
        "SG1",
        reply(400, {"errors": [{"field": "personalizations.0.to.0.email", "message": "bad"}]}),
        wire=("/v3/mail/send", '"personalizations"', '"subject"'),
    ),
    AdapterCase(
        MetaWhatsAppProvider,
        lambda s: MetaWhatsAppProvider(s, META, base_url=BASE),
        Channel.WHATSAPP,
        "+15555550100",
        reply(200, {"messages": [{"id": "wamid.1"}]}),
        "wamid.1",
        reply(400, {"error": {"code": 131026, "message": "undeliverable"}}),
        wire=("/PN1/messages", '"messaging_product":"whatsapp"', '"template"'),
    ),
    AdapterCase(
        MailgunProvider,
        lambda s: MailgunProvider(s, MAILGUN, base_url=BASE),
        Channel.EMAIL,
        "ana@example.com",
        reply(200, {"id": "<MG1@mg.example.com>", "message": "Queued"}),
        "MG1@mg.example.com",
        reply(400, {"message": "'to' parameter is not a valid address"}),
        wire=("/v3/mg.example.com/messages", "'subject'", "'text'"),
    ),
    AdapterCase(
        InfobipProvider,
        lambda s: InfobipProvider(s, INFOBIP, base_url=BASE, webhook_base_url=HOOKS),
        Channel.SMS,
        "+15555550100",
        reply(200, {"messages": [{"messageId": "IB1", "status": {"groupId": 1}}]}),
        "IB1",
        reply(
            200,
            {
                "messages": [
                    {"messageId": "IB1", "status": {"groupId": 5, "name": "REJECTED_DESTINATION"}}
                ]
            },
        ),
        wire=("/sms/", '"destinations"', '"notifyUrl"'),
    ),
    AdapterCase(
        VonageProvider,
        lambda s: VonageProvider(s, VONAGE, base_url=BASE, webhook_base_url=HOOKS),
        Channel.SMS,
        "+15555550100",
        reply(200, {"messages": [{"status": "0", "message-id": "VN1"}]}),
        "VN1",
        reply(200, {"messages": [{"status": "6", "error-text": "Unroutable"}]}),
        wire=("/sms/json", "'api_key'", "'client-ref'", "'callback'"),
    ),
]
IDS = [case.id for case in CASES]


def command(case: AdapterCase) -> ContactCommand:
    at = dt.datetime(2025, 6, 10, 15, tzinfo=dt.UTC)
    content = MessageContent(
        template_id=f"reminder/es/{case.channel.value}",
        template_version="1",
        language="es",
        text=TEXT,
        subject="Recordatorio",
    )
    return ContactCommand(
        contact_id="contact-1",
        tenant_id="acme",
        debtor_id="debtor-1",
        account_id="account-1",
        channel=case.channel,
        address=case.address,
        template="reminder",
        language="es",
        send_at=at,
        expires_at=at + dt.timedelta(hours=6),
        strategy="contract",
        arm="sms@morning",
        decision_id="decision-1",
        trigger_event_id="event-1",
        content=content,
    )


async def send(case: AdapterCase, answer: _Response | BaseException) -> tuple[Any, FakeSession]:
    session = FakeSession(answer)
    provider = case.build(cast(aiohttp.ClientSession, session))
    return await provider.send(command(case)), session


def _is_adapter(cls: type) -> bool:
    return callable(getattr(cls, "send", None)) and hasattr(cls, "ref_max_len")


def test_every_adapter_is_in_the_suite() -> None:
    assert names(classes("recaudo.channels.providers", _is_adapter)) == names(
        {case.cls for case in CASES}
    )


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_it_has_the_provider_port(case: AdapterCase) -> None:
    provider = case.build(cast(aiohttp.ClientSession, FakeSession(reply(200))))
    assert isinstance(provider.name, str)
    assert provider.name
    assert isinstance(provider.idempotent, bool)
    assert isinstance(provider.ref_max_len, int)
    assert provider.ref_max_len >= 0


@pytest.mark.parametrize("case", CASES, ids=IDS)
async def test_it_speaks_the_providers_wire_format(case: AdapterCase) -> None:
    _, session = await send(case, case.accepted)
    [sent] = session.sent
    assert sent.method == "POST"
    assert sent.url.startswith(BASE + "/")
    assert sent.headers.get(IDEMPOTENCY_HEADER) == "contact-1"
    credential = sent.headers.get("Authorization", "") + sent.body
    assert (
        SECRET in credential
        or any(SECRET in _decoded(v) for v in sent.headers.values())
        or "'vk'" in sent.body
    )
    assert TEXT in sent.body or case.channel is Channel.WHATSAPP
    assert case.address.lstrip("+") in sent.body
    for part in case.wire:
        assert part in sent.url + sent.body, part


def _decoded(value: str) -> str:
    scheme, _, token = value.partition(" ")
    try:
        return base64.b64decode(token).decode(errors="replace") if scheme == "Basic" else value
    except (binascii.Error, ValueError):
        return value


@pytest.mark.parametrize("case", CASES, ids=IDS)
async def test_an_accepted_send_is_queued_with_the_providers_id(case: AdapterCase) -> None:
    outcome, _ = await send(case, case.accepted)
    assert isinstance(outcome, SendOutcome)
    assert outcome.status is DeliveryStatus.QUEUED
    assert outcome.provider_message_id == case.message_id
    assert not outcome.permanent


@pytest.mark.parametrize("case", CASES, ids=IDS)
async def test_an_invalid_address_is_a_permanent_failure(case: AdapterCase) -> None:
    outcome, _ = await send(case, case.invalid_address)
    assert outcome.status is DeliveryStatus.FAILED
    assert outcome.permanent
    assert outcome.error_code


@pytest.mark.parametrize("case", CASES, ids=IDS)
@pytest.mark.parametrize(
    "answer",
    [
        reply(500, b"oops"),
        reply(503),
        reply(429, {"error": "slow down"}),
        aiohttp.ClientConnectionError("reset"),
        TimeoutError(),
    ],
    ids=["500", "503", "429", "reset", "timeout"],
)
async def test_transient_failures_are_retryable(
    case: AdapterCase, answer: _Response | BaseException
) -> None:
    with pytest.raises(RetryableProviderError):
        await send(case, answer)


ODD = [
    reply(401, {"message": "bad credentials"}),
    reply(403, b"<html>forbidden</html>"),
    reply(200, b"<html>not json</html>"),
    reply(200, []),
    reply(200, {"messages": [1]}),
    reply(200, {"messages": "x"}),
    reply(200, {"messages": [{"status": "x"}]}),
    reply(200, {"error": "x"}),
]


@pytest.mark.parametrize("case", CASES, ids=IDS)
@pytest.mark.parametrize("answer", ODD, ids=[f"odd{i}" for i in range(len(ODD))])
async def test_refusals_and_odd_replies_raise_a_clear_error(
    case: AdapterCase, answer: _Response
) -> None:
    """A refusal or a body the adapter cannot read: ``PermanentProviderError`` naming
    the provider (or a failed outcome), never a KeyError/AttributeError."""
    error: PermanentProviderError | None = None
    try:
        outcome, _ = await send(case, answer)
    except PermanentProviderError as exc:
        error = exc
    if error is not None:
        name = case.build(cast(aiohttp.ClientSession, FakeSession(answer))).name
        assert name in str(error)
    else:
        assert outcome.status is DeliveryStatus.FAILED or answer.status in (200, 201, 202)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_its_receipts_have_a_verifier_in_the_webhook_suite(case: AdapterCase) -> None:
    provider = case.build(cast(aiohttp.ClientSession, FakeSession(reply(200))))
    hooks = {hook.build(True).name: hook for hook in HOOK_CASES if not hook.payment}
    assert provider.name in hooks, f"no webhook verifier named {provider.name}"
    assert hooks[provider.name].statuses
