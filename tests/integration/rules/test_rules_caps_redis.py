"""The Redis cap ledger: one Lua script checks every cap and reserves atomically."""

from __future__ import annotations

import asyncio
import datetime as dt
import multiprocessing as mp
import uuid

import pytest
import redis.asyncio as aioredis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from recaudo.contracts.events import Channel
from recaudo.foundation.keys import Keys
from recaudo.rules import caps_for
from recaudo.rules.caps import CapLedger, PolicyCaps
from recaudo.rules.rolling import respects
from recaudo.rules.rule import ALL_CHANNELS, Cap, Rule
from tests.integration.rules.conftest import ledger_keys

pytestmark = pytest.mark.integration

T0 = dt.datetime(2025, 6, 2, 12, tzinfo=dt.UTC)
H = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)
WEEKLY_CALLS = Cap(Rule("t.calls", "test"), 2, 7 * DAY, frozenset({Channel.VOICE}))
DAILY_ALL = Cap(Rule("t.daily", "test"), 1, DAY, ALL_CHANNELS)


async def test_reserves_until_a_cap_is_full_and_names_it(
    cap_redis: aioredis.Redis, cap_keys: Keys
) -> None:
    ledger = CapLedger(cap_redis, cap_keys)
    caps = [WEEKLY_CALLS]
    first = await ledger.reserve("acme", "d1", "c1", Channel.VOICE, T0, caps, now=T0)
    second = await ledger.reserve("acme", "d1", "c2", Channel.VOICE, T0 + DAY, caps, now=T0)
    third = await ledger.reserve("acme", "d1", "c3", Channel.VOICE, T0 + 2 * DAY, caps, now=T0)
    assert first.ok
    assert second.ok
    assert not first.duplicate
    assert not third.ok
    assert [r.rule_id for r in third.reasons] == ["t.calls"]
    assert third.retry_at == T0 + 7 * DAY
    # Other debtors and other channels are not affected.
    assert (await ledger.reserve("acme", "d2", "c3", Channel.VOICE, T0, caps, now=T0)).ok
    assert (await ledger.reserve("acme", "d1", "c4", Channel.SMS, T0, caps, now=T0)).ok


async def test_a_reservation_is_a_field_of_the_debtors_hash_with_ttl(
    cap_redis: aioredis.Redis, cap_keys: Keys
) -> None:
    ledger = CapLedger(cap_redis, cap_keys, retention=dt.timedelta(days=10))
    now = dt.datetime.now(dt.UTC)
    await ledger.reserve("acme", "d1", "c1", Channel.SMS, now, [DAILY_ALL], now=now)
    key = cap_keys.debtor_hash("acme", "d1")
    assert key == f"{cap_keys.prefix}:acme:{{d1}}:contacts"
    sms = list(Channel).index(Channel.SMS) + 1
    assert await cap_redis.hget(key, "c~c1") == f"{sms}:{int(now.timestamp() * 1000)}".encode()
    assert not await cap_redis.exists(f"{cap_keys.prefix}:acme:{{d1}}:caps:sms")
    ttl = await cap_redis.pttl(key)
    assert 9 * 86_400_000 < ttl <= 10 * 86_400_000


async def test_the_hash_ttl_is_never_shortened(cap_redis: aioredis.Redis, cap_keys: Keys) -> None:
    """Other fields share the debtor's hash: a reservation only ever extends its TTL."""
    key = cap_keys.debtor_hash("acme", "d1")
    await cap_redis.hset(key, "r~other", "x")
    await cap_redis.expire(key, 30 * 86_400)
    ledger = CapLedger(cap_redis, cap_keys, retention=dt.timedelta(days=2))
    await ledger.reserve("acme", "d1", "c1", Channel.SMS, T0, [DAILY_ALL], now=T0)
    assert await cap_redis.ttl(key) > 29 * 86_400
    assert await cap_redis.hget(key, "r~other") == b"x"


