from __future__ import annotations

import asyncio
import datetime as dt
import random
from collections import Counter

import orjson
import pytest
import redis.asyncio as aioredis

from recaudo.contracts.events import Channel
from recaudo.foundation.keys import Keys
from recaudo.models.attribution import AttributionBook, Labelled
from recaudo.models.features import ROW, ContactFeatures

pytestmark = pytest.mark.integration

T0 = dt.datetime(2025, 5, 1, 12, 0, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)


def feats(n: int = 0) -> ContactFeatures:
    return ContactFeatures(30 + n, 100_000, 20_000, n, Channel.SMS, 1, "k0")


def row(features: ContactFeatures) -> list[object]:
    """The positional JSON row earlier releases stored."""
    return [features.to_dict()[name] for name in ROW]


async def test_a_window_is_one_short_line_and_the_previous_releases_lists_still_label(
    redis: aioredis.Redis, keys: Keys
) -> None:
    book = AttributionBook(redis, keys, window=7 * DAY)
    odd = ContactFeatures(3, 10, 5, 0, Channel.EMAIL, 2, "late|b2 é", 4)
    assert await book.open("acme", "d-l", "c-new", odd, T0)
    debtor = keys.debtor_hash("acme", "d-l")
    made = T0.timestamp()
    assert (
        await redis.hget(debtor, "a~c-new")
        == f"{made!r}|604800|3|10|5|0|email|2|4|late|b2 é".encode()
    )
    # What the previous release wrote into the same hash: a JSON list.
    earlier = orjson.dumps([made - 60.5, 7 * 86400, *row(feats(1))])
    await redis.hset(debtor, "a~c-earlier", earlier)
    paid = await book.on_payment("acme", "d-l", T0 + DAY)
    assert sorted((x.contact_id, x.features, x.contacted_at) for x in paid) == [
        ("c-earlier", feats(1), T0 - dt.timedelta(seconds=60.5)),
        ("c-new", odd, T0),
    ]
    assert await book.on_payment("acme", "d-l", T0 + DAY) == []


def test_features_read_back_from_their_line_whatever_the_segment() -> None:
    for segment in (None, "k0", "a|b||c", "é"):
        features = ContactFeatures(1, 2, 3, 4, Channel.VOICE, 5, segment, 6)
        assert ContactFeatures.from_line(features.to_line()) == features


async def test_payment_in_window_is_success_expiry_is_failure(
    redis: aioredis.Redis, keys: Keys
) -> None:
    book = AttributionBook(redis, keys, window=7 * DAY)
    assert await book.open("acme", "d1", "c1", feats(1), T0)
    assert await book.open("acme", "d1", "c2", feats(2), T0 + 2 * DAY)
    assert await book.open("acme", "d1", "c3", feats(3), T0 + 5 * DAY)
    # A replayed open does not restart the window.
    assert not await book.open("acme", "d1", "c1", feats(1), T0 + 3 * DAY)
    # c1 expires at T0+7d; the sweep after that labels it failure.
    failures = await book.expire("acme", T0 + 7 * DAY + dt.timedelta(minutes=5))
    assert [(x.contact_id, x.label) for x in failures] == [("c1", False)]
    assert failures[0].features == feats(1)
    # Paid at T0+8d: c2 (window to T0+9d) and c3 are successes.
    paid = await book.on_payment("acme", "d1", T0 + 8 * DAY)
    assert sorted((x.contact_id, x.label) for x in paid) == [("c2", True), ("c3", True)]
    assert await book.on_payment("acme", "d1", T0 + 8 * DAY) == []
    assert await book.pending("acme", "d1") == 0
    assert await book.expire("acme", T0 + 30 * DAY) == []


async def test_an_open_book_expires_two_windows_after_its_latest_contact(
    redis: aioredis.Redis, keys: Keys
) -> None:
    book = AttributionBook(redis, keys, window=7 * DAY)
    await book.open("acme", "d-ttl", "c1", feats(), T0)
    assert 0 < await redis.ttl(keys.debtor_hash("acme", "d-ttl")) <= 14 * 86400


async def test_an_open_never_shortens_the_debtor_hash_s_life(
    redis: aioredis.Redis, keys: Keys
) -> None:
    """The hash is shared: a payment link living 30 days keeps it 30 days."""
    await redis.hset(keys.debtor_hash("acme", "d-long"), "p~c0", "x")
    await redis.expire(keys.debtor_hash("acme", "d-long"), 30 * 86400)
    await AttributionBook(redis, keys, window=7 * DAY).open("acme", "d-long", "c1", feats(), T0)
    assert await redis.ttl(keys.debtor_hash("acme", "d-long")) > 14 * 86400


