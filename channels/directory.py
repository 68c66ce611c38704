"""Who a provider message belongs to: contact id -> tenant, debtor, channel, address.

Webhooks arrive without our tenant and debtor, so the dispatcher records a
``ContactRef`` *before* it calls the provider (a fast webhook can never beat
it) and passes the ref token ``"<tenant_id>/<contact_id>"`` in the provider's
callback metadata (Twilio StatusCallback query, SendGrid custom_args, Mailgun
``v:`` variables, Infobip callbackData, Vonage client-ref, Meta
biz_opaque_callback_data). Where a provider echoes no metadata (SES) the
provider message id index is used, and inbound replies are matched by the
sender's address to the last contact sent to it.

The address index is per tenant: two lenders may hold debtors who share a
phone number, and a reply (above all a STOP) must reach the tenant the person
answered, never the other. ``candidates`` returns each tenant's latest contact
to an address; the webhook service narrows them by the sender the debtor
wrote to (``senders``: our number or address -> its tenant).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import orjson
import redis.asyncio as aioredis

from recaudo.channels.content.paylink import PayBook
from recaudo.foundation.keys import Keys
from recaudo.foundation.redis_batch import batcher
from recaudo.streams.events import Channel, Contract


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
        return make_token(self.tenant_id, self.contact_id)


def make_token(tenant_id: str, contact_id: str) -> str:
    # Tenant ids cannot contain "/", so the first "/" separates the two.
    return f"{tenant_id}/{contact_id}"


def split_token(token: str) -> tuple[str, str] | None:
    tenant, sep, contact = token.partition("/")
    if not sep or not tenant or not contact:
        return None
    return tenant, contact


_NON_DIGITS = re.compile(r"\D+")


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
    ) -> None:
        self._redis = client
        self._keys = keys
        self._ttl_s = ttl_s
        # Our sender addresses -> the tenant each belongs to (normalised).
        self._senders = {normalise_sender(k): v for k, v in (senders or {}).items()}

    def tenant_of_sender(self, address: str | None) -> str | None:
        """The tenant that owns the number/address a debtor wrote to, if declared."""
        return None if not address else self._senders.get(normalise_sender(address))

    def _tenants_key(self) -> str:
        # Only the tenant ids seen (no debtor data): the index to search addresses by.
        return self._keys.global_("directory:tenants")

    def _contact_key(self, tenant_id: str, contact_id: str) -> str:
        return self._keys.tenant(tenant_id, f"contact:{contact_id}")

    def _message_key(self, tenant_id: str, provider: str, message_id: str) -> str:
        return self._keys.tenant(tenant_id, f"msgid:{provider}:{message_id}")

    def _address_key(self, tenant_id: str, channel: Channel, address: str) -> str:
        name = f"addr:{channel.value}:{normalise_address(channel, address)}"
        return self._keys.tenant(tenant_id, name)

    async def remember(self, ref: ContactRef) -> None:
        """Record the contact and make it the latest one sent to its address."""
        contact = self._contact_key(ref.tenant_id, ref.contact_id)
        address = self._address_key(ref.tenant_id, ref.channel, ref.address)
        await batcher(self._redis).calls(
            [
                ("SET", contact, _row(ref), "EX", self._ttl_s),
                ("SET", address, ref.token, "EX", self._ttl_s),
                ("SADD", self._tenants_key(), ref.tenant_id),
            ]
        )

    @property
    def pay_book(self) -> PayBook:
        """Payment-link records (issue 10), kept until each link expires."""
        return PayBook(self._redis, self._keys)

    async def remember_message(self, provider: str, message_id: str, ref: ContactRef) -> None:
        # ``remember`` (before the send) already listed the tenant in the index.
        key = self._message_key(ref.tenant_id, provider, message_id)
        await batcher(self._redis).call("SET", key, ref.token, "EX", self._ttl_s)

    async def by_token(self, token: str) -> ContactRef | None:
        parts = split_token(token)
        if parts is None:
            return None
        raw = await batcher(self._redis).call("GET", self._contact_key(*parts))
        return None if raw is None else _from_row(raw, *parts)

    async def by_message(self, provider: str, message_id: str) -> ContactRef | None:
        """The contact a provider message id belongs to (ids are the provider's, unique)."""
        for tenant in await self._tenants():
            token = await self._redis.get(self._message_key(tenant, provider, message_id))
            if token is not None:
                return await self.by_token(_text(token))
        return None

    async def _tenants(self) -> list[str]:
        return sorted(_text(t) for t in await self._redis.smembers(self._tenants_key()))

    async def by_address(self, tenant_id: str, channel: Channel, address: str) -> ContactRef | None:
        """The latest contact ``tenant_id`` sent to ``address`` on ``channel``."""
        if not normalise_address(channel, address):
            return None
        token = await self._redis.get(self._address_key(tenant_id, channel, address))
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


def _row(ref: ContactRef) -> bytes:
    """A contact ref as stored: positional, without the tenant and contact its key names.

    Less than half the named form, and one of these is kept per contact sent.
    """
    row: list[str | None] = [ref.debtor_id, ref.channel.value, ref.address]
    row += [ref.account_id, ref.language, ref.provider]
    while row[-1] is None:
        row.pop()
    return orjson.dumps(row)


def _from_row(raw: bytes | str, tenant_id: str, contact_id: str) -> ContactRef:
    stored = orjson.loads(raw)
    if isinstance(stored, dict):  # the named form, written before
        return ContactRef.model_validate(stored)
    debtor, channel, address, *rest = stored
    account, language, provider = [*rest, None, None, None][:3]
    return ContactRef(
        tenant_id=tenant_id,
        contact_id=contact_id,
        debtor_id=debtor,
        channel=Channel(channel),
        address=address,
        account_id=account,
        language=language,
        provider=provider,
    )


def _text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
