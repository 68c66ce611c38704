"""Contact refs and payment links live in the debtor's contacts hash: webhooks
resolve without any tenant-level per-contact key, old-form tokens still resolve,
and the hash stays compact (listpack) and bounded."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator

import aiohttp
import orjson
import pytest
import redis.asyncio as aioredis

from recaudo.channels import contact_rows
from recaudo.channels.base import Provider
from recaudo.channels.content.paylink import PayDestination
from recaudo.channels.credentials import ProviderCredentials
from recaudo.channels.directory import ContactDirectory, ContactRef
from recaudo.channels.dispatch.dispatcher import Dispatcher
from recaudo.channels.dispatch.ledger import ContactLedger, ContactStatus
from recaudo.channels.factory import build_providers
from recaudo.channels.ref_token import make_token, split_token
from recaudo.channels.sandbox import Sandbox
from recaudo.channels.status_machine import StatusMachine
from recaudo.contracts.events import Channel
from recaudo.contracts.outputs import ContactCommand, MessageContent
from recaudo.foundation import hash_pieces
from recaudo.foundation.clock import SimulatedClock
from recaudo.foundation.keys import Keys
from tests.unit.channels.channels_testkit import Hooks
from tests.unit.channels.conftest import PAYMENT_PAGE
from tests.unit.channels.test_channels_dispatch import command as dispatch_command
from tests.unit.channels.test_channels_webhooks import post_twilio, status

NOW = dt.datetime(2026, 3, 2, 15, 0, tzinfo=dt.UTC)
DEBTOR = "org/d-7:x"  # a debtor id may hold "/" and ":"
CONTACT = "2adac39579cc8cc5b54e77cd"


def command(contact_id: str, channel: Channel, address: str) -> ContactCommand:
    """The dispatch tests' command, for a debtor whose id holds "/" and ":"."""
    return dispatch_command(contact_id, channel, address, debtor_id=DEBTOR)


@pytest.fixture
async def providers(
    sandbox_creds: tuple[ProviderCredentials, object], sandbox: Sandbox, hooks: Hooks
) -> AsyncIterator[dict[str, Provider]]:
    async with aiohttp.ClientSession() as session:
        built = build_providers(
            session, sandbox_creds[0], webhook_base_url=hooks.base_url, base_url=sandbox.url
        )
        yield {p.name: p for ps in built.values() for p in ps}


async def nothing(_: float) -> None:
    return None


def dispatcher(
    provider: Provider,
    channel: Channel,
    ledger: ContactLedger,
    directory: ContactDirectory,
    machine: StatusMachine,
) -> Dispatcher:
    return Dispatcher({channel: [provider]}, ledger, directory, machine, sleep=nothing)


async def tenant_level_keys(client: aioredis.Redis, keys: Keys) -> list[str]:
    found = [k.decode() async for k in client.scan_iter(match=f"{keys.prefix}:*")]
    return [k for k in found if any(f":{n}:" in k for n in ("contact", "msgid", "pay"))]


@pytest.mark.parametrize(
    ("provider", "channel", "address"),
    [
        ("twilio", Channel.SMS, "+34600111222"),
        ("infobip", Channel.SMS, "+34600111222"),
        ("vonage", Channel.SMS, "+34600111222"),
        ("meta", Channel.WHATSAPP, "+34600111222"),
        ("sendgrid", Channel.EMAIL, "deudor@example.com"),
        ("mailgun", Channel.EMAIL, "deudor@example.com"),
    ],
)
async def test_receipts_resolve_with_no_contact_msgid_or_pay_key(
    providers: dict[str, Provider],
    sandbox: Sandbox,
    hooks: Hooks,
    ledger: ContactLedger,
    directory: ContactDirectory,
    machine: StatusMachine,
    redis_client: aioredis.Redis,
    keys: Keys,
    provider: str,
    channel: Channel,
    address: str,
) -> None:
    send = dispatcher(providers[provider], channel, ledger, directory, machine)
    result = await send.dispatch(command(CONTACT, channel, address), NOW)
    assert result.sent
    assert result.provider == provider
    assert await tenant_level_keys(redis_client, keys) == []
    await sandbox.drain()
    assert sandbox.webhook_results
    assert all(code == 200 for _, code in sandbox.webhook_results)
    events = hooks.publisher.on("deliveries")
    assert events, "the provider's receipts were published"
    assert all(
        (e["tenant_id"], e["debtor_id"], e["contact_id"]) == ("acme", DEBTOR, CONTACT)
        for e in events
    )
    assert hooks.publisher.on("dead-letters") == []


