"""Dispatcher against real Redis and the in-process sandbox (with webhooks flowing back)."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import AsyncIterator, Awaitable, Callable

import aiohttp
import pytest
import redis.asyncio as aioredis
from prometheus_client import CollectorRegistry

from recaudo.channels.breaker import Breakers, BreakerState, CircuitBreaker
from recaudo.channels.credentials import ProviderCredentials
from recaudo.channels.directory import ContactDirectory
from recaudo.channels.dispatch.dispatcher import Dispatcher
from recaudo.channels.dispatch.ledger import ContactLedger, ContactStatus
from recaudo.channels.factory import build_providers
from recaudo.channels.metrics import ProviderMetrics
from recaudo.channels.ratelimit import Rate, RateLimiter
from recaudo.channels.sandbox import Sandbox
from recaudo.channels.status_machine import StatusMachine
from recaudo.contracts.events import Channel
from recaudo.contracts.outputs import ContactCommand
from recaudo.foundation.keys import Keys
from tests.unit.channels.channels_testkit import Hooks

NOW = dt.datetime(2026, 3, 2, 15, 0, tzinfo=dt.UTC)


def command(
    contact_id: str, channel: Channel = Channel.SMS, address: str = "+34600111222", **kw: object
) -> ContactCommand:
    fields: dict[str, object] = {
        "contact_id": contact_id,
        "tenant_id": "acme",
        "debtor_id": "d-7",
        "account_id": "a-7",
        "channel": channel,
        "address": address,
        "template": "reminder_1",
        "language": "es",
        "send_at": NOW,
        "expires_at": NOW + dt.timedelta(hours=2),
        "strategy": "default",
        "arm": "champion",
        "decision_id": f"dec-{contact_id}",
        "trigger_event_id": "ev-1",
    }
    return ContactCommand.model_validate(fields | kw)


class Sleeps:
    def __init__(self) -> None:
        self.calls: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as s:
        yield s


BuildDispatcher = Callable[..., Dispatcher]


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def build_dispatcher(
    session: aiohttp.ClientSession,
    sandbox_creds: tuple[ProviderCredentials, object],
    sandbox: Sandbox,
    hooks: Hooks,
    ledger: ContactLedger,
    directory: ContactDirectory,
    machine: StatusMachine,
    sleeps: Sleeps,
) -> BuildDispatcher:
    """A dispatcher on the sandbox, with optional breakers or limiter."""

    def build(
        *,
        breakers: Breakers | None = None,
        limiter: RateLimiter | None = None,
        metrics: ProviderMetrics | None = None,
        sleep: Callable[[float], Awaitable[None]] | None = None,
    ) -> Dispatcher:
        providers = build_providers(
            session, sandbox_creds[0], webhook_base_url=hooks.base_url, base_url=sandbox.url
        )
        return Dispatcher(
            providers,
            ledger,
            directory,
            machine,
            sleep=sleep or sleeps,
            rng=lambda: 1.0,
            breakers=breakers,
            limiter=limiter,
            metrics=metrics,
        )

    return build


@pytest.fixture
def dispatcher(build_dispatcher: BuildDispatcher) -> Dispatcher:
    return build_dispatcher()


@pytest.mark.parametrize(
    ("channel", "address", "provider", "final"),
    [
        (Channel.SMS, "+34600111222", "twilio", "delivered"),
        (Channel.WHATSAPP, "+34600111222", "meta", "read"),
        (Channel.EMAIL, "deudor@example.com", "sendgrid", "opened"),
        (Channel.VOICE, "+34600111222", "twilio", "answered"),
    ],
)
async def test_send_and_signed_webhooks_flow_back(
    dispatcher: Dispatcher,
    sandbox: Sandbox,
    hooks: Hooks,
    ledger: ContactLedger,
    channel: Channel,
    address: str,
    provider: str,
    final: str,
) -> None:
    result = await dispatcher.dispatch(command("c-ok", channel, address), NOW)
    assert result.sent
    assert result.provider == provider
    assert [e.status.value for e in result.deliveries] == ["queued"]
    assert await ledger.status("acme", "d-7", "c-ok") == ContactStatus.SENT
    await sandbox.drain()
    assert sandbox.webhook_results
    assert all(status == 200 for _, status in sandbox.webhook_results)
    statuses = [e["status"] for e in hooks.publisher.on("deliveries")]
    assert statuses[-1] == final
    assert all(
        e["contact_id"] == "c-ok" and e["debtor_id"] == "d-7"
        for e in hooks.publisher.on("deliveries")
    )


async def test_never_sends_a_contact_twice_even_after_a_crash(
    dispatcher: Dispatcher, sandbox: Sandbox, ledger: ContactLedger
) -> None:
    first = await dispatcher.dispatch(command("c-once"), NOW)
    second = await dispatcher.dispatch(command("c-once"), NOW)
    assert first.sent
    assert not second.sent
    assert second.skipped_reason == "already_sent"
    # A crash after the provider accepted but before "sent" was recorded leaves "sending".
    # These providers honour no idempotency key, so the send in doubt is not repeated.
    await ledger.mark("acme", "d-7", "c-once", ContactStatus.SENDING)
    again = await dispatcher.dispatch(command("c-once"), NOW)
    assert again.skipped_reason == "already_sending"
    assert len([m for m in sandbox.messages if m.idempotency_key == "c-once"]) == 1


async def test_a_send_in_doubt_is_repeated_only_where_the_provider_deduplicates(
    dispatcher: Dispatcher, sandbox: Sandbox, ledger: ContactLedger
) -> None:
    first = await dispatcher.dispatch(command("c-doubt"), NOW)
    await ledger.mark("acme", "d-7", "c-doubt", ContactStatus.SENDING)
    for provider in dispatcher.providers_for(Channel.SMS):
        provider.idempotent = True  # as if the provider de-duplicated on Idempotency-Key
    again = await dispatcher.dispatch(command("c-doubt"), NOW)
    assert again.sent
    assert again.provider_message_id == first.provider_message_id  # the sandbox honoured the key
    assert len([m for m in sandbox.messages if m.idempotency_key == "c-doubt"]) == 1


async def test_cancelled_expired_and_not_due(
    dispatcher: Dispatcher, sandbox: Sandbox, ledger: ContactLedger
) -> None:
    await ledger.cancel("acme", "d-7", "c-cancel")
    assert (
        await dispatcher.dispatch(command("c-cancel"), NOW)
    ).skipped_reason == "already_cancelled"
    expired = await dispatcher.dispatch(
        command("c-exp", expires_at=NOW - dt.timedelta(seconds=1)), NOW
    )
    assert expired.skipped_reason == "expired"
    assert not expired.sent
    assert [(e.status.value, e.provider_error_code) for e in expired.deliveries] == [
        ("failed", "expired")
    ]
    later = await dispatcher.dispatch(
        command("c-later", send_at=NOW + dt.timedelta(minutes=5)), NOW
    )
    assert later.skipped_reason == "not_due"
    assert later.retry_after_s == 300
    assert await ledger.status("acme", "d-7", "c-later") is None
    assert sandbox.messages == []


async def test_a_cancel_during_the_short_wait_before_the_send_wins(
    build_dispatcher: BuildDispatcher, sandbox: Sandbox, ledger: ContactLedger
) -> None:
    """A command due in under ``max_early_s`` waits inline; it is claimed after."""

    async def cancel_meanwhile(seconds: float) -> None:
        assert seconds == 1.5
        assert await ledger.cancel("acme", "d-7", "c-soon") == "cancelled"

    dispatcher = build_dispatcher(sleep=cancel_meanwhile)
    result = await dispatcher.dispatch(
        command("c-soon", send_at=NOW + dt.timedelta(seconds=1.5)), NOW
    )
    assert result.skipped_reason == "already_cancelled"
    assert sandbox.messages == []


async def test_retries_5xx_with_backoff_then_succeeds(
    dispatcher: Dispatcher, sandbox: Sandbox, sleeps: Sleeps
) -> None:
    sandbox.fail_next("twilio", 503, times=2)
    result = await dispatcher.dispatch(command("c-retry"), NOW)
    assert result.sent
    assert sleeps.calls == [0.2, 0.4]
    assert len(sandbox.messages) == 1


async def test_no_retry_on_4xx_and_fallback_reported(
    dispatcher: Dispatcher, sandbox: Sandbox, sleeps: Sleeps, ledger: ContactLedger
) -> None:
    result = await dispatcher.dispatch(command("c-bad", address="+34600000000"), NOW)
    assert not result.sent
    assert sleeps.calls == []
    [event] = result.deliveries
    assert event.status.value == "failed"
    assert event.permanent
    assert event.provider_error_code == "21211"
    assert result.fallback_channel is Channel.WHATSAPP
    assert await ledger.status("acme", "d-7", "c-bad") == ContactStatus.FAILED


async def test_breaker_opens_and_fails_over_to_next_provider(
    build_dispatcher: BuildDispatcher, sandbox: Sandbox
) -> None:
    breakers = Breakers(lambda: CircuitBreaker(failure_threshold=2, reset_after_s=60))
    dispatcher = build_dispatcher(breakers=breakers)
    sandbox.fail_next("twilio", 500, times=10)
    result = await dispatcher.dispatch(command("c-fo"), NOW)
    assert result.sent
    assert result.provider == "infobip"
    assert breakers["twilio"].state is BreakerState.OPEN
    # With the circuit open, twilio is not even called for the next contact.
    before = len(sandbox._faults["twilio"])
    assert (await dispatcher.dispatch(command("c-fo2"), NOW)).provider == "infobip"
    assert len(sandbox._faults["twilio"]) == before


async def test_provider_outcomes_latency_and_breaker_state_are_exported(
    build_dispatcher: BuildDispatcher, sandbox: Sandbox
) -> None:
    registry = CollectorRegistry()
    breakers = Breakers(lambda: CircuitBreaker(failure_threshold=2, reset_after_s=60))
    metrics = ProviderMetrics(registry, ["twilio", "infobip"], breakers)

    def value(name: str, **labels: str) -> float | None:
        return registry.get_sample_value(name, labels)

    # Known providers are exported before anything happens, at 0 and closed.
    assert value("recaudo_provider_requests_total", provider="twilio", outcome="accepted") == 0
    assert value("recaudo_circuit_breaker_open", provider="twilio") == 0
    dispatcher = build_dispatcher(breakers=breakers, metrics=metrics)
    sandbox.fail_next("twilio", 500, times=10)
    assert (await dispatcher.dispatch(command("c-m1"), NOW)).provider == "infobip"
    requests = "recaudo_provider_requests_total"
    assert value(requests, provider="twilio", outcome="retryable_error") == 2
    # The third try found the circuit open and went on to the next provider.
    assert value(requests, provider="twilio", outcome="breaker_open") == 1
    assert value(requests, provider="infobip", outcome="accepted") == 1
    assert value("recaudo_circuit_breaker_open", provider="twilio") == 1
    assert value("recaudo_provider_request_seconds_count", provider="twilio") == 2
    await dispatcher.dispatch(command("c-m2"), NOW)
    assert value(requests, provider="twilio", outcome="breaker_open") == 2


async def test_all_providers_down_releases_the_claim(
    dispatcher: Dispatcher, sandbox: Sandbox, ledger: ContactLedger
) -> None:
    for name in ("twilio", "infobip", "vonage"):
        sandbox.fail_next(name, 502, times=10)
    result = await dispatcher.dispatch(command("c-down"), NOW)
    assert result.skipped_reason == "provider_unavailable"
    assert result.retry_after_s
    assert await ledger.status("acme", "d-7", "c-down") == ContactStatus.PENDING


async def test_rate_limit_spaces_sends(
    build_dispatcher: BuildDispatcher,
    sleeps: Sleeps,
    redis_client: aioredis.Redis,
    keys: Keys,
) -> None:
    limiter = RateLimiter(redis_client, keys, {"twilio": Rate(per_second=2, burst=1)})
    dispatcher = build_dispatcher(limiter=limiter)
    started, ended = [], []
    for i in range(3):
        started.append(time.monotonic())
        assert (await dispatcher.dispatch(command(f"c-rl{i}"), NOW)).sent
        ended.append(time.monotonic())
    # Sleep is faked, so the limiter's spacing shows as the waits it asked for: the
    # k-th send may go no sooner than k/2 s after the first, whatever the real
    # time that passed between the calls on a busy machine. The limiter reads
    # the clock somewhere inside each call: after the first call began, before
    # the k-th ended.
    assert len(sleeps.calls) == 2
    for k, wait in enumerate(sleeps.calls, start=1):
        assert 0 < wait <= 0.5 * k
        assert wait + (ended[k] - started[0]) >= 0.5 * k
