"""Redis persistence of debtor state, processed event ids and the recent decisions.

``load`` reads every debtor of a batch in one pipelined round trip; ``commit``
writes each debtor's new state together with the ids of the events that made
it in one Lua script, so state and de-duplication can never disagree after a
crash. All keys of one debtor share its hash tag (Redis Cluster safe).

Expiry: ``state`` never expires. An event id's processed mark counts
``dedupe_ttl_s`` after the minute stamped in it, on the store's clock (the
decision clock: event time in a backtest), trimmed or not
(``streams.event_ids``); the debtor hash's TTL is housekeeping. The recent
decisions' lines go to the debtor's log (``streams.debtor_log``), the operators'
view: nothing decides on it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import redis.asyncio as aioredis
from redis.exceptions import ResponseError

from recaudo.contracts.state import state_key
from recaudo.foundation.clock import WALL_CLOCK, Clock
from recaudo.foundation.keys import Keys
from recaudo.foundation.redis_batch import batcher
from recaudo.streams.debtor_log import (
    APPEND_KEPT_LUA,
    KEEP_BYTES,
    decision_lines,
    log_key,
)
from recaudo.streams.debtor_log import TTL_S as LOG_TTL_S
from recaudo.streams.event_ids import (
    MARK_OF,
    TRIM_IDS,
    clock_minute,
    event_field,
    mark_fresh,
    ttl_minutes,
)
from recaudo.streams.state import DebtorState
from recaudo.streams.timeline import HEADER, RECENT

DebtorRef = tuple[str, str]

# KEYS: state, the debtor's hash (event-id marks: streams.event_ids.event_field),
# the debtor's log (the recent decisions' lines: streams.debtor_log), the older
# release's ids hash (MARK_OF). ARGV: state, now_m (the store clock's minute),
# ttl_s, keep, n_ids, ids..., the decisions' lines (oldest first)...
_COMMIT = (
    MARK_OF
    + APPEND_KEPT_LUA
    + """
redis.call('SET', KEYS[1], ARGV[1])
local now_m = tonumber(ARGV[2])
local ttl = tonumber(ARGV[3])
local ttl_m = math.ceil(ttl / 60)
local keep = tonumber(ARGV[4])
local n_ids = tonumber(ARGV[5])
if n_ids > 0 then
  local n = last_seq(KEYS[2], KEYS[4])
  for i = 1, n_ids do
    local f, have = mark_of(KEYS[2], KEYS[4], ARGV[5 + i], now_m, ttl_m)
    if not have then
      n = n + 1
      redis.call('HSET', KEYS[2], f, ':' .. n .. ':' .. now_m .. '+')
    elseif string.sub(have, -1) ~= '+' then
      redis.call('HSET', KEYS[2], f, have .. '+')
    end
  end
  redis.call('HSET', KEYS[2], 'e~#', n)
"""
    + TRIM_IDS.replace("@K@", "KEYS[2]")
    + """
  if redis.call('TTL', KEYS[2]) < ttl then redis.call('EXPIRE', KEYS[2], ttl) end
end
local first = 6 + n_ids
if #ARGV >= first then
  -- A policy-version header (byte 64, "@") follows the entries it names. When the
  -- log's newest decision line is the header this batch's first run ends with,
  -- it goes: the version is said once for the run (streams.timeline).
  local hdr = nil
  for i = first, #ARGV do
    if string.byte(ARGV[i], 1) == 64 then hdr = ARGV[i] break end
  end
  local all = hdr and redis.call('GET', KEYS[3])
  if all then
    local stop = #all
    while stop > 0 do
      local start = stop - 1
      while start > 0 and string.byte(all, start) ~= 10 do start = start - 1 end
      local b = string.byte(all, start + 1)
      if b == 64 then
        if string.sub(all, start + 1, stop - 1) == hdr then
          redis.call('SET', KEYS[3], string.sub(all, 1, start) .. string.sub(all, stop + 1))
        end
        break
      elseif b == 91 or (b >= 48 and b <= 57) then
        break
      end
      stop = start
    end
  end
  append_kept(KEYS[3], table.concat(ARGV, '\\n', first) .. '\\n', @KEEP@, @TTL@)