async def test_dispatch_keeps_the_references_of_a_link_or_an_earlier_releases_page(
    providers: dict[str, Provider],
    ledger: ContactLedger,
    directory: ContactDirectory,
    machine: StatusMachine,
) -> None:
    send = dispatcher(providers["twilio"], Channel.SMS, ledger, directory, machine)
    until = NOW + dt.timedelta(days=7)
    page = "https://lender.example/pay?ref=PR-7&account=****7"
    link: dict[str, object] = {"template_id": "t", "template_version": "1", "language": "es"}
    link |= {"text": "hola", "pay_url": "https://r.example/pay/x", "pay_target": page}
    link |= {"pay_expires_at": until}
    now_form = MessageContent.model_validate(
        link | {"payment_reference": "PR-7", "account_reference": "****7"}
    )
    earlier_form = MessageContent.model_validate(link)  # decided by the previous release
    for contact, content in (("c-now", now_form), ("c-earlier", earlier_form)):
        result = await send.dispatch(
            command(contact, Channel.SMS, "+34600111222").model_copy(update={"content": content}),
            NOW,
        )
        assert result.sent
    now_record = await directory.pay_record("acme", "c-now", DEBTOR)
    assert now_record is not None
    assert now_record.target == PAYMENT_PAGE.format("acme").format(
        payment_reference="PR-7", contact_id="c-now", account_reference="%2A%2A%2A%2A7"
    )
    earlier_record = await directory.pay_record("acme", "c-earlier", DEBTOR)
    assert earlier_record is not None
    assert earlier_record.target == page


async def test_a_provider_that_cannot_carry_the_token_is_matched_by_message_id(
    providers: dict[str, Provider],
    sandbox: Sandbox,
    hooks: Hooks,
    ledger: ContactLedger,
    directory: ContactDirectory,
    machine: StatusMachine,
    redis_client: aioredis.Redis,
    keys: Keys,
) -> None:
    vonage = providers["vonage"]
    vonage.ref_max_len = 10  # as a provider with a short reference field
    send = dispatcher(vonage, Channel.SMS, ledger, directory, machine)
    result = await send.dispatch(command(CONTACT, Channel.SMS, "+34600111222"), NOW)
    assert result.sent
    assert [m.ref for m in sandbox.messages] == [None], "no truncated token was sent"
    [index] = await tenant_level_keys(redis_client, keys)
    assert ":msgid:vonage:" in index
    await sandbox.drain()
    events = hooks.publisher.on("deliveries")
    assert events
    assert all(e["debtor_id"] == DEBTOR for e in events)
    assert hooks.publisher.on("dead-letters") == []


async def test_tokens_of_the_earlier_form_still_resolve(
    hooks: Hooks, directory: ContactDirectory, redis_client: aioredis.Redis, keys: Keys
) -> None:
    # What the previous release wrote: a tenant-level contact key (positional row
    # naming the debtor) and message-id and address indexes holding the two-part token.
    row = orjson.dumps(["d-old", "sms", "+15551230001", "a-1", "es", "twilio"])
    await redis_client.set(keys.tenant("acme", "contact:c-old"), row)
    await redis_client.set(keys.tenant("acme", "msgid:twilio:SM-old"), "acme/c-old")
    await redis_client.sadd(keys.global_("directory:tenants"), "acme")
    expected = ContactRef(
        tenant_id="acme",
        contact_id="c-old",
        debtor_id="d-old",
        account_id="a-1",
        channel=Channel.SMS,
        address="+15551230001",
        language="es",
        provider="twilio",
    )
    assert await directory.by_token("acme/c-old") == expected
    assert await directory.by_message("twilio", "SM-old") == expected
    resp = await post_twilio(hooks, status("SM-old", "delivered"), ref="acme/c-old")
    assert resp.status == 200
    [event] = hooks.publisher.on("deliveries")
    assert (event["tenant_id"], event["debtor_id"], event["contact_id"]) == (
        "acme",
        "d-old",
        "c-old",
    )
    # Another tenant's name in the token finds nothing of acme's.
    assert await directory.by_token("globex/c-old") is None
    assert await directory.by_token(make_token("globex", "c-old", "d-old")) is None


