"""Every inbound webhook verifier, message providers' and payment providers' alike.

A receipt signed as the provider signs it passes; a wrong secret, a changed or
missing signature, a changed body (where the body is signed) and a stale
timestamp (where one is signed) are refused with ``SignatureError``; odd bytes
raise only the documented ``SignatureError`` or ``InvalidEvent``; every raw
status the verifier knows reaches our status set through the real parser.
"""

from __future__ import annotations

import contextlib
import inspect
import time
from dataclasses import replace
from typing import Any

import pytest

from recaudo.channels.webhooks.base import InboundMessage, StatusReport, Verifier, WebhookRequest
from recaudo.contracts.events import DeliveryStatus
from recaudo.foundation.errors import InvalidEvent, SignatureError
from tests.contracts.discovery import classes, names
from tests.contracts.webhook_cases import CASES, MESSAGE_ID, HookCase

IDS = [case.id for case in CASES]


async def verify(checker: Any, request: WebhookRequest) -> Any:
    """``Verifier.verify`` is a coroutine, ``PaymentProvider.verify`` a plain call."""
    out = checker.verify(request)
    return await out if inspect.isawaitable(out) else out


def first_status(case: HookCase) -> str:
    return next(iter(case.statuses), "payment")


def _is_verifier(cls: type) -> bool:
    return issubclass(cls, Verifier) and cls is not Verifier


def _is_payment_provider(cls: type) -> bool:
    return callable(getattr(cls, "verify", None)) and callable(
        getattr(cls, "create_checkout", None)
    )


def test_every_verifier_is_in_the_suite() -> None:
    found = classes("recaudo.channels.webhooks", _is_verifier)
    found |= classes("recaudo.channels.payments", _is_payment_provider)
    assert names(found) == names({case.cls for case in CASES})


@pytest.mark.parametrize("case", CASES, ids=IDS)
async def test_a_valid_signature_passes(case: HookCase) -> None:
    checker = case.build(True)
    out = await verify(checker, case.signed(time.time(), first_status(case)))
    if case.payment:
        assert isinstance(out, dict)
    else:
        assert out is None or isinstance(out, str)


@pytest.mark.parametrize("case", CASES, ids=IDS)
async def test_a_wrong_secret_fails(case: HookCase) -> None:
    with pytest.raises(SignatureError):
        await verify(case.build(False), case.signed(time.time(), first_status(case)))


@pytest.mark.parametrize("case", CASES, ids=IDS)
async def test_a_changed_signature_fails(case: HookCase) -> None:
    signed = case.signed(time.time(), first_status(case))
    with pytest.raises(SignatureError):
        await verify(case.build(True), case.tamper(signed))


@pytest.mark.parametrize("case", CASES, ids=IDS)
async def test_a_missing_signature_fails(case: HookCase) -> None:
    signed = case.signed(time.time(), first_status(case))
    with pytest.raises(SignatureError):
        await verify(case.build(True), case.unsign(signed))


@pytest.mark.parametrize("case", [c for c in CASES if c.body_signed], ids=lambda c: c.id)
async def test_a_changed_body_fails(case: HookCase) -> None:
    signed = case.signed(time.time(), first_status(case))
    changed = replace(signed, body=signed.body.replace(MESSAGE_ID.encode(), b"MSG2"))
    assert changed.body != signed.body
    with pytest.raises(SignatureError):
        await verify(case.build(True), changed)


@pytest.mark.parametrize("case", [c for c in CASES if c.stale_refused], ids=lambda c: c.id)
async def test_a_stale_timestamp_fails(case: HookCase) -> None:
    with pytest.raises(SignatureError):
        await verify(case.build(True), case.signed(time.time() - 3600, first_status(case)))


ODD_BODIES = [b"", b"{", b"[]", b"null", b'{"a": 1}', b"\xff\xfe\x00", b"a=1&b", b"x" * 5000]


@pytest.mark.parametrize("case", CASES, ids=IDS)
async def test_odd_bytes_raise_only_documented_errors(case: HookCase) -> None:
    checker = case.build(True)
    signed = case.signed(time.time(), first_status(case))
    for body in ODD_BODIES:
        for headers in (signed.headers, {}, {k: "\x00é" for k in signed.headers}):
            odd = replace(signed, body=body, headers=headers)
            with contextlib.suppress(SignatureError, InvalidEvent):
                await verify(checker, odd)
            if not case.payment:
                with contextlib.suppress(InvalidEvent):
                    checker.parse(odd)


@pytest.mark.parametrize("case", [c for c in CASES if not c.payment], ids=lambda c: c.id)
async def test_every_provider_status_maps_into_ours(case: HookCase) -> None:
    checker = case.build(True)
    assert case.statuses, "a message verifier maps at least one provider status"
    for raw, ours in case.statuses.items():
        assert isinstance(ours, DeliveryStatus)
        signed = case.signed(time.time(), raw)
        await verify(checker, signed)
        items = checker.parse(signed)
        reports = [i for i in items if isinstance(i, StatusReport)]
        assert [r.status for r in reports] == [ours], raw
        assert reports[0].message_id == MESSAGE_ID
        assert reports[0].dedupe_id
        assert all(isinstance(i, StatusReport | InboundMessage) for i in items)