end
return 1
""".replace("@KEEP@", str(KEEP_BYTES)).replace("@TTL@", str(LOG_TTL_S))
)


@dataclass
class Loaded:
    state: DebtorState
    seen: set[str] = field(default_factory=set)


@dataclass
class Change:
    ref: DebtorRef
    state: DebtorState
    event_ids: list[str]
    timeline: list[bytes]


class StateStore:
    """Debtor state in Redis; ``keep_ids`` bounds the de-duplication memory per debtor
    and ``clock`` (the decision clock) stamps and ages its marks."""

    def __init__(
        self,
        client: aioredis.Redis,
        keys: Keys,
        dedupe_ttl_s: int,
        keep_ids: int = 256,
        clock: Clock = WALL_CLOCK,
    ) -> None:
        self._redis = client
        self._keys = keys
        self._ttl = dedupe_ttl_s
        self._keep = keep_ids
        self._clock = clock
        self._commit = client.register_script(_COMMIT)

    def state_key(self, ref: DebtorRef) -> str:
        return state_key(self._keys, ref[0], ref[1])

    def hash_key(self, ref: DebtorRef) -> str:
        """The debtor's hash: processed marks and event-id digests share its ``e~``
        fields (``streams.event_ids``)."""
        return self._keys.debtor_hash(ref[0], ref[1])

    def legacy_ids_key(self, ref: DebtorRef) -> str:
        """The older release's hash of event ids (read until it expires)."""
        return self._keys.debtor(ref[0], ref[1], "ids")

    def log_key(self, ref: DebtorRef) -> str:
        """The debtor's log, where the recent decisions' lines go (``streams.debtor_log``)."""
        return log_key(self._keys, ref)

    def legacy_timeline_key(self, ref: DebtorRef) -> str:
        """The older release's string of recent decisions, newest first (read until it
        expires)."""
        return self._keys.debtor(ref[0], ref[1], "timeline")

    async def load(
        self, wanted: Iterable[tuple[DebtorRef, Sequence[str]]]
    ) -> dict[DebtorRef, Loaded]:
        """State and the already-processed subset of ``event_ids`` for each debtor:
        those marked processed less than the de-duplication TTL ago, on the clock.

        Every debtor's reads join the batch's pipeline (``redis_batch``).
        """
        wanted = list(wanted)
        batch = batcher(self._redis)
        calls = []
        for ref, event_ids in wanted:
            calls.append(batch.call("GET", self.state_key(ref)))
            if event_ids:
                fields = [event_field(eid) for eid in event_ids]
                calls.append(batch.call("HMGET", self.hash_key(ref), *fields))
                calls.append(batch.call("HMGET", self.legacy_ids_key(ref), *event_ids))
        replies = iter(await asyncio.gather(*calls))
        now_m, ttl_m = clock_minute(self._clock), ttl_minutes(self._ttl)
        out: dict[DebtorRef, Loaded] = {}
        for ref, event_ids in wanted:
            raw = next(replies)
            seen: set[str] = set()
            if event_ids:
                marks, legacy = next(replies), next(replies)
                # A claim without "+" is this batch's own (or a crashed one's): not processed.
                seen = {
                    eid
                    for eid, mark, old in zip(event_ids, marks, legacy, strict=True)
                    if (_processed(mark) and mark_fresh(mark, now_m, ttl_m))
                    or (mark is None and _processed(old))
                }
            out[ref] = Loaded(DebtorState.decode(raw), seen)
        return out

    async def commit(self, changes: Sequence[Change], now: float) -> None:
        """One script per debtor, all of the batch's in one pipeline.

        ``now`` is the caller's instant on the decision clock; the marks are
        stamped from the store's own clock, the one ``load`` ages them by, so a
        store built without the decision clock still agrees with itself.
        """
        batch = batcher(self._redis)
        calls = []
        now_m = clock_minute(self._clock)
        for change in changes:
            ref = change.ref
            args: list[bytes | str | float | int] = [
                change.state.encode(),
                now_m,
                self._ttl,
                self._keep,
                len(change.event_ids),
                *change.event_ids,
                *change.timeline,
            ]
            keys = [
                self.state_key(ref),
                self.hash_key(ref),
                self.log_key(ref),
                self.legacy_ids_key(ref),
            ]
            calls.append(batch.script(self._commit, keys, args))
        await asyncio.gather(*calls)

    async def timeline(self, ref: DebtorRef, limit: int = RECENT) -> list[bytes]:
        """The recent view's lines, newest first: ``limit`` entries (at most ``RECENT``)
        with their policy-version headers (``streams.timeline.timeline_records``); the
        older release's key's lines after the log's, until it expires."""
        count = min(limit, RECENT)
        stored, legacy = await asyncio.gather(
            self._redis.get(self.log_key(ref)), self._legacy_timeline(ref, count)
        )
        text = stored.encode() if isinstance(stored, str) else stored or b""
        lines, entries = [], 0
        for line in decision_lines(text) + legacy:
            if entries == count:
                break
            lines.append(line)
            entries += not line.startswith(HEADER)
        return lines

    async def _legacy_timeline(self, ref: DebtorRef, count: int) -> list[bytes]:
        key = self.legacy_timeline_key(ref)
        try:
            raw = await self._redis.get(key)
        except ResponseError:  # a list, the layout before that
            items = await self._redis.lrange(key, 0, count - 1)
            return [item if isinstance(item, bytes) else item.encode() for item in items]
        text = raw.encode() if isinstance(raw, str) else raw or b""
        return [line for line in text.split(b"\n") if line]


def _processed(mark: bytes | str | None) -> bool:
    return isinstance(mark, bytes | str) and mark[-1:] in (b"+", "+")