def test_the_token_names_tenant_contact_and_debtor() -> None:
    token = make_token("acme", CONTACT, DEBTOR)
    assert token == f"acme/{CONTACT}/{DEBTOR}"
    assert split_token(token) == ("acme", CONTACT, DEBTOR)
    assert split_token(make_token("acme", "odd/id%", "d")) == ("acme", "odd/id%", "d")
    assert split_token("acme/c-old") == ("acme", "c-old", None)
    for bad in ("", "acme", "acme/", "/c", "acme//d", "acme/c/"):
        assert split_token(bad) is None, bad


async def test_the_contacts_hash_stays_a_listpack_with_long_values(
    directory: ContactDirectory, redis_client: aioredis.Redis, keys: Keys
) -> None:
    ref = ContactRef(
        tenant_id="acme",
        contact_id=CONTACT,
        debtor_id=DEBTOR,
        account_id="account-with-a-rather-long-identifier-0001",
        channel=Channel.EMAIL,
        address="a.very.long.mailbox.name.for.a.debtor@collections.example.com",
        language="es",
        provider="sendgrid",
    )
    # Lender references past 64 bytes between them: the record takes two pieces.
    pay = PayDestination("PR-000123456-2026-03-instalment-plan-of-the-lender", "****1234 é|x")
    target = (
        "https://pay.example.com/acme?ref=PR-000123456-2026-03-instalment-plan-of-the-lender"
        f"&c={CONTACT}&a=%2A%2A%2A%2A1234%20%C3%A9%7Cx"
    )
    expires = NOW + dt.timedelta(days=7)
    await directory.remember(ref, now=NOW, pay=pay, pay_expires_at=expires)
    key = keys.debtor("acme", DEBTOR, "contacts")
    assert await redis_client.object("encoding", key) == b"listpack"
    assert await directory.by_token(ref.token) == ref
    record = await directory.pay_record("acme", CONTACT, DEBTOR)
    assert record is not None
    assert (record.debtor_id, record.account_id, record.channel, record.target) == (
        DEBTOR,
        ref.account_id,
        Channel.EMAIL,
        target,
    )
    assert await directory.pay_record("globex", CONTACT, DEBTOR) is None
    # The key lives as long as the link, well past the directory's own TTL.
    assert await redis_client.ttl(key) > 6 * 24 * 3600
    ledger = ContactLedger(redis_client, keys, ttl_s=600)
    await ledger.mark("acme", DEBTOR, CONTACT, ContactStatus.SENT)
    assert await redis_client.ttl(key) > 6 * 24 * 3600, "a ledger write never shortens it"


@pytest.mark.parametrize(
    ("address", "account", "language", "provider", "stored"),
    [
        ("+34600111222", "A-1", "es", "twilio", "sms|A-1|es|twilio|+34600111222"),
        ("+34600111222", None, None, None, "sms||||+34600111222"),
        ('"a|b"@example.com', "A:1/x", None, "ses", 'email|A:1/x||ses|"a|b"@example.com'),
        ("ñandú|||@ejemplo.es", None, "pt-BR", None, "email||pt-BR||ñandú|||@ejemplo.es"),
    ],
)
async def test_a_ref_row_is_short_and_reads_back_whatever_the_address_holds(
    directory: ContactDirectory,
    redis_client: aioredis.Redis,
    keys: Keys,
    address: str,
    account: str | None,
    language: str | None,
    provider: str | None,
    stored: str,
) -> None:
    contact = ref(address=address, account_id=account, language=language, provider=provider)
    await directory.remember(contact, now=NOW, short=True)
    row = await redis_client.hget(keys.debtor_hash("acme", DEBTOR), contact_rows.REF + CONTACT)
    assert row is not None
    assert _text(row) == stored
    # The short token's key names the debtor first.
    short = await redis_client.get(keys.tenant("acme", f"contact:{CONTACT}"))
    assert short is not None
    assert _text(short) == f"{DEBTOR}|{stored}"
    assert await directory.by_token(contact.token) == contact
    assert await directory.by_token(f"acme/{CONTACT}") == contact


