"""Who a provider message belongs to: contact id -> tenant, debtor, channel, address.

Webhooks arrive without our tenant and debtor, so the dispatcher records a
``ContactRef`` *before* it calls the provider (a fast webhook can never beat
it) and passes the ref token ``"<tenant_id>/<contact_id>/<debtor_id>"``
(``channels.ref_token``) in the provider's callback metadata (Twilio
StatusCallback query, SendGrid custom_args, Mailgun ``v:`` variables, Infobip
callbackData, Vonage client-ref, Meta biz_opaque_callback_data). The token names the debtor, so
the ref row lives in the debtor's own ``contacts`` hash (``contact_rows``)
rather than in a tenant-level key per contact: a webhook reads it from the
debtor's hash-tagged key directly, and it goes with the debtor's other keys.
A provider that echoes fewer characters than the token
(``Provider.ref_max_len``: Vonage's 100, with long tenant and debtor ids) gets
the short token ``"<tenant_id>/<contact_id>"`` instead, resolved through a
tenant-level ``contact:`` key that is also written before the send (the form
every token had before the debtor joined it). Only a provider that echoes
not even that gets a provider message id -> token index, written once the send
returned: a receipt that beats it matches nothing and is dead-lettered.
Inbound replies are matched by the sender's address to the last contact sent
to it (the address index). The index is per tenant and channel, spread over
``ADDRESS_BUCKETS`` hashes (``addrs:<channel>:<bucket>``, the bucket a CRC-32
of the normalised address): field the address, value ``<expiry>|<contact>/<debtor>``
(the token without its tenant). A key of its own per address cost ~200 bytes
of Redis (its name, object, dictionary and expiry entries) against ~60 for a
field (``bench.debtor_memory``). Redis 7.0 has no per-field expiry, so each
write drops its bucket's entries past their expiry and extends the bucket's
TTL to its longest; a read refuses an entry past its expiry. The expiry is on
the directory's clock (the decision clock: the dispatcher writes with it, the
webhook service reads with the settings' clock), since whether a reply is
matched to a debtor can change a decision. The index's
earlier form, a string per address (``addr:<channel>:<address>``), is still
read until its TTL drops it (``ttl_s`` after the upgrade).

The address index is per tenant: two lenders may hold debtors who share a
phone number, and a reply (above all a STOP) must reach the tenant the person
answered, never the other. ``candidates`` returns each tenant's latest contact
to an address; the webhook service narrows them by the sender the debtor
wrote to (``senders``: our number or address -> its tenant).

Expiry: the address index lives ``ttl_s`` on the clock (above).
``contact:`` and ``msgid:`` live ``ttl_s`` (the contact TTL) of wall time
after the send: they route the providers' real-time webhooks to a contact
already named, which a backtest does not have. The refs and payment records
in the debtor's hash: ``contact_rows``. A payment link is refused by the
expiry signed into its token (``channels.content.paylink``), on the web app's
clock, not by a TTL.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import zlib
from collections.abc import Callable, Mapping

import orjson
import redis.asyncio as aioredis

from recaudo.channels import contact_rows as rows
from recaudo.channels.content.paylink import PayDestination, PayRecord
from recaudo.channels.ref_token import make_token, split_token
from recaudo.contracts.events import Channel, Contract
from recaudo.foundation.clock import WALL_CLOCK, Clock
from recaudo.foundation.hash_pieces import MAX_PIECES, joined, piece_fields, pieces
from recaudo.foundation.keys import Keys
from recaudo.foundation.redis_batch import Arg, batcher


class ContactRef(Contract):
    """Enough of a contact command to normalise any webhook about it."""

    tenant_id: str
    contact_id: str
    debtor_id: str
    account_id: str | None = None
    channel: Channel
    address: str
    language: str | None = None
    provider: str | None = None

    @property
    def token(self) -> str:
        return make_token(self.tenant_id, self.contact_id, self.debtor_id)


_NON_DIGITS = re.compile(r"\D+")

#: Hashes the address index of one tenant and channel is spread over: at a
#: million addresses a day ~60 a bucket, within the listpack encoding's 128.
ADDRESS_BUCKETS = 16_384

# KEYS[1]: an address bucket. ARGV: the address, its entry
# ("<expiry>|<contact>/<debtor>"), now and the entry's expiry (epoch s, the clock).
_ADDRESS = """
local k, now, last = KEYS[1], tonumber(ARGV[3]), tonumber(ARGV[4])
redis.call('HSET', k, ARGV[1], ARGV[2])
local all, gone = redis.call('HGETALL', k), {}
for i = 1, #all, 2 do
  local exp = tonumber(string.match(all[i + 1], '^(%d+)|'))
  if exp == nil or exp <= now then
    gone[#gone + 1] = all[i]
  elseif exp > last then
    last = exp
  end
end
if #gone > 0 then redis.call('HDEL', k, unpack(gone)) end
if redis.call('TTL', k) < last - now then redis.call('EXPIRE', k, last - now) end
return #gone
"""


def normalise_address(channel: Channel, address: str) -> str:
    """Phone numbers by digits only (``whatsapp:+34 600`` == ``34600``), e-mail lower-cased."""
    if channel is Channel.EMAIL:
        return address.strip().lower()
    return _NON_DIGITS.sub("", address.removeprefix("whatsapp:"))


def normalise_sender(address: str) -> str:
    """Our sender (number or e-mail) in the form used by the sender -> tenant map."""
    if "@" in address:
        return address.strip().lower()
    return _NON_DIGITS.sub("", address.removeprefix("whatsapp:"))


class ContactDirectory:
    def __init__(
        self,
        client: aioredis.Redis,
        keys: Keys,
        ttl_s: int,
        senders: Mapping[str, str] | None = None,
        clock: Clock = WALL_CLOCK,
        payment_pages: Callable[[str], str] | None = None,
    ) -> None:
        self._redis = client
        self._keys = keys
        self._ttl_s = ttl_s
        # Ages the address index's entries (module docstring).
        self._clock = clock
        self._remember = client.register_script(rows.REMEMBER)
        self._address = client.register_script(_ADDRESS)
        # Our sender addresses -> the tenant each belongs to (normalised).
        self._senders = {normalise_sender(k): v for k, v in (senders or {}).items()}
        # Tenant -> its payment page template, which a click's record fills
        # (``PayDestination``); only the web's click routes read records.
        self._payment_pages = payment_pages

    def tenant_of_sender(self, address: str | None) -> str | None:
        """The tenant that owns the number/address a debtor wrote to, if declared."""
        return None if not address else self._senders.get(normalise_sender(address))

    def _tenants_key(self) -> str:
        # Only the tenant ids seen (no debtor data): the index to search addresses by.
        return self._keys.global_("directory:tenants")

    def _contacts_key(self, tenant_id: str, debtor_id: str) -> str:
        return self._keys.debtor_hash(tenant_id, debtor_id)

    def _short_contact_key(self, tenant_id: str, contact_id: str) -> str:
        # What a short token resolves through (and every token did, before refs
        # moved into the debtor's hash): a row that names the debtor.
        return self._keys.tenant(tenant_id, f"contact:{contact_id}")

    def _legacy_pay_key(self, tenant_id: str, contact_id: str) -> str:
        # Written before pay records moved into the debtor's hash; read for old links only.
        return self._keys.tenant(tenant_id, f"pay:{contact_id}")

    def _message_key(self, tenant_id: str, provider: str, message_id: str) -> str:
        return self._keys.tenant(tenant_id, f"msgid:{provider}:{message_id}")

    def address_bucket(self, tenant_id: str, channel: Channel, address: str) -> str:
        """The hash holding ``address``'s entry of the index (``ADDRESS_BUCKETS``)."""
        bucket = zlib.crc32(normalise_address(channel, address).encode()) % ADDRESS_BUCKETS
        return self._keys.tenant(tenant_id, f"addrs:{channel.value}:{bucket}")

    def _legacy_address_key(self, tenant_id: str, channel: Channel, address: str) -> str:
        # The index's earlier form, a string per address; read until it expires.
        name = f"addr:{channel.value}:{normalise_address(channel, address)}"
        return self._keys.tenant(tenant_id, name)

    async def remember(
        self,
        ref: ContactRef,
        *,
        now: dt.datetime | None = None,
        pay: PayDestination | None = None,
        pay_expires_at: dt.datetime | None = None,
        short: bool = False,
    ) -> None:
        """Record the contact (and where its payment link leads, kept until the link
        expires) in the debtor's hash, and make it the latest one sent to its
        address. ``now`` is the decision clock (default: the directory's own);
        ``short``: a provider may be handed the short token, so its key is written too."""
        now = now or self._clock.now()
        pairs = pieces(rows.REF + ref.contact_id, _row(ref))
        need = self._ttl_s
        if pay is not None and pay_expires_at is not None:
            expires = int(pay_expires_at.timestamp())
            pairs += pieces(rows.PAY + ref.contact_id, f"{expires}|{pay.stored()}")
            # Relative to the decision clock, so a replay on event time never
            # sets an expiry in the past (which would delete the ledger).
            need = max(need, expires - int(now.timestamp()))
        at = int(now.timestamp())
        expires = at + self._ttl_s
        entry = f"{expires}|{ref.token.partition('/')[2]}"
        bucket = self.address_bucket(ref.tenant_id, ref.channel, ref.address)
        address = normalise_address(ref.channel, ref.address)
        args: list[str | bytes | int | float] = [
            ref.contact_id,
            need,
            rows.KEEP_CONTACTS,
            int(now.timestamp()),
            MAX_PIECES,
            *pairs,
        ]
        calls: list[tuple[Arg, ...]] = [("SADD", self._tenants_key(), ref.tenant_id)]
        if short:
            key = self._short_contact_key(ref.tenant_id, ref.contact_id)
            calls.append(("SET", key, _row(ref, with_debtor=True), "EX", self._ttl_s))
        batch = batcher(self._redis)
        await asyncio.gather(
            batch.script(self._remember, [self._contacts_key(ref.tenant_id, ref.debtor_id)], args),
            batch.script(self._address, [bucket], [address, entry, at, expires]),
            batch.calls(calls),
        )

    async def remember_message(self, provider: str, message_id: str, ref: ContactRef) -> None:
        """Index a provider message id, for a provider that does not echo our token."""
        # ``remember`` (before the send) already listed the tenant in the index.
        key = self._message_key(ref.tenant_id, provider, message_id)
        await batcher(self._redis).call("SET", key, ref.token, "EX", self._ttl_s)

    async def by_token(self, token: str) -> ContactRef | None:
        parts = split_token(token)
        if parts is None:
            return None
        tenant, contact, debtor = parts
        if debtor is None:
            raw = await batcher(self._redis).call("GET", self._short_contact_key(tenant, contact))
            return None if raw is None else _from_row(raw, tenant, contact)
        fields = piece_fields(rows.REF + contact)
        found = await batcher(self._redis).call(
            "HMGET", self._contacts_key(tenant, debtor), *fields
        )
        row = joined(found)
        return None if row is None else _from_row(row, tenant, contact, debtor)

    async def pay_record(
        self, tenant_id: str, contact_id: str, debtor_id: str | None
    ) -> PayRecord | None:
        """What a click on the contact's payment link needs; None once it expired
        or was never dispatched. ``debtor_id`` None: a link of the earlier form."""
        if debtor_id is None:
            raw = await self._redis.get(self._legacy_pay_key(tenant_id, contact_id))
            if raw is None:
                return None
            debtor, account, channel, target = orjson.loads(raw)
            return PayRecord(debtor, account, Channel(channel), target)
        pay_fields = piece_fields(rows.PAY + contact_id)
        ref_fields = piece_fields(rows.REF + contact_id)
        found = await self._redis.hmget(
            self._contacts_key(tenant_id, debtor_id), [*pay_fields, *ref_fields]
        )
        pay = joined(found[: len(pay_fields)])
        row = joined(found[len(pay_fields) :])
        if pay is None or row is None:
            return None
        destination = PayDestination.from_stored(pay.partition("|")[2])
        ref = _from_row(row, tenant_id, contact_id, debtor_id)
        account = ref.account_id or ""
        if destination.url is None and self._payment_pages is None:
            raise RuntimeError("ContactDirectory: a click's record needs payment_pages")
        page = "" if self._payment_pages is None else self._payment_pages(tenant_id)
        return PayRecord(
            debtor_id, account, ref.channel, destination.target(page, account, contact_id)
        )

    async def by_message(self, provider: str, message_id: str) -> ContactRef | None:
        """The contact a provider message id belongs to; None when no tenant, or more
        than one, holds it (``message_owners``)."""
        owners = await self.message_owners(provider, message_id)
        return owners[0] if len(owners) == 1 else None

    async def message_owners(self, provider: str, message_id: str) -> list[ContactRef]:
        """Every tenant's contact indexed under a provider message id. Ids are the
        provider's and unique, so more than one means two tenants' sends share an id
        (separate provider accounts, a provider's bug): the caller must not pick one,
        or one tenant's receipt would land on another's debtor."""
        found = []
        for tenant in await self._tenants():
            token = await self._redis.get(self._message_key(tenant, provider, message_id))
            ref = None if token is None else await self.by_token(_text(token))
            if ref is not None:
                found.append(ref)
        return found

    async def _tenants(self) -> list[str]:
        return sorted(_text(t) for t in await self._redis.smembers(self._tenants_key()))

    async def by_address(self, tenant_id: str, channel: Channel, address: str) -> ContactRef | None:
        """The latest contact ``tenant_id`` sent to ``address`` on ``channel``."""
        normal = normalise_address(channel, address)
        if not normal:
            return None
        bucket = self.address_bucket(tenant_id, channel, address)
        entry = await self._redis.hget(bucket, normal)
        expires, _, rest = _text(entry).partition("|") if entry is not None else ("", "", "")
        if rest and expires.isdigit() and int(expires) > self._clock.now().timestamp():
            return await self.by_token(f"{tenant_id}/{rest}")
        if entry is not None:
            return None
        token = await self._redis.get(self._legacy_address_key(tenant_id, channel, address))
        return None if token is None else await self.by_token(_text(token))

    async def candidates(self, channel: Channel, address: str) -> list[ContactRef]:
        """Every tenant's latest contact to ``address`` (one per tenant, tenant order)."""
        if not normalise_address(channel, address):
            return []
        found = []
        for tenant in await self._tenants():
            ref = await self.by_address(tenant, channel, address)
            if ref is not None:
                found.append(ref)
        return found


def _row(ref: ContactRef, with_debtor: bool = False) -> str:
    """A contact ref as stored, without the tenant, contact and debtor its key and
    field name (the debtor first when the key does not name it): ``|``-separated,
    the address last (an e-mail address may hold ``|``; identifiers, channels,
    languages and provider names never do), missing values empty. Short, so it
    usually fits in one listpack piece: JSON's quotes and brackets were ~12 of a
    sent contact's ~450 bytes."""
    row = [ref.debtor_id] if with_debtor else []
    row += [ref.channel.value, ref.account_id or "", ref.language or "", ref.provider or ""]
    return "|".join([*row, ref.address])


def _from_row(
    raw: bytes | str, tenant_id: str, contact_id: str, debtor_id: str | None = None
) -> ContactRef:
    """A stored row back; ``debtor_id`` None: a short token's row, which names its debtor.
    Rows of earlier releases are JSON: a positional list, or before it a named object."""
    text = _text(raw)
    if text.startswith("{"):
        return ContactRef.model_validate_json(text)
    if text.startswith("["):
        stored = orjson.loads(text)
        if debtor_id is None:
            debtor_id, *stored = stored
        channel, address, *rest = stored
        account, language, provider = [*rest, None, None, None][:3]
    else:
        if debtor_id is None:
            debtor_id, _, text = text.partition("|")
        channel, account, language, provider, address = text.split("|", 4)
        account, language, provider = account or None, language or None, provider or None
    return ContactRef(
        tenant_id=tenant_id,
        contact_id=contact_id,
        debtor_id=debtor_id,
        channel=Channel(channel),
        address=address,
        account_id=account,
        language=language,
        provider=provider,
    )


def _text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
