"""The debtor's log against a reference model: its two writers interleaved at random.

The decision stage's commit (the recent decisions: positions, or compact entries
with their policy-version headers where no broker acked) and the conversation's
journal append write one string in Redis (``streams.debtor_log``). Whatever the
order of their batches, on the real Redis:

- the timeline shows the newest decisions first, each with its own policy
  version, and never loses a newer one while it keeps an older one;
- the conversation reads back its own lines in the order written, never a
  decision's;
- the string stays within ``KEEP_BYTES``, and shows everything while it fits.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import orjson
import pytest
import redis.asyncio as aioredis
from hypothesis import HealthCheck, event, given, note, settings
from hypothesis import strategies as st

from recaudo.foundation.keys import Keys
from recaudo.streams.debtor_log import KEEP_BYTES
from recaudo.streams.journal import Journal
from recaudo.streams.state import DebtorState
from recaudo.streams.store import Change, StateStore
from recaudo.streams.timeline import RECENT, Position, timeline_lines, timeline_records
from tests.integration.streams.decisions import suppression

pytestmark = pytest.mark.integration

_debtors = itertools.count()


@dataclass(frozen=True)
class Decide:
    """A committed batch: each decision's policy version, and whether a broker acked it."""

    decisions: tuple[tuple[str, bool], ...]


@dataclass(frozen=True)
class Talk:
    """A journal append: ``n`` conversation lines, pointers or copies."""

    copies: tuple[bool, ...]


batches = st.one_of(
    st.builds(
        Decide,
        st.lists(
            st.tuples(st.sampled_from(["v1", "v2", "v3"]), st.booleans()), min_size=1, max_size=5
        ).map(tuple),
    ),
    st.builds(Talk, st.lists(st.booleans(), min_size=1, max_size=4).map(tuple)),
)


@pytest.mark.timeout(300)
@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
# Short histories, and long ones that overflow the log (its trimming).
@given(
    history=st.one_of(
        st.lists(batches, min_size=1, max_size=10), st.lists(batches, min_size=40, max_size=80)
    )
)
async def test_both_writers_interleaved_keep_their_lines_apart_and_the_newest(
    client: aioredis.Redis, unique: str, history: list[Decide | Talk]
) -> None:
    note(repr(history))
    keys = Keys(unique)
    store, journal = StateStore(client, keys, dedupe_ttl_s=3600), Journal(client, keys)
    ref = ("acme", f"log-{next(_debtors)}")
    decided: list[tuple[str, str]] = []  # (trigger, version), oldest first
    talked: list[bytes] = []
    fetched: dict[Position, bytes] = {}
    written = 0
    for batch in history:
        if isinstance(batch, Talk):
            lines = [
                orjson.dumps({"id": f"x{len(talked) + i}"})
                if copy
                else b"m3:%d" % (len(talked) + i)
                for i, copy in enumerate(batch.copies)
            ]
            await journal.append([(ref, line) for line in lines])
            talked += lines
            written += sum(len(line) + 1 for line in lines)
            continue
        made, at = [], {}
        for version, acked in batch.decisions:
            one = suppression(ref, len(decided), version)
            made.append(one)
            decided.append((one.trigger_event_id, version))
            if acked:
                at[one.decision_id] = (7, len(decided))
                fetched[(7, len(decided))] = orjson.dumps(one.model_dump(mode="json"))
        lines = timeline_lines(made, at)
        await store.commit([Change(ref, DebtorState(), [], lines)], 1.0)
        written += sum(len(line) + 1 for line in lines)

    raw = await client.get(store.log_key(ref))
    assert raw is not None
    assert len(raw) <= KEEP_BYTES
    shown = [
        (r["trigger_event_id"], r["policy_version"])
        for r in timeline_records(await store.timeline(ref), ref, fetched)
    ]
    newest_first = decided[::-1]
    # The newest decisions, each with its own version: a prefix, never a gap.
    assert shown == newest_first[: len(shown)]
    conversation = await journal.raw(ref)
    assert conversation == talked[len(talked) - len(conversation) :], "a suffix, in order"
    event("trimmed" if written > KEEP_BYTES else "whole")
    event("more than RECENT decisions" if len(decided) > RECENT else "at most RECENT")
    if written <= KEEP_BYTES:
        # Nothing trimmed (headers said once only make it shorter): everything shows.
        assert shown == newest_first[:RECENT]
        assert conversation == talked
