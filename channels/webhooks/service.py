"""The webhook pipeline shared by every provider.

read (bounded) -> verify on the raw bytes (401) -> replay cache for one-time
tokens (401) -> parse (a signed body that cannot be parsed is acknowledged and
becomes an ``InvalidWebhook`` dead letter saying why, once per body: the
provider would retry a 4xx for days) -> per item: de-duplicate on the provider's event
id -> find the contact (ref token, else provider message id, else the sender's
address for replies) -> status machine (each kind of status once, the shown
status never backwards: ``channels.status_machine``) -> publish -> 2xx only
after every publish returned (the broker acked). When a publish fails, the
item's de-duplication claim and status step are undone and we answer 503, so
the provider retries and nothing is lost. Items that match no contact go to
``dead-letters`` rather than vanish.

A reply found only by its sender's address is routed to the tenant whose
sender (our number or address) the debtor wrote to. When that still leaves
contacts of several tenants, a legally significant reply (opt-out, cease,
dispute) is applied to every one of them (the safe side) and audited on
``dead-letters``; any other reply goes to ``dead-letters`` unrouted, since
guessing would hand one tenant's conversation to another.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import logging
from collections.abc import Callable, Iterable

import orjson
from aiohttp import web
from pydantic import BaseModel
from redis.exceptions import RedisError

from recaudo.channels.dedupe import Deduper
from recaudo.channels.directory import ContactDirectory, ContactRef
from recaudo.channels.letters import clip, webhook_letter
from recaudo.channels.opt_out import detect_dispute, detect_opt_out
from recaudo.channels.status_machine import NOT_ADVANCED, StatusMachine
from recaudo.channels.webhooks.base import (
    InboundMessage,
    StatusReport,
    Verifier,
    WebhookItem,
    WebhookRequest,
)
from recaudo.channels.webhooks.normalised import delivery, occurred, response
from recaudo.contracts.events import Intent
from recaudo.contracts.outputs import utcnow
from recaudo.contracts.publisher import Publisher
from recaudo.contracts.topics import Topics
from recaudo.foundation.errors import InvalidEvent, SignatureError
from recaudo.foundation.http_input import media_type

log = logging.getLogger(__name__)
DEFAULT_TOPICS = Topics()


#: Messages of one webhook batch handled at once (their items each in order).
CONCURRENT_MESSAGES = 16


def by_message(items: Iterable[WebhookItem]) -> dict[tuple[str, str], list[WebhookItem]]:
    """A batch's items by the message they are about, each list in the provider's
    order: a message's statuses, or one sender's replies, must meet the status
    machine and the topics in that order, while different messages need not."""
    groups: dict[tuple[str, str], list[WebhookItem]] = {}
    for item in items:
        if isinstance(item, StatusReport):
            key = ("status", item.ref or item.message_id or item.dedupe_id)
        else:
            key = ("reply", item.from_address)
        groups.setdefault(key, []).append(item)
    return groups


def error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


class WebhookService:
    def __init__(
        self,
        verifiers: Iterable[Verifier],
        *,
        publisher: Publisher,
        deduper: Deduper,
        machine: StatusMachine,
        directory: ContactDirectory,
        public_base_url: str,
        max_body_bytes: int = 1 << 20,
        body_timeout_s: float = 10.0,
        topics: Topics = DEFAULT_TOPICS,
        clock: Callable[[], dt.datetime] = utcnow,
    ) -> None:
        self.verifiers = {v.name: v for v in verifiers}
        self._publisher = publisher
        self._deduper = deduper
        self._machine = machine
        self._directory = directory
        self._base = public_base_url.rstrip("/")
        self._max_body = max_body_bytes
        self._body_timeout = body_timeout_s
        self._topics = topics
        self._clock = clock

    async def handshake(self, request: web.Request) -> web.Response:
        verifier = self.verifiers.get(request.match_info.get("provider", ""))
        if verifier is None:
            return error(404, "unknown provider")
        try:
            answer = verifier.handshake(request.query)
        except SignatureError as exc:
            return error(403, str(exc))
        if answer is None:
            return error(405, "this provider has no GET handshake")
        return web.Response(text=answer, content_type="text/plain")

    async def handle(self, request: web.Request) -> web.Response:
        verifier = self.verifiers.get(request.match_info.get("provider", ""))
        if verifier is None:
            return error(404, "unknown provider")
        if request.content_length is not None and request.content_length > self._max_body:
            return error(413, f"body over {self._max_body} bytes")
        body = bytearray()
        try:
            # A slow client must not hold a connection (and its memory) for ever.
            async with asyncio.timeout(self._body_timeout):
                async for chunk in request.content.iter_any():
                    body += chunk
                    if len(body) > self._max_body:
                        return error(413, f"body over {self._max_body} bytes")
        except TimeoutError:
            return error(408, "request body not received in time")
        content_type = media_type(request)
        if content_type is None:
            return error(400, "Content-Type: malformed header")
        hook = WebhookRequest(
            method=request.method,
            url=self._base + request.raw_path,
            headers=request.headers,
            query=request.query,
            body=bytes(body),
            content_type=content_type,
        )
        try:
            return await self._process(verifier, hook)
        except SignatureError as exc:
            return error(401, str(exc))
        except InvalidEvent as exc:
            return error(400, str(exc))
        except (RedisError, OSError, TimeoutError) as exc:
            # Infrastructure, not the request: the provider should retry.
            log.warning("webhook %s unavailable: %s", verifier.name, exc)
            return error(503, "temporarily unavailable")

    async def _process(self, verifier: Verifier, hook: WebhookRequest) -> web.Response:
        try:
            once = await verifier.verify(hook)
        except UnicodeError as exc:
            # Signature headers are ASCII in every provider's scheme; aiohttp hands
            # other bytes over as lone surrogates, which a verifier's encode() refuses.
            raise SignatureError("signature headers must be ASCII") from exc
        except InvalidEvent as exc:
            # Mailgun and Vonage carry the signature in the body: one we cannot read
            # holds none, so the request is refused as unsigned, not acknowledged.
            raise SignatureError(f"no readable signature: {exc}") from exc
        replay_scope = f"replay:{verifier.name}"
        if once is not None and not await self._deduper.claim(replay_scope, once):
            raise SignatureError("replayed token or nonce")
        try:
            return await self._items(verifier, hook)
        except (RedisError, OSError, TimeoutError):
            # The provider will retry this very request (same token): let it through then.
            if once is not None:
                await self._deduper.release(replay_scope, once)
            raise

    async def _items(self, verifier: Verifier, hook: WebhookRequest) -> web.Response:
        counts = {"accepted": 0, "duplicates": 0, "stale": 0, "unmatched": 0, "invalid": 0}
        try:
            items = verifier.parse(hook)
        except InvalidEvent as exc:
            # Authentic (verify passed) but unusable: a 4xx would only make the provider
            # send it again for days, so it is acknowledged and kept for a person.
            counts[
                "invalid" if await self._unusable(verifier.name, hook, str(exc)) else "duplicates"
            ] += 1
            return self._ack(verifier, counts)
        # A batch (SendGrid posts up to thousands of events) is handled a message at a
        # time in order, and different messages side by side: one after another, each
        # item's round trips and broker ack added up to seconds the provider waits.
        limit = asyncio.Semaphore(CONCURRENT_MESSAGES)

        async def in_order(group: list[WebhookItem]) -> None:
            async with limit:
                for item in group:
                    counts[await self._claimed(verifier.name, item, hook)] += 1

        done = await asyncio.gather(
            *(in_order(group) for group in by_message(items).values()), return_exceptions=True
        )
        for failed in done:
            if isinstance(failed, BaseException):
                raise failed  # what was published stays claimed; the retry skips it
        return self._ack(verifier, counts)

    async def _claimed(self, provider: str, item: WebhookItem, hook: WebhookRequest) -> str:
        """``item``'s outcome, once per provider event id (a retry's repeat: "duplicates")."""
        scope = f"wh:{provider}"
        if not await self._deduper.claim(scope, item.dedupe_id):
            return "duplicates"
        try:
            return await self._one(provider, item, hook)
        except BaseException:
            await self._deduper.release(scope, item.dedupe_id)
            raise

    def _ack(self, verifier: Verifier, counts: dict[str, int]) -> web.Response:
        return web.Response(
            body=verifier.ack_body,
            content_type=verifier.ack_content_type,
            headers={"X-Recaudo-Counts": orjson.dumps(counts).decode()},
        )

    async def _unusable(self, provider: str, hook: WebhookRequest, why: str) -> bool:
        """A dead letter for a signed request that cannot be parsed, once per body
        (a replay of it is recognised); False when it was already taken."""
        scope, digest = f"wh-invalid:{provider}", hashlib.sha256(hook.body).hexdigest()
        if not await self._deduper.claim(scope, digest):
            return False
        letter = webhook_letter(
            f"webhooks/{provider}", hook.body, ("InvalidWebhook", why), self._clock(), key=digest
        )
        try:
            await self._publish(self._topics.dead_letters, provider, letter)
        except BaseException:
            await self._deduper.release(scope, digest)
            raise
        log.warning("signed %s webhook not usable: %.300s", provider, why)
        return True

    async def _by_sender(self, item: WebhookItem) -> list[ContactRef]:
        """A reply named by neither token nor message id: its sender's contacts,
        narrowed to the tenant whose sender the debtor wrote to."""
        if not isinstance(item, InboundMessage):
            return []
        found = await self._directory.candidates(item.channel, item.from_address)
        tenant = self._directory.tenant_of_sender(item.to_address)
        if tenant is not None:
            found = [r for r in found if r.tenant_id == tenant]
        return found

    async def _one(self, provider: str, item: WebhookItem, hook: WebhookRequest) -> str:
        ref = await self._directory.by_token(item.ref) if item.ref else None
        if ref is None and item.message_id:
            owners = await self._directory.message_owners(provider, item.message_id)
            if len(owners) > 1:
                # Picking one would put a tenant's receipt or reply on another's debtor.
                who = ", ".join(f"{r.tenant_id}/{r.debtor_id}" for r in owners)
                why = f"{provider} message id {clip(item.message_id)!r} is indexed for: {who}"
                await self._dead_letter(provider, item, hook, "AmbiguousMessageId", why)
                return "unmatched"
            ref = owners[0] if owners else None
        refs = [ref] if ref is not None else await self._by_sender(item)
        if not refs:
            await self._dead_letter(provider, item, hook)
            return "unmatched"
        if isinstance(item, StatusReport):
            return await self._status(provider, item, refs[0])
        if len(refs) == 1:
            await self._reply(provider, item, refs[0])
            return "accepted"
        return await self._ambiguous(provider, item, refs, hook)

    async def _ambiguous(
        self, provider: str, item: InboundMessage, refs: list[ContactRef], hook: WebhookRequest
    ) -> str:
        """Several tenants' debtors share the address and the sender names none."""
        legal = any(
            item.opt_out or detect_opt_out(item.text, r.language) or detect_dispute(item.text)
            for r in refs
        )
        who = ", ".join(f"{r.tenant_id}/{r.debtor_id}" for r in refs)
        if not legal:
            await self._dead_letter(
                provider, item, hook, "AmbiguousReply", f"reply matches several tenants: {who}"
            )
            return "unmatched"
        for ref in refs:
            await self._reply(provider, item, ref, fan_out=True)
        await self._dead_letter(
            provider,
            item,
            hook,
            "AmbiguousReplyAppliedToAll",
            f"legally significant reply applied to every matching debtor: {who}",
        )
        log.warning("ambiguous %s reply %s applied to %s", provider, item.dedupe_id, who)
        return "accepted"

    async def _status(self, provider: str, item: StatusReport, ref: ContactRef) -> str:
        previous = await self._machine.advance(
            ref.tenant_id, ref.debtor_id, ref.contact_id, item.status
        )
        if previous == NOT_ADVANCED:
            return "stale"
        event = delivery(provider, item, ref, occurred(item, self._clock()))
        try:
            await self._publish(self._topics.deliveries, ref.debtor_id, event)
            if item.opt_out:
                await self._publish(
                    self._topics.responses,
                    ref.debtor_id,
                    response(
                        provider,
                        f"{item.dedupe_id}:optout",
                        ref,
                        event.channel,
                        None,
                        True,
                        event.occurred_at,
                    ),
                )
        except BaseException:
            await self._machine.revert(ref.tenant_id, ref.debtor_id, ref.contact_id, item.status)
            raise
        return "accepted"

    async def _reply(
        self, provider: str, item: InboundMessage, ref: ContactRef, fan_out: bool = False
    ) -> None:
        opt_out = item.opt_out or detect_opt_out(item.text, ref.language)
        # Fanned out, each copy needs its own id (one per tenant and debtor).
        dedupe = f"{item.dedupe_id}:{ref.tenant_id}:{ref.debtor_id}" if fan_out else item.dedupe_id
        reply = response(
            provider,
            dedupe,
            ref,
            item.channel,
            item.text,
            opt_out,
            occurred(item, self._clock()),
        )
        if fan_out and not opt_out and detect_dispute(item.text):
            reply = reply.model_copy(update={"intent": Intent.DISPUTE})
        await self._publish(self._topics.responses, ref.debtor_id, reply)

    async def _dead_letter(
        self,
        provider: str,
        item: WebhookItem,
        hook: WebhookRequest,
        error_type: str = "UnmatchedWebhook",
        why: str | None = None,
    ) -> None:
        why = why or (
            f"no contact for {provider} event {clip(item.dedupe_id)!r} (ref {clip(item.ref)!r})"
        )
        key = clip(item.message_id)
        letter = webhook_letter(
            f"webhooks/{provider}", hook.body, (error_type, why), self._clock(), key=key
        )
        await self._publish(self._topics.dead_letters, key or provider, letter)

    async def _publish(self, topic: str, key: str, event: BaseModel) -> None:
        await self._publisher.publish(topic, key, orjson.dumps(event.model_dump(mode="json")))
