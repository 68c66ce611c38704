"""Send-rate limit per provider, shared by every worker (GCRA in Redis).

Providers throttle per account, not per worker, so the budget lives in Redis:
one Lua script reserves the next slot and says how long to wait for it (the
generic cell rate algorithm: one timestamp per provider, no counters to sweep).
A slot further away than ``max_wait_s`` is not reserved, so a caller that
gives up does not eat the budget. Time comes from Redis ``TIME`` so worker
clocks do not matter.

Expiry: the providers throttle in real time, so the stored theoretical
arrival time decides, on Redis's clock; the key's PX drops it only once that
time is past, when a missing key reads the same (no wait).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import redis.asyncio as aioredis

from recaudo.foundation.keys import Keys

_GCRA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local max_wait = tonumber(ARGV[3])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local wait = tat - tolerance - now
if wait < 0 then wait = 0 end
if wait > max_wait then return -1 end
local new_tat = tat + interval
redis.call('SET', KEYS[1], new_tat, 'PX', math.ceil((new_tat - now) / 1000) + 1000)
return wait
"""


@dataclass(frozen=True, slots=True)
class Rate:
    per_second: float
    burst: int = 1


class RateLimiter:
    def __init__(self, client: aioredis.Redis, keys: Keys, rates: Mapping[str, Rate]) -> None:
        self._keys = keys
        self._rates = dict(rates)
        self._script = client.register_script(_GCRA)

    async def reserve(self, provider: str, max_wait_s: float) -> float | None:
        """Seconds to wait before sending (0 = now), or None when over ``max_wait_s``.

        Providers without a configured rate are not limited.
        """
        rate = self._rates.get(provider)
        if rate is None:
            return 0.0
        interval_us = int(1_000_000 / rate.per_second)
        tolerance_us = interval_us * (max(rate.burst, 1) - 1)
        result = int(
            await self._script(
                keys=[self._keys.global_(f"ratelimit:{provider}")],
                args=[interval_us, tolerance_us, int(max_wait_s * 1_000_000)],
            )
        )
        return None if result < 0 else result / 1_000_000
