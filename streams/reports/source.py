"""Read one tenant's outcome summaries from Redis, for the reports.

A report is O(N) in the tenant's enrolled debtors: ``SCAN MATCH`` over the
tenant's state keys (``COUNT 1000``), values fetched in pipelined batches of the
same size, only the ``out`` field decoded. Nothing is indexed on the decision
path for it, so the hot path pays nothing; the cost is paid here, at most once
per ``ttl_s`` per tenant thanks to a short cache.

Works on a plain client; on a ``RedisCluster`` redis-py's ``scan_iter`` runs
the scan on every primary and its pipeline splits the GETs by slot.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from typing import Any, TypeVar

from recaudo.contracts.state import OutcomeSummary, RollSummary
from recaudo.contracts.state_codec import load_state
from recaudo.foundation.config import Settings
from recaudo.foundation.keys import Keys
from recaudo.foundation.redis_client import connect
from recaudo.rules.tenants import TenantPolicies
from recaudo.streams.reports.model import OutcomeReport
from recaudo.streams.reports.outcomes import Dimension, compute_report
from recaudo.streams.reports.rolls import compute_rolls

Report = TypeVar("Report")

BATCH = 1000
Summaries = list[tuple[str, OutcomeSummary]]
Rolls = list[tuple[str, RollSummary]]
Weights = Callable[[str], Mapping[str, float] | None]


def policy_channel_costs(policies: TenantPolicies) -> Weights:
    """Each tenant's cost per contact by channel: the decision stage charged these,
    so sharing a debtor's cost by them puts it back on the channels that spent it."""

    def weights(tenant_id: str) -> Mapping[str, float] | None:
        costs = policies(tenant_id).targeting.channel_costs
        return {channel.value: cost for channel, cost in costs.items()} or None

    return weights


def _glob_escape(text: str) -> str:
    return "".join("\\" + c if c in "*?[]\\" else c for c in text)


def state_pattern(keys: Keys, tenant_id: str) -> str:
    """SCAN pattern of every debtor state key of one tenant (literal prefix and tenant)."""
    return Keys(_glob_escape(keys.prefix)).debtor(_glob_escape(tenant_id), "*", "state")


def _debtor_of(keys: Keys, tenant_id: str, key: str) -> str | None:
    """The debtor id of a state key, or None when the key is not this tenant's."""
    head, tail = keys.debtor(tenant_id, "", "state").split("{}")
    if not (key.startswith(head + "{") and key.endswith("}" + tail)):
        return None
    debtor = key[len(head) + 1 : len(key) - len(tail) - 1]
    return debtor if keys.debtor(tenant_id, debtor, "state") == key else None


async def scan_summaries(
    client: Any, keys: Keys, tenant_id: str, batch: int = BATCH
) -> AsyncIterator[tuple[str, OutcomeSummary]]:
    """Yield ``(debtor_id, summary)`` for every enrolled debtor of the tenant.

    ``client`` is a ``redis.asyncio`` Redis or RedisCluster. SCAN may return a
    key twice; ``compute_report`` keeps the first. Debtors never enrolled (no
    ``out``) are skipped.
    """
    async for debtor, body in _scan_bodies(client, keys, tenant_id, batch):
        summary = body.get("out")
        if summary is not None:
            yield debtor, OutcomeSummary.model_validate(summary)


async def _scan_bodies(
    client: Any, keys: Keys, tenant_id: str, batch: int = BATCH
) -> AsyncIterator[tuple[str, dict[str, Any]]]:
    """Every debtor state of the tenant, decoded (``out`` and ``rem`` are read from it)."""
    pending: list[tuple[str, str]] = []
    async for raw_key in client.scan_iter(match=state_pattern(keys, tenant_id), count=batch):
        key = raw_key.decode() if isinstance(raw_key, bytes) else str(raw_key)
        debtor = _debtor_of(keys, tenant_id, key)
        if debtor is not None:
            pending.append((debtor, key))
        if len(pending) >= batch:
            for item in await _fetch(client, pending):
                yield item
            pending = []
    for item in await _fetch(client, pending):
        yield item