async def test_a_click_fills_the_tenants_page_as_it_is_now_with_the_references_sent(
    redis_client: aioredis.Redis, keys: Keys
) -> None:
    contact = ref(account_id="A-1")
    pages = {"acme": "https://old.example/{payment_reference}"}
    directory = ContactDirectory(redis_client, keys, ttl_s=600, payment_pages=pages.__getitem__)
    until = NOW + dt.timedelta(days=7)
    await directory.remember(
        contact, now=NOW, pay=PayDestination("PR 1", "****1"), pay_expires_at=until
    )
    stored = await redis_client.hget(keys.debtor_hash("acme", DEBTOR), contact_rows.PAY + CONTACT)
    assert stored == f"{int(until.timestamp())}|PR%201|%2A%2A%2A%2A1".encode()
    record = await directory.pay_record("acme", CONTACT, DEBTOR)
    assert record is not None
    assert record.target == "https://old.example/PR%201"
    # The lender moved its payment page: links already sent lead to the new one.
    pages["acme"] = "https://new.example/pay?r={payment_reference}&a={account_id}&c={contact_id}"
    record = await directory.pay_record("acme", CONTACT, DEBTOR)
    assert record is not None
    assert record.target == f"https://new.example/pay?r=PR%201&a=A-1&c={CONTACT}"
    # Wired without the pages, a click's record is a programming error, not a guess.
    bare = ContactDirectory(redis_client, keys, ttl_s=600)
    with pytest.raises(RuntimeError, match="payment_pages"):
        await bare.pay_record("acme", CONTACT, DEBTOR)


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def test_pieces_round_trip_at_any_length() -> None:
    for size in (0, 1, 63, 64, 65, 200, 64 * hash_pieces.MAX_PIECES + 77):
        value = ("é" + "x" * size)[:size]
        flat = hash_pieces.pieces("r~c", value)
        fields, values = flat[0::2], flat[1::2]
        assert all(len(v) <= hash_pieces.PIECE for v in values[:-1])
        stored = dict(zip(fields, values, strict=True))
        back = [stored.get(f) for f in hash_pieces.piece_fields("r~c")]
        assert hash_pieces.joined([v if isinstance(v, bytes) else None for v in back]) == value


async def test_the_hash_keeps_the_latest_contacts_and_drops_expired_links(
    directory: ContactDirectory, redis_client: aioredis.Redis, keys: Keys
) -> None:
    ledger = ContactLedger(redis_client, keys, ttl_s=600)
    key = keys.debtor("acme", "d-busy", "contacts")

    def ref(i: int) -> ContactRef:
        return ContactRef(
            tenant_id="acme",
            contact_id=f"c-{i:03d}",
            debtor_id="d-busy",
            channel=Channel.SMS,
            address="+34600111222",
        )

    keep = contact_rows.KEEP_CONTACTS
    # The oldest contact is in doubt (sending): never dropped. The second has a live link.
    await ledger.mark("acme", "d-busy", "c-000", ContactStatus.SENDING)
    await directory.remember(ref(0), now=NOW)
    await ledger.mark("acme", "d-busy", "c-001", ContactStatus.SENT)
    link_until = NOW + dt.timedelta(days=7)
    await directory.remember(ref(1), now=NOW, pay=PayDestination("P-1"), pay_expires_at=link_until)
    for i in range(2, keep + 10):
        await ledger.mark("acme", "d-busy", f"c-{i:03d}", ContactStatus.SENT)
        await directory.remember(ref(i), now=NOW)
    fields = [_text(f) for f in await redis_client.hkeys(key)]
    ids = [f for f in fields if "~" not in f]
    assert len(ids) == keep
    assert {"c-000", "c-001"} <= set(ids)
    assert [i for i in ids if i not in ("c-000", "c-001")] == [
        f"c-{i:03d}" for i in range(12, keep + 10)
    ]
    assert await directory.by_token(ref(2).token) is None, "trimmed with its status"
    assert await directory.pay_record("acme", "c-001", "d-busy") is not None
    # Once the link expired, the next dispatch drops it (and its contact may go).
    later = link_until + dt.timedelta(seconds=1)
    await ledger.mark("acme", "d-busy", f"c-{keep + 10:03d}", ContactStatus.SENT)
    await directory.remember(ref(keep + 10), now=later)
    assert await directory.pay_record("acme", "c-001", "d-busy") is None
    assert "c-001" not in [_text(f) for f in await redis_client.hkeys(key)]


