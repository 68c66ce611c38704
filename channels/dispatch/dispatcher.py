"""Send one contact command, at most once, and say what happened.

The Faust dispatch agent calls ``Dispatcher.dispatch`` per ``ContactCommand``
and publishes ``DispatchResult.deliveries`` to ``deliveries``. Order of checks:
not due yet (returned untouched, ``retry_after_s`` set) -> ledger claim (a
cancelled or already sent/failed contact is skipped; a ``sending`` left by a
crash is in doubt: resent with the same idempotency key only when every
provider of the channel de-duplicates on it, else left alone) -> expired
(marked failed, reported) -> reassigned number (with a ``ReassignedCache``, a
call or text to a NANP number with a consent date: one the FCC Reassigned
Numbers Database reports disconnected since is marked failed and reported
``permanent`` with ``reassigned_number``; when the database cannot be asked it
is sent) -> providers for the channel in order, skipping open
circuits and providers over their send rate, retrying retryable errors with
jittered exponential backoff that never sleeps past ``expires_at``. A
permanent refusal of the address ends it: marked failed, reported with
``permanent`` and a ``fallback_channel`` suggestion for the decision stage.
When every provider was unavailable the claim goes back to ``pending`` and
``retry_after_s`` says when to try again.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import random
import time
from collections.abc import Awaitable, Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field

from recaudo.channels.base import Provider, SendOutcome
from recaudo.channels.breaker import Breakers
from recaudo.channels.content.paylink import PayDestination
from recaudo.channels.directory import ContactDirectory, ContactRef
from recaudo.channels.dispatch.ledger import ContactLedger, ContactStatus
from recaudo.channels.ids import event_id
from recaudo.channels.metrics import ProviderMetrics
from recaudo.channels.ratelimit import RateLimiter
from recaudo.channels.reassigned.cache import ReassignedCache
from recaudo.channels.reassigned.rnd import ten_digits
from recaudo.channels.ref_token import ref_for, short_token
from recaudo.channels.status_machine import NOT_ADVANCED, StatusMachine
from recaudo.contracts.events import Channel, DeliveryEvent, DeliveryStatus
from recaudo.contracts.outputs import ContactCommand
from recaudo.foundation.errors import (
    PermanentProviderError,
    ProviderError,
    RetryableProviderError,
)
from recaudo.rules.reassigned import PHONE_CHANNELS, REASSIGNED_CODE

log = logging.getLogger(__name__)

C = Channel
#: The delivery error code and skipped reason of a number disconnected since consent.
DEFAULT_FALLBACK: Mapping[Channel, tuple[Channel, ...]] = {
    C.SMS: (C.WHATSAPP, C.EMAIL, C.VOICE),
    C.WHATSAPP: (C.SMS, C.EMAIL, C.VOICE),
    C.EMAIL: (C.SMS, C.WHATSAPP, C.VOICE),
    C.VOICE: (C.SMS, C.WHATSAPP, C.EMAIL),
}


@dataclass(frozen=True, slots=True)
class DispatchResult:
    deliveries: list[DeliveryEvent] = field(default_factory=list)
    sent: bool = False
    skipped_reason: str | None = None
    # Hard failure: the decision stage may try this channel instead.
    fallback_channel: Channel | None = None
    # Not due yet, or every provider unavailable: dispatch the same command again then.
    retry_after_s: float | None = None
    provider: str | None = None
    provider_message_id: str | None = None


class Dispatcher:
    def __init__(
        self,
        providers: Mapping[Channel, Provider | Sequence[Provider]],
        ledger: ContactLedger,
        directory: ContactDirectory,
        machine: StatusMachine,
        *,
        limiter: RateLimiter | None = None,
        breakers: Breakers | None = None,
        max_attempts: int = 4,
        backoff_base_s: float = 0.2,
        backoff_max_s: float = 5.0,
        max_early_s: float = 2.0,
        rate_max_wait_s: float = 2.0,
        unavailable_retry_s: float = 30.0,
        fallback_order: Mapping[Channel, Sequence[Channel]] = DEFAULT_FALLBACK,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        rng: Callable[[], float] = random.random,
        metrics: ProviderMetrics | None = None,
        reassigned: ReassignedCache | None = None,
    ) -> None:
        self._metrics = metrics
        self._reassigned = reassigned
        self._providers: dict[Channel, tuple[Provider, ...]] = {
            channel: (p,) if not isinstance(p, Sequence) else tuple(p)
            for channel, p in providers.items()
        }
        self._ledger = ledger
        self._directory = directory
        self._machine = machine
        self._limiter = limiter
        self.breakers = breakers or Breakers()
        self._max_attempts = max(1, max_attempts)
        self._backoff_base_s = backoff_base_s
        self._backoff_max_s = backoff_max_s
        self._max_early_s = max_early_s
        self._rate_max_wait_s = rate_max_wait_s
        self._unavailable_retry_s = unavailable_retry_s
        self._fallback_order = fallback_order
        self._sleep = sleep
        self._rng = rng

    def providers_for(self, channel: Channel) -> tuple[Provider, ...]:
        """In failover order."""
        return self._providers.get(channel, ())

    async def dispatch(self, command: ContactCommand, now: dt.datetime) -> DispatchResult:
        early = (command.send_at - now).total_seconds()
        if early > self._max_early_s:
            return DispatchResult(skipped_reason="not_due", retry_after_s=early)
        if early > 0:
            # Before the claim: a cancel that comes while it waits still wins.
            await self._sleep(early)
            now += dt.timedelta(seconds=early)
        c = command
        providers = self._providers.get(command.channel, ())
        claim = await self._ledger.claim(c.tenant_id, c.debtor_id, c.contact_id)
        retry_in_doubt = claim == ContactStatus.SENDING and all(p.idempotent for p in providers)
        if claim != "claimed" and not retry_in_doubt:
            return DispatchResult(skipped_reason=f"already_{claim}")
        if now >= command.expires_at:
            await self._ledger.mark(c.tenant_id, c.debtor_id, c.contact_id, ContactStatus.FAILED)
            event = await self._event(command, now, None, DeliveryStatus.FAILED, "expired")
            return DispatchResult(deliveries=event, skipped_reason="expired")
        if await self._reassigned_since_consent(command):
            await self._ledger.mark(c.tenant_id, c.debtor_id, c.contact_id, ContactStatus.FAILED)
            events = await self._event(
                command, now, None, DeliveryStatus.FAILED, REASSIGNED_CODE, permanent=True
            )
            return DispatchResult(
                deliveries=events,
                skipped_reason=REASSIGNED_CODE,
                # Not a call for a text or the reverse: the number itself is gone.
                fallback_channel=self._fallback(command.channel, avoid=PHONE_CHANNELS),
            )
        ref = ContactRef(
            tenant_id=c.tenant_id,
            contact_id=c.contact_id,
            debtor_id=c.debtor_id,
            account_id=c.account_id,
            channel=c.channel,
            address=c.address,
            language=c.language,
            provider=providers[0].name if providers else None,
        )
        content = c.content
        pay, expires = None, None
        if content is not None and content.pay_target and content.pay_expires_at:
            pay, expires = PayDestination.for_message(content), content.pay_expires_at
        # The ref, and what GET /pay/{token} needs when the debtor clicks (issue
        # 10), in the debtor's contacts hash: one script, before the send, so
        # no receipt can beat it (the short token's key too, where needed).
        fits = len(short_token(c.tenant_id, c.contact_id)), len(ref.token)
        short = any(fits[0] <= p.ref_max_len < fits[1] for p in providers)
        await self._directory.remember(ref, now=now, pay=pay, pay_expires_at=expires, short=short)
        outcome, unavailable = await self._send_any(command, providers, now)
        if outcome is not None and outcome.status is not DeliveryStatus.FAILED:
            sender = next((p for p in providers if p.name == outcome.provider), None)
            # Only a provider that will not echo even the short token back needs
            # its message id indexed (a tenant-level key per message).
            limit = 0 if sender is None else sender.ref_max_len
            index = ref_for(c.tenant_id, c.contact_id, c.debtor_id, limit) is None
            return await self._sent(command, now, outcome, ref, index)
        if outcome is None and unavailable:
            await self._ledger.mark(c.tenant_id, c.debtor_id, c.contact_id, ContactStatus.PENDING)
            return DispatchResult(
                skipped_reason="provider_unavailable", retry_after_s=self._unavailable_retry_s
            )
        await self._ledger.mark(c.tenant_id, c.debtor_id, c.contact_id, ContactStatus.FAILED)
        failed = outcome or SendOutcome(
            provider=providers[0].name if providers else "none",
            status=DeliveryStatus.FAILED,
            error_code="rejected" if providers else "no_provider",
        )
        events = await self._event(
            command, now, failed, DeliveryStatus.FAILED, failed.error_code, failed.permanent
        )
        return DispatchResult(
            deliveries=events,
            skipped_reason="failed",
            fallback_channel=self._fallback(command.channel),
            provider=failed.provider,
        )

    async def _reassigned_since_consent(self, command: ContactCommand) -> bool:
        """Whether the Reassigned Numbers Database says this call's or text's number
        was permanently disconnected since the debtor consented to it.

        Asked only for NANP numbers (the database's) with a known consent date.
        Our policy: when the database cannot be asked, the consent stands and the
        contact goes (logged), rather than every call and text waiting on it.
        """
        cache, consent = self._reassigned, command.consent_date
        if cache is None or consent is None or command.channel not in PHONE_CHANNELS:
            return False
        try:
            # +1 and ten digits: the only numbers the database holds.
            if ten_digits(command.address) != command.address.removeprefix("+1"):
                return False
        except ValueError:
            return False
        try:
            check = await cache.check(command.address, consent)
        except (ProviderError, TimeoutError, OSError) as exc:
            log.warning(
                "reassigned-numbers database unreachable for %s, sent anyway: %s",
                command.contact_id,
                exc,
            )
            return False
        return check.result == "yes"

    async def _send_any(
        self, command: ContactCommand, providers: Sequence[Provider], now: dt.datetime
    ) -> tuple[SendOutcome | None, bool]:
        """The first provider's outcome, and whether any failure was only transient."""
        unavailable = False
        deadline_s = (command.expires_at - now).total_seconds()
        for provider in providers:
            breaker = self.breakers[provider.name]
            for attempt in range(self._max_attempts):
                if not breaker.allow():
                    self._observe(provider.name, "breaker_open")
                    unavailable = True
                    break
                if self._limiter is not None:
                    wait = await self._limiter.reserve(provider.name, self._rate_max_wait_s)
                    if wait is None:
                        self._observe(provider.name, "rate_limited")
                        unavailable = True
                        break
                    if wait:
                        await self._sleep(wait)
                started = time.perf_counter()
                try:
                    outcome = await provider.send(command)
                except RetryableProviderError as exc:
                    self._observe(provider.name, "retryable_error", started)
                    breaker.record_failure()
                    unavailable = True
                    log.info("retryable %s for %s: %s", provider.name, command.contact_id, exc)
                    delay = min(self._backoff_max_s, self._backoff_base_s * 2**attempt)
                    delay *= 0.5 + self._rng() / 2
                    if attempt + 1 >= self._max_attempts or delay >= deadline_s:
                        break
                    deadline_s -= delay
                    await self._sleep(delay)
                    continue
                except PermanentProviderError as exc:
                    self._observe(provider.name, "refused", started)
                    breaker.record_success()
                    log.warning("%s refused %s: %s", provider.name, command.contact_id, exc)
                    break
                answer = "refused" if outcome.status is DeliveryStatus.FAILED else "accepted"
                self._observe(provider.name, answer, started)
                breaker.record_success()
                return outcome, unavailable
        return None, unavailable

    def _observe(self, provider: str, outcome: str, started: float | None = None) -> None:
        if self._metrics is not None:
            took = None if started is None else time.perf_counter() - started
            self._metrics.attempt(provider, outcome, took)

    async def _sent(
        self,
        command: ContactCommand,
        now: dt.datetime,
        outcome: SendOutcome,
        ref: ContactRef,
        index: bool,
    ) -> DispatchResult:
        c = command
        message_id = outcome.provider_message_id
        # Independent writes, so one round trip (redis_batch): the message-id
        # index (only for a provider that does not echo our token), "sent" in
        # the ledger, and the status machine's first step.
        _, _, events = await asyncio.gather(
            self._directory.remember_message(outcome.provider, message_id, ref)
            if message_id and index
            else asyncio.sleep(0),
            self._ledger.mark(c.tenant_id, c.debtor_id, c.contact_id, ContactStatus.SENT),
            self._event(command, now, outcome, outcome.status, outcome.error_code),
        )
        return DispatchResult(
            deliveries=events,
            sent=True,
            provider=outcome.provider,
            provider_message_id=outcome.provider_message_id,
        )

    async def _event(
        self,
        command: ContactCommand,
        now: dt.datetime,
        outcome: SendOutcome | None,
        status: DeliveryStatus,
        error_code: str | None,
        permanent: bool = False,
    ) -> list[DeliveryEvent]:
        """The delivery event, unless a webhook already moved this contact further."""
        c = command
        if await self._machine.advance(c.tenant_id, c.debtor_id, c.contact_id, status) == (
            NOT_ADVANCED
        ):
            return []
        return [
            DeliveryEvent(
                event_id=event_id("dispatch", c.contact_id, status.value),
                tenant_id=c.tenant_id,
                occurred_at=now,
                debtor_id=c.debtor_id,
                contact_id=c.contact_id,
                account_id=c.account_id,
                provider=(outcome.provider if outcome else "recaudo")[:32],
                channel=c.channel,
                status=status,
                address=c.address[:320],
                provider_error_code=error_code[:64] if error_code else None,
                permanent=permanent,
            )
        ]

    def _fallback(self, channel: Channel, avoid: Collection[Channel] = ()) -> Channel | None:
        for candidate in self._fallback_order.get(channel, ()):
            if candidate != channel and candidate not in avoid and self._providers.get(candidate):
                return candidate
        return None