async def test_an_open_contact_is_one_small_field_of_the_debtor_hash(
    redis: aioredis.Redis, keys: Keys
) -> None:
    """No key of its own, values under 64 bytes: Redis keeps the compact listpack.

    A longer payload (a large balance, WhatsApp, a long segment name) is cut
    into pieces: the debtor's whole hash would otherwise lose that encoding.
    """
    book = AttributionBook(redis, keys, window=7 * DAY)
    big = ContactFeatures(400, 999_999_999_999, 99_999_999, 30, Channel.WHATSAPP, 23, "k12", 12)
    await book.open("acme", "d-small", "0123456789abcdef01234567", big, T0 + dt.timedelta(0, 0.25))
    await book.open("acme", "d-small", "0123456789abcdef01234568", feats(), T0 + DAY)
    mine = [k async for k in redis.scan_iter(match=keys.debtor("acme", "d-small", "*"))]
    assert mine == [keys.debtor_hash("acme", "d-small").encode()]
    stored = await redis.hgetall(mine[0])
    assert sorted(stored) == [
        b"a~0123456789abcdef01234567",
        b"a~0123456789abcdef01234567~1",
        b"a~0123456789abcdef01234568",
    ]
    assert max(len(v) for v in stored.values()) <= 64
    assert await book.pending("acme", "d-small") == 2
    assert await redis.object("encoding", mine[0]) == b"listpack"
    paid = await book.on_payment("acme", "d-small", T0 + 2 * DAY)
    assert sorted(((x.contacted_at, x.features) for x in paid), key=lambda p: p[0]) == [
        (T0 + dt.timedelta(0, 0.25), big),
        (T0 + DAY, feats()),
    ]
    assert not await redis.exists(mine[0]), "every piece taken with its window"


async def test_entries_stored_in_the_named_form_are_still_labelled(
    redis: aioredis.Redis, keys: Keys
) -> None:
    book = AttributionBook(redis, keys, window=7 * DAY)
    await book.open("acme", "d-old", "c-new", feats(2), T0)
    named = orjson.dumps({"t": T0.timestamp(), "f": feats(1).to_dict()})
    await redis.zadd(keys.debtor("acme", "d-old", "attr"), {"c-old": (T0 + 7 * DAY).timestamp()})
    await redis.hset(keys.debtor("acme", "d-old", "attr:f"), "c-old", named)
    paid = await book.on_payment("acme", "d-old", T0 + DAY)
    assert sorted((x.contact_id, x.features, x.contacted_at) for x in paid) == [
        ("c-new", feats(2), T0),
        ("c-old", feats(1), T0),
    ]


