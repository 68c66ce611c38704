"""The dispatcher a worker runs: providers from credentials, or a dry run.

Built on first use, inside the running event loop, because its HTTP session
must belong to that loop; closed with the worker.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence

import aiohttp
import redis.asyncio as aioredis

from recaudo.channels.base import Provider
from recaudo.channels.breaker import Breakers
from recaudo.channels.credentials import ProviderCredentials
from recaudo.channels.directory import ContactDirectory
from recaudo.channels.dispatch.dispatcher import Dispatcher, DispatchResult
from recaudo.channels.dispatch.ledger import ContactLedger
from recaudo.channels.factory import build_providers, voice_answers
from recaudo.channels.metrics import ProviderMetrics
from recaudo.channels.ratelimit import Rate, RateLimiter
from recaudo.channels.reassigned import ReassignedCache, RndClient
from recaudo.channels.reassigned.rnd import DEFAULT_BASE_URL
from recaudo.channels.recording import RecordingProvider
from recaudo.channels.status_machine import StatusMachine
from recaudo.contracts.events import Channel
from recaudo.contracts.outputs import ContactCommand
from recaudo.foundation.clock import WALL_CLOCK, Clock
from recaudo.foundation.keys import Keys
from recaudo.rules.policy import TenantPolicy


class WorkerDispatcher:
    def __init__(
        self,
        client: aioredis.Redis,
        keys: Keys,
        ledger: ContactLedger,
        *,
        credentials: ProviderCredentials | None,
        provider_base_url: str | None,
        webhook_base_url: str,
        ttl_s: int,
        rates: Mapping[str, Rate] | None = None,
        metrics: ProviderMetrics | None = None,
        breakers: Breakers | None = None,
        policies: Callable[[str], TenantPolicy] | None = None,
        clock: Clock = WALL_CLOCK,
    ) -> None:
        # The decision path's clock: a reassigned-numbers answer ages on it.
        self._clock = clock
        # With the tenant policies, calls let machine detection choose what plays.
        self._policies = policies
        self._metrics = metrics
        self.breakers = breakers or Breakers()
        self._redis = client
        self._keys = keys
        self._ledger = ledger
        self._credentials = credentials
        self._provider_base_url = provider_base_url
        self._webhook_base_url = webhook_base_url
        self._ttl_s = ttl_s
        self._rates = dict(rates or {})
        self._session: aiohttp.ClientSession | None = None
        self._inner: Dispatcher | None = None

    def _providers(self) -> dict[Channel, Sequence[Provider]]:
        if self._credentials is None:
            recorder = RecordingProvider(self._redis, self._keys)
            return {channel: [recorder] for channel in Channel}
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=15))
        built = build_providers(
            self._session,
            self._credentials,
            webhook_base_url=self._webhook_base_url,
            base_url=self._provider_base_url,
            voice=None
            if self._policies is None
            else voice_answers(self._redis, self._keys, self._policies),
        )
        return dict(built)

    def _reassigned(self) -> ReassignedCache | None:
        """The reassigned-numbers check, where the credentials subscribe to it; on the
        providers' session, so built after ``_providers``."""
        rnd = self._credentials.rnd if self._credentials else None
        if rnd is None or self._session is None:
            return None
        base_url = self._provider_base_url or rnd.base_url or DEFAULT_BASE_URL
        client = RndClient(self._session, rnd.refresh_token, rnd.company_id, base_url=base_url)
        return ReassignedCache(client, self._clock)

    async def dispatch(self, command: ContactCommand, now: dt.datetime) -> DispatchResult:
        if self._inner is None:
            providers = self._providers()
            self._inner = Dispatcher(
                providers,
                self._ledger,
                ContactDirectory(self._redis, self._keys, self._ttl_s, clock=self._clock),
                StatusMachine(self._redis, self._keys, self._ttl_s),
                limiter=RateLimiter(self._redis, self._keys, self._rates) if self._rates else None,
                breakers=self.breakers,
                metrics=self._metrics,
                reassigned=self._reassigned(),
            )
        return await self._inner.dispatch(command, now)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
