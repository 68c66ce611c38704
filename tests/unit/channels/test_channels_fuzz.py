"""Whatever arrives at /webhooks/{provider}, the answer is never a 500."""

from __future__ import annotations

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from recaudo.channels.sandbox import signing
from tests.unit.channels.channels_testkit import Hooks

PROVIDERS = ["twilio", "sendgrid", "meta", "mailgun", "infobip", "vonage", "unknown"]
ALLOWED = {200, 400, 401, 404, 413}
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**53), 2**53)
    | st.floats(allow_nan=False)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)
FUZZ = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@FUZZ
@given(
    provider=st.sampled_from(PROVIDERS),
    body=st.binary(max_size=300) | json_values.map(orjson.dumps),
    headers=st.dictionaries(
        st.sampled_from(
            [
                "X-Twilio-Signature",
                "X-Hub-Signature-256",
                "Authorization",
                "Content-Type",
                "X-Twilio-Email-Event-Webhook-Signature",
                "X-Twilio-Email-Event-Webhook-Timestamp",
            ]
        ),
        st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=40),
        max_size=3,
    ),
)
async def test_unsigned_garbage_never_500(
    hooks: Hooks, provider: str, body: bytes, headers: dict[str, str]
) -> None:
    resp = await hooks.client.post(f"/webhooks/{provider}", data=body, headers=headers)
    assert resp.status in ALLOWED
    if resp.status != 200:
        assert "error" in await resp.json()


@FUZZ
@given(value=json_values)
async def test_correctly_signed_garbage_never_500(hooks: Hooks, value: object) -> None:
    # Signature passes, so the parser itself meets arbitrary JSON.
    payload = value if isinstance(value, dict) else {"statuses": value}
    headers, body = signing.meta("meta-sandbox-secret", payload)
    resp = await hooks.client.post("/webhooks/meta", data=body, headers=headers)
    assert resp.status in {200, 400}
    headers, body = signing.infobip("infobip", "infobip-sandbox-hook", [{"x": value}])
    resp = await hooks.client.post("/webhooks/infobip", data=body, headers=headers)
    assert resp.status in {200, 400}
    headers, body = signing.mailgun("mailgun-sandbox-signing", {"id": "x", "event": value})
    resp = await hooks.client.post("/webhooks/mailgun", data=body, headers=headers)
    assert resp.status in {200, 400}


@FUZZ
@given(params=st.lists(st.tuples(st.text(max_size=12), st.text(max_size=12)), max_size=6))
async def test_signed_twilio_and_vonage_forms_never_500(
    hooks: Hooks, params: list[tuple[str, str]]
) -> None:
    url = hooks.base_url + "/webhooks/twilio"
    headers, body = signing.twilio("sandbox-twilio-token", url, params)
    resp = await hooks.client.post("/webhooks/twilio", data=body, headers=headers)
    assert resp.status in {200, 400}
    headers, body = signing.vonage("vonage-signature-secret", dict(params))
    resp = await hooks.client.post("/webhooks/vonage", data=body, headers=headers)
    assert resp.status in {200, 400, 401}
