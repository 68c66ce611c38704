"""Payment-link tokens: signed, expiring, and free of personal data."""

from __future__ import annotations

import base64
import datetime as dt

from recaudo.channels.content.paylink import PayLinks, payment_target

NOW = dt.datetime(2026, 3, 10, 15, 0, 30, tzinfo=dt.UTC)


def links(secret: str = "s3cret") -> PayLinks:
    return PayLinks(secret, "https://r.example.com/", dt.timedelta(days=7))


def test_a_token_round_trips_and_expires_after_its_ttl() -> None:
    token, expires = links().token("acme", "c0ffee", NOW)
    parsed = links().verify(token)
    assert parsed is not None
    assert (parsed.tenant_id, parsed.contact_id) == ("acme", "c0ffee")
    assert parsed.expires_at == expires == dt.datetime(2026, 3, 17, 15, 0, 30, tzinfo=dt.UTC)
    assert not parsed.expired(expires - dt.timedelta(seconds=1))
    assert parsed.expired(expires)
    assert links().url(token) == f"https://r.example.com/pay/{token}"


def test_tampered_truncated_or_foreign_tokens_are_refused() -> None:
    token, _ = links().token("acme", "c0ffee", NOW)
    payload, signature = token.rsplit(".", 1)
    forged = base64.urlsafe_b64encode(b'["acme","c0ffee",4102444800]').decode().rstrip("=")
    assert links().verify(f"{forged}.{signature}") is None  # extended expiry
    assert links().verify(token[:-1]) is None
    assert links("other-secret").verify(token) is None
    assert links().verify("not-a-token") is None
    assert links().verify(payload) is None


def test_the_token_is_deterministic_and_carries_no_personal_data() -> None:
    one, _ = links().token("acme", "c0ffee", NOW)
    two, _ = links().token("acme", "c0ffee", NOW)
    assert one == two
    payload = one.rsplit(".", 1)[0]
    decoded = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    assert decoded == b'["acme","c0ffee",1773759630]'


def test_the_payment_page_url_quotes_its_fields() -> None:
    url = payment_target(
        "https://pay.example.com/{payment_reference}?a={account_reference}",
        payment_reference="PR 1/2",
        account_reference=None,
    )
    assert url == "https://pay.example.com/PR%201%2F2?a="