async def _fetch(
    client: Any, wanted: Sequence[tuple[str, str]]
) -> list[tuple[str, dict[str, Any]]]:
    if not wanted:
        return []
    async with client.pipeline(transaction=False) as pipe:
        for _, key in wanted:
            pipe.get(key)
        values = await pipe.execute()
    out: list[tuple[str, dict[str, Any]]] = []
    for (debtor, _), raw in zip(wanted, values, strict=True):
        body = load_state(raw) if raw else None  # deleted between SCAN and GET
        if isinstance(body, dict):
            out.append((debtor, body))
    return out


class ReportSource:
    """Per-tenant summaries cached for ``ttl_s``; one scan at a time per tenant."""

    def __init__(
        self,
        client: Any,
        keys: Keys,
        ttl_s: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
        channel_weights: Weights | None = None,
    ) -> None:
        self._client = client
        self._weights = channel_weights
        self._keys = keys
        self._ttl = ttl_s
        self._clock = clock
        self._wall = wall
        self._cache: dict[str, tuple[float, float, Summaries, Rolls]] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def summaries(self, tenant_id: str) -> tuple[float, Summaries]:
        """(epoch seconds read, summaries); concurrent callers share one scan."""
        read_at, found, _ = await self._read(tenant_id)
        return read_at, found

    async def _read(self, tenant_id: str) -> tuple[float, Summaries, Rolls]:
        lock = self._locks.setdefault(tenant_id, asyncio.Lock())
        async with lock:
            hit = self._cache.get(tenant_id)
            if hit is not None and self._clock() - hit[0] < self._ttl:
                return hit[1], hit[2], hit[3]
            read_at = self._wall()
            found: Summaries = []
            rolls: Rolls = []
            async for debtor, body in _scan_bodies(self._client, self._keys, tenant_id):
                if body.get("out") is not None:
                    found.append((debtor, OutcomeSummary.model_validate(body["out"])))
                if body.get("rem") is not None:
                    rolls.append((debtor, RollSummary.model_validate(body["rem"])))
            self._cache[tenant_id] = (self._clock(), read_at, found, rolls)
            return read_at, found, rolls

    async def report(self, tenant_id: str, by: Sequence[Dimension]) -> OutcomeReport:
        read_at, found, rolls = await self._read(tenant_id)
        weights = self._weights(tenant_id) if self._weights else None
        report = compute_report(tenant_id, found, by, generated_at=read_at, channel_weights=weights)
        roll_rates = compute_rolls(rolls, by_arm="arm" in by)
        return report.model_copy(update={"roll_rates": roll_rates})


async def read_report(settings: Settings, tenant_id: str, by: Sequence[Dimension]) -> OutcomeReport:
    """One uncached report on a connection of its own (the CLI's)."""
    client = connect(settings)
    try:
        return await ReportSource(client, Keys(settings.redis_prefix), ttl_s=0).report(
            tenant_id, by
        )
    finally:
        await client.aclose()


async def read_scanned(
    settings: Settings,
    tenant_id: str,
    compute: Callable[[Any, Keys, str, dt.datetime], Awaitable[Report]],
) -> Report:
    """A report scanned from the tenant's states on a connection of its own (the CLI's),
    at the service's time."""
    client = connect(settings)
    try:
        return await compute(client, Keys(settings.redis_prefix), tenant_id, settings.clock().now())
    finally:
        await client.aclose()


def scan_states(
    client: Any, keys: Keys, tenant_id: str, batch: int = BATCH
) -> AsyncIterator[tuple[str, dict[str, Any]]]:
    """Every debtor state of the tenant as ``(debtor_id, decoded JSON)`` (``streams.ops``)."""
    return _scan_bodies(client, keys, tenant_id, batch)