def ref(
    contact_id: str = CONTACT,
    address: str = "+34600111222",
    tenant: str = "acme",
    debtor: str = DEBTOR,
    **fields: str | None,
) -> ContactRef:
    """A contact to ``address``: an e-mail if it holds "@", else an SMS."""
    return ContactRef(
        tenant_id=tenant,
        contact_id=contact_id,
        debtor_id=debtor,
        channel=Channel.EMAIL if "@" in address else Channel.SMS,
        address=address,
        **fields,
    )


async def test_a_reply_finds_the_latest_contact_to_its_address_in_a_bucket(
    directory: ContactDirectory, redis_client: aioredis.Redis, keys: Keys
) -> None:
    """The address index is a field of a bucket hash per tenant and channel (no key
    per address), the latest contact wins, and two tenants' debtors never mix."""
    await directory.remember(ref("c-1", "+1 (555) 123-0001"))
    await directory.remember(ref("c-2", "+15551230001"))
    await directory.remember(ref("g-1", "+15551230001", tenant="globex", debtor="d-g"))
    found = await directory.by_address("acme", Channel.SMS, "whatsapp:+1 555 123 0001")
    assert found is not None
    assert (found.contact_id, found.debtor_id) == ("c-2", DEBTOR)
    assert [
        (r.tenant_id, r.contact_id) for r in await directory.candidates(Channel.SMS, "+15551230001")
    ] == [("acme", "c-2"), ("globex", "g-1")]
    assert await directory.by_address("acme", Channel.SMS, "+15551230002") is None
    bucket = directory.address_bucket("acme", Channel.SMS, "+15551230001")
    assert await redis_client.type(bucket) == b"hash"
    assert await redis_client.hkeys(bucket) == [b"15551230001"]
    assert 0 < await redis_client.ttl(bucket) <= 600
    index_keys = [k async for k in redis_client.scan_iter(match=f"{keys.prefix}:acme:addr*")]
    assert index_keys == [bucket.encode()]


async def test_an_expired_entry_is_refused_and_dropped_by_the_next_write(
    directory: ContactDirectory, redis_client: aioredis.Redis
) -> None:
    bucket = directory.address_bucket("acme", Channel.SMS, "+15551230001")
    # Written a TTL ago: its expiry has passed, though the bucket lives on.
    await redis_client.hset(bucket, "15551230001", f"1000|c-old/{DEBTOR}")
    await redis_client.expire(bucket, 3600)
    assert await directory.by_address("acme", Channel.SMS, "+15551230001") is None
    # Another address of the same bucket (found by trying): its write drops the old entry.
    other = next(
        f"+1555{n:07d}"
        for n in range(1, 100_000)
        if directory.address_bucket("acme", Channel.SMS, f"+1555{n:07d}") == bucket and n != 1230001
    )
    await directory.remember(ref("c-new", other))
    assert await redis_client.hkeys(bucket) == [other.lstrip("+").encode()]


async def test_the_earlier_key_per_address_is_read_until_it_expires(
    directory: ContactDirectory, redis_client: aioredis.Redis, keys: Keys
) -> None:
    await redis_client.set(
        keys.tenant("acme", "addr:sms:15551230009"), make_token("acme", "c-9", DEBTOR), ex=600
    )
    await directory.remember(ref("c-9", "+15551230009"))
    await redis_client.delete(directory.address_bucket("acme", Channel.SMS, "+15551230009"))
    found = await directory.by_address("acme", Channel.SMS, "+15551230009")
    assert found is not None
    assert found.contact_id == "c-9"


async def test_the_address_index_ages_on_the_directorys_clock(
    redis_client: aioredis.Redis, keys: Keys
) -> None:
    """Whether a reply is matched can change a decision, so the entry's expiry is on
    the injected clock (a backtest's or the demo's), not the wall's."""
    clock = SimulatedClock(NOW)
    directory = ContactDirectory(redis_client, keys, ttl_s=600, clock=clock)
    await directory.remember(ref("c-1", "+15551230001"))
    clock.advance_to(NOW + dt.timedelta(seconds=599))
    assert await directory.by_address("acme", Channel.SMS, "+15551230001") is not None
    clock.advance_to(NOW + dt.timedelta(seconds=600))
    assert await directory.by_address("acme", Channel.SMS, "+15551230001") is None