async def test_entries_of_the_two_key_layout_are_labelled_once(
    redis: aioredis.Redis, keys: Keys
) -> None:
    """Opened by an older release: a replayed open is refused, the sweep labels each once."""
    book = AttributionBook(redis, keys, window=7 * DAY, bucket_s=3600, grace_s=60)
    zset, old = keys.debtor("acme", "d-2k", "attr"), keys.debtor("acme", "d-2k", "attr:f")
    for cid, at, f in (("c-a", T0, feats(1)), ("c-b", T0 + 3 * DAY, feats(2))):
        await redis.zadd(zset, {cid: (at + 7 * DAY).timestamp()})
        await redis.hset(old, cid, orjson.dumps([at.timestamp(), *row(f)]))
    bucket = int((T0 + 7 * DAY).timestamp() // 3600)
    await redis.sadd(keys.tenant("acme", f"attr:due:{bucket}"), "d-2k")
    await redis.zadd(keys.tenant("acme", "attr:buckets"), {str(bucket): bucket})
    assert not await book.open("acme", "d-2k", "c-a", feats(1), T0)
    assert await book.open("acme", "d-2k", "c-new", feats(3), T0 + 8 * DAY)
    assert await book.pending("acme", "d-2k") == 3
    failed = await book.expire("acme", T0 + 7 * DAY + dt.timedelta(hours=2))
    assert [(x.contact_id, x.features, x.contacted_at) for x in failed] == [("c-a", feats(1), T0)]
    paid = await book.on_payment("acme", "d-2k", T0 + 9 * DAY)
    assert sorted((x.contact_id, x.label) for x in paid) == [("c-b", True), ("c-new", True)]
    assert await book.pending("acme", "d-2k") == 0
    assert await book.expire("acme", T0 + 30 * DAY) == []


async def test_entries_of_the_aw_hash_are_labelled_once_beside_other_fields(
    redis: aioredis.Redis, keys: Keys
) -> None:
    """Opened by the previous release (``aw``): refused again, labelled once; the
    debtor hash's other stages' fields are neither labelled nor touched."""
    book = AttributionBook(redis, keys, window=7 * DAY)
    aw, debtor = keys.debtor("acme", "d-aw", "aw"), keys.debtor_hash("acme", "d-aw")
    await redis.hset(aw, "c-aw", orjson.dumps([T0.timestamp(), 7 * 86400, *row(feats(1))]))
    others = {"c-x": "sent/2", "e~ev-1": "abc:1+", "r~c-x": "row"}
    for field, value in others.items():
        await redis.hset(debtor, field, value)
    assert not await book.open("acme", "d-aw", "c-aw", feats(1), T0)
    assert await book.open("acme", "d-aw", "c-new", feats(2), T0 + DAY)
    assert await book.pending("acme", "d-aw") == 2
    paid = await book.on_payment("acme", "d-aw", T0 + 2 * DAY)
    assert sorted((x.contact_id, x.features) for x in paid) == [
        ("c-aw", feats(1)),
        ("c-new", feats(2)),
    ]
    assert await book.pending("acme", "d-aw") == 0
    assert await redis.hgetall(debtor) == {k.encode(): v.encode() for k, v in others.items()}


async def test_payment_before_a_contact_does_not_label_it(
    redis: aioredis.Redis, keys: Keys
) -> None:
    book = AttributionBook(redis, keys, window=7 * DAY)
    await book.open("acme", "d1", "later", feats(), T0 + DAY)
    assert await book.on_payment("acme", "d1", T0) == []
    assert await book.pending("acme", "d1") == 1


async def test_every_contact_is_labelled_exactly_once_under_races(
    redis: aioredis.Redis, keys: Keys
) -> None:
    """Many debtors, random contacts and payments, sweeps racing payments: one label each."""
    rng = random.Random(11)
    book = AttributionBook(redis, keys, window=3 * DAY, bucket_s=3600, grace_s=60)
    other = AttributionBook(redis, keys, window=3 * DAY, bucket_s=3600, grace_s=60)
    opened: dict[str, bool] = {}
    payments: list[tuple[str, dt.datetime]] = []
    for d in range(40):
        debtor = f"d{d}"
        t = T0
        for c in range(rng.randint(1, 6)):
            t += dt.timedelta(hours=rng.randint(1, 60))
            cid = f"{debtor}-c{c}"
            await book.open("acme", debtor, cid, feats(c), t)
            opened[cid] = True
        if rng.random() < 0.6:
            payments.append((debtor, T0 + dt.timedelta(hours=rng.randint(10, 200))))
    labels: list[Labelled] = []
    # Sweep in hourly steps while payments land, two "workers" at once.
    now = T0
    pending = sorted(payments, key=lambda p: p[1])
    while now < T0 + 20 * DAY:
        now += dt.timedelta(hours=6)
        due = [p for p in pending if p[1] <= now]
        pending = [p for p in pending if p[1] > now]
        results = await asyncio.gather(
            book.expire("acme", now),
            other.expire("acme", now),
            *(book.on_payment("acme", d, at) for d, at in due),
            *(other.on_payment("acme", d, at) for d, at in due),
        )
        for r in results:
            labels.extend(r)
    counts = Counter(x.contact_id for x in labels)
    assert set(counts) == set(opened)
    assert max(counts.values()) == 1
    assert any(x.label for x in labels)
    assert any(not x.label for x in labels)
    # Each label is right: success iff some payment fell inside that contact's window.
    paid_at = dict(payments)
    for x in labels:
        pay = paid_at.get(x.debtor_id)
        in_window = pay is not None and x.contacted_at <= pay <= x.contacted_at + 3 * DAY
        if x.label:
            assert in_window
    assert await redis.zcard(keys.tenant("acme", "attr:buckets")) == 0


async def test_book_survives_a_restart(redis: aioredis.Redis, keys: Keys) -> None:
    first = AttributionBook(redis, keys, window=DAY)
    await first.open("acme", "d9", "c9", feats(9), T0)
    restarted = AttributionBook(redis, keys, window=DAY)
    got = await restarted.expire("acme", T0 + 2 * DAY)
    assert [(x.contact_id, x.label, x.features) for x in got] == [("c9", False, feats(9))]


async def test_a_bucket_is_a_line_per_contact_swept_in_chunks_each_debtor_once(
    redis: aioredis.Redis, keys: Keys, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The index is a string of debtor ids, ~9 bytes a contact (a set member cost
    ~70 at a million debtors). Read 40 bytes at a time (the chunk ends inside an
    id) and at most 7 debtors a sweep, two sweepers racing: every contact is
    labelled once, and the emptied bucket goes."""
    monkeypatch.setattr("recaudo.models.attribution._CHUNK_BYTES", 40)
    book = AttributionBook(redis, keys, window=DAY, bucket_s=3600, grace_s=60)
    other = AttributionBook(redis, keys, window=DAY, bucket_s=3600, grace_s=60)
    debtors = [f"debtor-{n:03d}" for n in range(30)]
    for n, debtor in enumerate(debtors):
        assert await book.open("acme", debtor, f"c{n}", feats(n % 5), T0)
    bucket = keys.tenant("acme", f"attr:dues:{int((T0 + DAY).timestamp() // 3600)}")
    assert await redis.type(bucket) == b"string"
    assert await redis.get(bucket) == b"".join(d.encode() + b"\n" for d in debtors)
    labelled: list[Labelled] = []
    later = T0 + DAY + dt.timedelta(hours=2)
    for _ in range(6):
        first, second = await asyncio.gather(
            book.expire("acme", later, max_debtors=7), other.expire("acme", later, max_debtors=7)
        )
        assert len(first) <= 7
        assert len(second) <= 7
        labelled += first + second
    assert sorted(x.contact_id for x in labelled) == sorted(f"c{n}" for n in range(30))
    assert not any(x.label for x in labelled)
    assert not await redis.exists(bucket)
    assert await redis.zcard(keys.tenant("acme", "attr:buckets")) == 0