async def test_reservations_of_the_older_layout_still_bind_and_release(
    cap_redis: aioredis.Redis, cap_keys: Keys
) -> None:
    """Upgrading never lets a contact through a cap: the older release's sorted sets
    (one per channel) are counted, trimmed and released, never written."""
    old = f"{cap_keys.prefix}:acme:{{d1}}:caps:voice"
    await cap_redis.zadd(old, {"c-old": int(T0.timestamp() * 1000)})
    ledger = CapLedger(cap_redis, cap_keys)
    replay = await ledger.reserve("acme", "d1", "c-old", Channel.VOICE, T0, [WEEKLY_CALLS], now=T0)
    assert replay.duplicate
    assert (await ledger.reserve("acme", "d1", "c2", Channel.VOICE, T0 + H, [WEEKLY_CALLS])).ok
    full = await ledger.reserve("acme", "d1", "c3", Channel.VOICE, T0 + 2 * H, [WEEKLY_CALLS])
    assert not full.ok
    assert full.retry_at == T0 + 7 * DAY
    assert await cap_redis.zrange(old, 0, -1) == [b"c-old"]
    assert await ledger.release("acme", "d1", "c-old")
    assert not await cap_redis.exists(old)
    assert (await ledger.reserve("acme", "d1", "c3", Channel.VOICE, T0 + 2 * H, [WEEKLY_CALLS])).ok


async def test_old_entries_are_trimmed_by_retention(
    cap_redis: aioredis.Redis, cap_keys: Keys
) -> None:
    ledger = CapLedger(cap_redis, cap_keys, retention=2 * DAY)
    await ledger.reserve("acme", "d1", "old", Channel.SMS, T0, [DAILY_ALL], now=T0)
    later = T0 + 3 * DAY
    await ledger.reserve("acme", "d1", "new", Channel.SMS, later, [DAILY_ALL], now=later)
    fields = await cap_redis.hkeys(cap_keys.debtor_hash("acme", "d1"))
    assert fields == [b"c~new"]


async def test_reserve_is_idempotent_by_contact_id(
    cap_redis: aioredis.Redis, cap_keys: Keys
) -> None:
    ledger = CapLedger(cap_redis, cap_keys)
    caps = [WEEKLY_CALLS]
    assert (await ledger.reserve("acme", "d1", "c1", Channel.VOICE, T0, caps, now=T0)).ok
    replay = await ledger.reserve("acme", "d1", "c1", Channel.VOICE, T0, caps, now=T0)
    assert replay.ok
    assert replay.duplicate
    # Counted once: a second distinct contact still fits under the limit of two.
    assert (await ledger.reserve("acme", "d1", "c2", Channel.VOICE, T0 + H, caps, now=T0)).ok
    # ...and the replay of a full ledger is still "ok" for the already-reserved contact.
    assert (await ledger.reserve("acme", "d1", "c2", Channel.VOICE, T0 + H, caps, now=T0)).ok


async def test_release_frees_the_slot(cap_redis: aioredis.Redis, cap_keys: Keys) -> None:
    ledger = CapLedger(cap_redis, cap_keys)
    caps = [DAILY_ALL]
    assert (await ledger.reserve("acme", "d1", "c1", Channel.EMAIL, T0, caps, now=T0)).ok
    assert not (await ledger.reserve("acme", "d1", "c2", Channel.SMS, T0 + H, caps, now=T0)).ok
    assert await ledger.release("acme", "d1", "c1")
    assert not await ledger.release("acme", "d1", "c1")
    assert (await ledger.reserve("acme", "d1", "c2", Channel.SMS, T0 + H, caps, now=T0)).ok


async def test_retry_at_is_when_every_cap_frees(cap_redis: aioredis.Redis, cap_keys: Keys) -> None:
    """A Chilean e-mail: the 2-day spacing frees first, the weekly pair later."""
    ledger = CapLedger(cap_redis, cap_keys)
    caps = caps_for("CL", Channel.EMAIL)
    assert (await ledger.reserve("acme", "d1", "e1", Channel.EMAIL, T0, caps, now=T0)).ok
    spaced = await ledger.reserve("acme", "d1", "e2", Channel.SMS, T0 + DAY, caps, now=T0)
    assert spaced.retry_at == T0 + 2 * DAY
    assert "cl.ley19496.art37.separacion_dos_dias" in {r.rule_id for r in spaced.reasons}
    at = T0 + 2 * DAY
    assert (await ledger.reserve("acme", "d1", "e2", Channel.SMS, at, caps, now=T0)).ok
    weekly = await ledger.reserve("acme", "d1", "e3", Channel.WHATSAPP, T0 + 4 * DAY, caps, now=T0)
    assert [r.rule_id for r in weekly.reasons] == ["cl.ley19496.art37.otros_medios_semanal"]
    assert weekly.retry_at == T0 + 7 * DAY


