"""Payment-link tokens: encrypted, expiring, short, and free of readable data."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac

from hypothesis import given
from hypothesis import strategies as st
from itsdangerous import URLSafeSerializer

from recaudo.channels.content.paylink import (
    SALT,
    SALT_V2,
    PayDestination,
    PayLinks,
    payment_target,
)

NOW = dt.datetime(2026, 3, 10, 15, 0, 30, tzinfo=dt.UTC)
HEX = "2adac39579cc8cc5b54e77cd"


def links(secret: str = "s3cret") -> PayLinks:
    return PayLinks(secret, "https://r.example.com/", dt.timedelta(days=7))


def test_a_token_round_trips_and_expires_after_its_ttl() -> None:
    for contact, debtor in ((HEX, "d-1"), ("c0ffee", "org/42:x@y")):
        token, expires = links().token("acme", contact, debtor, NOW)
        parsed = links().verify(token)
        assert parsed is not None
        assert (parsed.tenant_id, parsed.contact_id, parsed.debtor_id) == ("acme", contact, debtor)
        assert parsed.expires_at == expires == dt.datetime(2026, 3, 17, 15, 0, 30, tzinfo=dt.UTC)
        assert not parsed.expired(expires - dt.timedelta(seconds=1))
        assert parsed.expired(expires)
        assert links().url(token) == f"https://r.example.com/pay/{token}"
        assert "/" not in token, "one URL path segment"
        assert "." not in token, "not the earlier form"


def test_the_link_is_shorter_than_the_earlier_form_though_it_names_the_debtor() -> None:
    token, _ = links().token("acme", HEX, "mem-1", NOW)
    earlier = URLSafeSerializer("s3cret", salt=SALT).dumps(["acme", HEX, 1773759630])
    assert len(token) == 58
    assert len(earlier) == 90


def test_tampered_truncated_or_foreign_tokens_are_refused() -> None:
    token, _ = links().token("acme", HEX, "d-1", NOW)
    raw = bytearray(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    raw[1] ^= 0x40  # a later expiry
    forged = base64.urlsafe_b64encode(bytes(raw)).decode().rstrip("=")
    assert links().verify(forged) is None
    assert links().verify(token[:-1]) is None
    assert links().verify(token[:-2]) is None
    assert links("other-secret").verify(token) is None
    assert links().verify("not-a-token") is None
    assert links().verify("") is None
    assert links().verify("@@@") is None


def test_a_link_of_the_earlier_form_still_verifies_without_a_debtor() -> None:
    earlier = URLSafeSerializer("s3cret", salt=SALT).dumps(["acme", "c0ffee", 1773759630])
    parsed = links().verify(str(earlier))
    assert parsed is not None
    assert (parsed.tenant_id, parsed.contact_id, parsed.debtor_id) == ("acme", "c0ffee", None)
    payload, signature = str(earlier).rsplit(".", 1)
    forged = base64.urlsafe_b64encode(b'["acme","c0ffee",4102444800]').decode().rstrip("=")
    assert links().verify(f"{forged}.{signature}") is None  # extended expiry
    assert links().verify(payload) is None


def test_the_token_is_deterministic_and_nothing_in_it_is_readable() -> None:
    one, _ = links().token("acme", HEX, "d-1", NOW)
    two, _ = links().token("acme", HEX, "d-1", NOW)
    assert one == two
    decoded = base64.urlsafe_b64decode(one + "=" * (-len(one) % 4))
    assert decoded[0] == 3, "the format byte is all that is in the clear"
    for readable in (b"d-1", b"acme", bytes.fromhex(HEX), (1773759630).to_bytes(4)):
        assert readable not in decoded
    text, _ = links().token("acme", "c0ffee", "debtor-0042", NOW)
    assert b"debtor-0042" not in base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    other, _ = links().token("acme", HEX, "d-2", NOW)
    assert other[:12] != one[:12], "no shared prefix gives a tenant or contact away"


def signed_only(secret: str, contact: str, tenant_debtor: bytes, expiry: int) -> str:
    """A link of the signed-only form sent before (format 1): readable, MAC-checked."""
    key = hmac.new(secret.encode(), SALT_V2, hashlib.sha256).digest()
    payload = b"\x01" + expiry.to_bytes(4) + bytes.fromhex(contact) + tenant_debtor
    mac = hmac.new(key, payload, hashlib.sha256).digest()[:16]
    return base64.urlsafe_b64encode(payload + mac).decode().rstrip("=")


def test_a_link_of_the_signed_only_form_still_verifies_until_it_expires() -> None:
    token = signed_only("s3cret", HEX, b"acme/d-1", 1773759630)
    parsed = links().verify(token)
    assert parsed is not None
    assert (parsed.tenant_id, parsed.contact_id, parsed.debtor_id) == ("acme", HEX, "d-1")
    assert parsed.expires_at == dt.datetime.fromtimestamp(1773759630, dt.UTC)
    assert links("other-secret").verify(token) is None
    assert links().verify(signed_only("s3cret", HEX, b"acme/d-2", 1773759630)[:-2] + "AA") is None


def test_the_payment_page_url_quotes_its_fields() -> None:
    url = payment_target(
        "https://pay.example.com/{payment_reference}?a={account_reference}",
        payment_reference="PR 1/2",
        account_reference=None,
    )
    assert url == "https://pay.example.com/PR%201%2F2?a="


@given(payment=st.text(), account=st.text())
def test_a_kept_destination_reads_back_whatever_its_references_hold(
    payment: str, account: str
) -> None:
    # "://" or "|" in a reference must neither read as an earlier release's URL
    # nor shift the other reference.
    kept = PayDestination(payment, account)
    assert PayDestination.from_stored(kept.stored()) == kept
    page = "https://p.example/pay?r={payment_reference}&a={account_reference}"
    assert kept.target(page, "A-1", "c-1") == payment_target(
        page, payment_reference=payment, account_reference=account
    )


def test_an_earlier_releases_record_is_its_pages_url() -> None:
    url = "https://p.example/checkout?ref=PR-1&account=%2A%2A1|x"
    kept = PayDestination.from_stored(url)
    assert kept == PayDestination(url=url)
    assert kept.target("https://ignored.example/{payment_reference}", "A-1", "c-1") == url
