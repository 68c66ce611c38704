"""Frequency caps per channel and overall, enforced atomically in Redis.

One Lua script per decision (``caps.lua``) checks every cap that applies and
reserves the contact, or rejects it naming the caps and the earliest instant
they free; two workers can therefore never both take a cap's last slot. A
reservation is idempotent by ``contact_id`` because the pipeline replays events
after a crash. A reserved contact is a field of the debtor's hash
(``foundation.keys.DEBTOR_HASH``): ``c~<contact id>`` = ``<channel index>:<epoch
ms>``, ~45 bytes of listpack where a sorted set per channel cost ~190 bytes of
key before its first member (``bench.debtor_memory``). The older layout's sets
(``caps:<channel>``) are still counted and trimmed, never written, so a
contact reserved before the upgrade still binds its caps until their own TTL
drops them (the retention, 31 days).

Expiry: each field's instant (the contact's, on the decision clock) decides;
the script drops fields past the retention at the decision's instant. The
hash's TTL, extended to the newest reservation plus the retention and never
shortened (other fields share the key), is housekeeping.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib.resources import files

import redis.asyncio as aioredis

from recaudo.contracts.events import Channel
from recaudo.contracts.outputs import Reason
from recaudo.foundation.keys import Keys
from recaudo.foundation.redis_batch import batcher
from recaudo.rules.engine import caps_for
from recaudo.rules.policy import TenantPolicy
from recaudo.rules.rule import Cap

CHANNELS: tuple[Channel, ...] = tuple(Channel)
LUA = files("recaudo.rules").joinpath("caps.lua").read_text(encoding="utf-8")
# KEYS as the reserve script's; ARGV[1] the contact id. Returns how many entries went.
RELEASE = """
local n = redis.call('HDEL', KEYS[1], 'c~' .. ARGV[1])
for i = 2, #KEYS do n = n + redis.call('ZREM', KEYS[i], ARGV[1]) end
return n
"""
#: Keep contacts at least this long, so a cap with a longer window is never fooled.
DEFAULT_RETENTION = dt.timedelta(days=31)


@dataclass(frozen=True, slots=True)
class CapResult:
    """``ok``: reserved (or already reserved); else ``reasons`` name the caps and
    ``retry_at`` is the earliest instant all of them free."""

    ok: bool
    reasons: tuple[Reason, ...] = ()
    retry_at: dt.datetime | None = None
    duplicate: bool = False


def _ms(t: dt.datetime) -> int:
    if t.tzinfo is None:
        raise ValueError("cap instants must be timezone-aware")
    return int(t.timestamp() * 1000)


class CapLedger:
    """The Redis ledger of reserved contacts, per tenant and debtor."""

    def __init__(
        self,
        client: aioredis.Redis,
        keys: Keys,
        retention: dt.timedelta = DEFAULT_RETENTION,
    ) -> None:
        self._redis = client
        self._keys = keys
        self._retention = retention
        self._script = client.register_script(LUA)
        self._release = client.register_script(RELEASE)

    def ledger_keys(self, tenant_id: str, debtor_id: str) -> list[str]:
        """The debtor's hash, then the older layout's sets (one per channel, ``CHANNELS``
        order: the masks' and channel indexes' order)."""
        legacy = [self._keys.debtor(tenant_id, debtor_id, f"caps:{c}") for c in CHANNELS]
        return [self._keys.debtor_hash(tenant_id, debtor_id), *legacy]

    async def reserve(
        self,
        tenant_id: str,
        debtor_id: str,
        contact_id: str,
        channel: Channel,
        at: dt.datetime,
        caps: Sequence[Cap],
        now: dt.datetime | None = None,
    ) -> CapResult:
        """Reserve ``contact_id`` at ``at`` if every cap in ``caps`` still allows it.

        ``now`` (default ``at``: the decision clock's instant) places the pruning of
        contacts older than every window; the key's expiry is housekeeping only. A
        wall-clock ``now`` would prune a backtest's whole history, months before it,
        and no cap would ever bind there.
        """
        now = now or at
        # Per-debt and calendar-day caps need the debt and the debtor's zone, which
        # this ledger does not see: the pure engine enforces them from the history.
        applying = [c for c in caps if c.applies_to(channel) and c.rolling]
        keep = max([self._retention, *(c.window for c in applying)])
        args: list[str | int] = [
            contact_id,
            CHANNELS.index(channel) + 1,
            _ms(at),
            _ms(now),
            int(keep.total_seconds() * 1000),
            len(applying),
        ]
        for cap in applying:
            mask = "".join("1" if c in cap.channels else "0" for c in CHANNELS)
            args += [cap.id, cap.limit, int(cap.window.total_seconds() * 1000), mask]
        # Concurrent debtors' reservations share one pipeline (redis_batch).
        keys = self.ledger_keys(tenant_id, debtor_id)
        raw = await batcher(self._redis).script(self._script, keys, list(args))
        status = _text(raw[0])
        if status == "ok":
            return CapResult(ok=True)
        if status == "dup":
            return CapResult(ok=True, duplicate=True)
        retry = dt.datetime.fromtimestamp(int(_text(raw[1])) / 1000, dt.UTC)
        by_id = {c.id: c for c in applying}
        reasons = tuple(
            by_id[cid].rule.reason(**by_id[cid].params(), retry_at=retry.isoformat())
            for cid in (_text(r) for r in raw[2:])
        )
        return CapResult(ok=False, reasons=reasons, retry_at=retry)

    async def release(self, tenant_id: str, debtor_id: str, contact_id: str) -> bool:
        """Give a cancelled contact's slot back; True if it was reserved."""
        keys = self.ledger_keys(tenant_id, debtor_id)
        removed = await batcher(self._redis).script(self._release, keys, [contact_id])
        return bool(removed)


class PolicyCaps:
    """The ledger with each jurisdiction's caps looked up in the tenant's policy,
    for callers that know the jurisdiction but not the caps (the decide stage)."""

    def __init__(
        self, ledger: CapLedger, policies: Callable[[str], TenantPolicy] | None = None
    ) -> None:
        self._ledger = ledger
        self._policies = policies

    async def reserve(
        self,
        tenant_id: str,
        debtor_id: str,
        jurisdiction: str,
        contact_id: str,
        channel: Channel,
        at: dt.datetime,
    ) -> CapResult:
        policy = self._policies(tenant_id) if self._policies else None
        caps = caps_for(jurisdiction, channel, policy)
        return await self._ledger.reserve(tenant_id, debtor_id, contact_id, channel, at, caps)

    async def release(self, tenant_id: str, debtor_id: str, contact_id: str) -> None:
        await self._ledger.release(tenant_id, debtor_id, contact_id)


def _text(value: bytes | str | int) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