def _race(url: str, prefix: str, worker: int, start: mp.synchronize.Event, out: mp.Queue) -> None:
    async def run() -> list[str]:
        client = aioredis.Redis.from_url(url)
        ledger = CapLedger(client, Keys(prefix=prefix))
        caps = [WEEKLY_CALLS, DAILY_ALL.__class__(DAILY_ALL.rule, 3, DAY, ALL_CHANNELS)]
        won = []
        start.wait(5)
        for i in range(20):
            cid = f"w{worker}-{i}"
            result = await ledger.reserve(
                "acme", "d1", cid, Channel.VOICE, T0 + i * dt.timedelta(minutes=5), caps, now=T0
            )
            if result.ok:
                won.append(cid)
        await client.aclose()
        return won

    out.put(asyncio.run(run()))


async def test_two_processes_racing_never_exceed_a_cap(
    rules_redis_url: str, cap_redis: aioredis.Redis, cap_keys: Keys
) -> None:
    ctx = mp.get_context("spawn")
    start = ctx.Event()
    out: mp.Queue = ctx.Queue()
    procs = [
        ctx.Process(target=_race, args=(rules_redis_url, cap_keys.prefix, w, start, out))
        for w in range(2)
    ]
    for p in procs:
        p.start()
    start.set()
    won = [c for _ in procs for c in await asyncio.to_thread(out.get, True, 30)]
    for p in procs:
        p.join(10)
        assert p.exitcode == 0
    assert len(won) == 2, won  # 40 attempts within a day, two calls a week allowed
    fields = await cap_redis.hkeys(cap_keys.debtor_hash("acme", "d1"))
    members = [f.decode().removeprefix("c~") for f in fields if isinstance(f, bytes)]
    assert sorted(members) == sorted(won)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    attempts=st.lists(
        st.tuples(st.sampled_from(list(Channel)), st.integers(0, 14 * 24)),
        min_size=1,
        max_size=25,
    ),
    limit=st.integers(1, 3),
    window_h=st.sampled_from([6, 24, 72, 168]),
)
async def test_no_accepted_schedule_exceeds_any_cap(
    rules_redis_url: str,
    attempts: list[tuple[Channel, int]],
    limit: int,
    window_h: int,
) -> None:
    """Whatever order contacts arrive in (also out of time order), every cap's
    accepted contacts respect it in every rolling window; rejections say when."""
    caps = [
        Cap(Rule("p.voice", "t"), limit, window_h * H, frozenset({Channel.VOICE})),
        Cap(
            Rule("p.text", "t"), limit + 1, window_h * H, frozenset({Channel.SMS, Channel.WHATSAPP})
        ),
        Cap(Rule("p.all", "t"), limit + 2, 2 * window_h * H, ALL_CHANNELS),
    ]
    keys = Keys(prefix=f"t-{uuid.uuid4().hex[:12]}")
    client = aioredis.Redis.from_url(rules_redis_url)
    try:
        ledger = CapLedger(client, keys)
        accepted: list[tuple[Channel, dt.datetime]] = []
        for i, (channel, hour) in enumerate(attempts):
            at = T0 + hour * H
            result = await ledger.reserve("acme", "d", f"c{i}", channel, at, caps, now=T0)
            if result.ok:
                accepted.append((channel, at))
            else:
                assert result.retry_at is not None
                assert result.retry_at > at
                assert result.reasons
        for cap in caps:
            times = [at for ch, at in accepted if ch in cap.channels]
            assert respects(times, cap.limit, cap.window), (cap.id, sorted(times))
    finally:
        await client.delete(*ledger_keys(keys))
        await client.aclose()


async def test_policy_caps_look_up_the_jurisdiction(
    cap_redis: aioredis.Redis, cap_keys: Keys
) -> None:
    """Massachusetts through the jurisdiction-keyed gate: the third call is refused.

    The ledger holds the debtor-wide counts; 940 CMR 7.04(1)(f) itself counts per
    debt and is enforced by the pure engine, so here the labelled cross-debt
    policy decides."""
    gate = PolicyCaps(CapLedger(cap_redis, cap_keys))
    now = dt.datetime.now(dt.UTC)
    for i in range(2):
        result = await gate.reserve("acme", "d1", "US-MA", f"c{i}", Channel.VOICE, now + i * DAY)
        assert result.ok
    third = await gate.reserve("acme", "d1", "US-MA", "c2", Channel.VOICE, now + 2 * DAY)
    assert [r.rule_id for r in third.reasons] == ["us-ma.policy.communications_all_debts"]
    assert third.retry_at is not None
    assert abs(third.retry_at - (now + 7 * DAY)) < dt.timedelta(milliseconds=2)
    await gate.release("acme", "d1", "c0")
    assert (await gate.reserve("acme", "d1", "US-MA", "c2", Channel.VOICE, now + 2 * DAY)).ok
