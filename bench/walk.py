"""The walk of one account event from ``POST /v1/events`` to the outcome report (issue 27).

One event, three segments, each run in-process against the real broker and
Redis and traced with ``sys.setprofile`` (its 'call' events only):

1. ingest: the web app (``build_web_app`` on aiohttp's test server) takes
   ``POST /v1/events`` and publishes the event to the accounts topic;
2. decide: that record, read back from the broker, goes through the worker's
   decision stage as the Faust agent's ``decide_batch`` runs it (the state
   marker, ``prepare``, the outputs published with their positions, ``commit``)
   on the parts ``build_wiring`` makes;
3. report: ``GET /v1/reports/outcomes`` for the tenant, a fresh scan (the
   report's cache has expired when it is asked).

Building the apps and the wiring, connecting, reading the record back and
waiting for the cache happen outside the traced regions. A first event goes
through all three segments untraced, so lazy imports and per-tenant caches are
filled as in a running service (``--cold`` traces the first event instead).

Only the project's own files count (``streams models channels rules dashboards
simulator recaudo`` under the repository, symlinks resolved: ``recaudo/streams``
is ``streams``); bench, tests and libraries never. See ``count`` for what is
counted and ``Tracer`` for how the call stack is read across tasks.

Run: ``python -m bench.walk [--json PATH] [--cold]`` from the tree to measure.
"""

from __future__ import annotations

import argparse
import asyncio
import inspect
import json
import subprocess
import time
import uuid
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import orjson
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from prometheus_client import CollectorRegistry

import recaudo
from bench.call_trace import ROOT, Call, Tracer, count, folder
from bench.redis_stats import private_redis
from recaudo.embedded import start_broker
from recaudo.foundation.config import Settings
from recaudo.foundation.kafka import bootstrap_servers, ensure_topics
from recaudo.stack import local_settings
from recaudo.streams import wiring as wiring_module
from recaudo.streams.app import Inbound
from recaudo.streams.wiring import Wiring
from recaudo.web.app import build_web_app
from recaudo.web.reports import CACHE_S
from tests.conftest import POLICIES
from tests.integration.harness import account_event, dry_run_wiring, zone_with_local_hour

TENANT, API_KEY = "acme", "key-acme"
SEGMENTS = ("ingest", "decide", "report")
#: ``Connection: close``: each request gets a new server connection, whose task
#: starts inside the traced region (a kept-alive one would predate it, see Tracer).
HEADERS = {"Authorization": f"Bearer {API_KEY}", "Connection": "close"}
#: After a response: the server's tasks finish their bookkeeping inside the trace.
SETTLE_S = 0.1


async def post_event(
    client: TestClient[web.Request, web.Application], event: dict[str, Any]
) -> int:
    resp = await client.post("/v1/events", data=orjson.dumps(event), headers=HEADERS)
    await resp.read()
    await asyncio.sleep(SETTLE_S)
    return resp.status


async def read_back(settings: Settings, topic: str, event_id: str) -> Inbound:
    """The record the web published, as the Faust agent's ``_inbound`` makes it."""
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap_servers(settings.broker_url),
        auto_offset_reset="earliest",
        group_id=None,
        fetch_max_wait_ms=20,
    )
    try:
        await consumer.start()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            batch = await consumer.getmany(timeout_ms=200)
            for messages in batch.values():
                for m in messages:
                    if orjson.loads(m.value).get("event_id") == event_id:
                        return Inbound(
                            topic=m.topic,
                            partition=m.partition,
                            offset=m.offset,
                            key=m.key,
                            value=m.value or b"",
                            timestamp=m.timestamp / 1000,  # Faust's are seconds
                        )
    finally:
        await consumer.stop()
    raise SystemExit(f"event {event_id} not on {topic} in 30 s")


async def decide(wiring: Wiring, producer: AIOKafkaProducer, records: list[Inbound]) -> list[Any]:
    """What ``decide_batch`` in streams/app.py does, its publish included; the outputs."""
    if wiring.marker is not None:
        await wiring.marker.require()
    prepared = await wiring.decision_stage.prepare(records)
    futures = [await producer.send(r.topic, r.value, key=r.key.encode()) for r in prepared.outputs]
    acked = await asyncio.gather(*futures)
    positions = [(int(md.partition), int(md.offset)) if md.offset >= 0 else None for md in acked]
    await wiring.decision_stage.commit(prepared, positions)
    return list(prepared.outputs)


async def get_report(
    client: TestClient[web.Request, web.Application],
) -> tuple[int, dict[str, Any]]:
    resp = await client.get("/v1/reports/outcomes", headers=HEADERS)
    body = await resp.read()
    await asyncio.sleep(SETTLE_S)
    return resp.status, orjson.loads(body)


async def past_cache(since: float) -> None:
    """Until the report's cache (``CACHE_S``) filled at ``since`` has expired."""
    await asyncio.sleep(max(0.0, since + CACHE_S + 1.0 - time.monotonic()))


def expect(status: int, wanted: int, what: str) -> None:
    if status != wanted:
        raise SystemExit(f"{what} answered {status}, not {wanted}")


@dataclass
class Walk:
    tracers: dict[str, Tracer]
    decision: dict[str, Any]
    outputs: list[str]
    report_debtors: int


async def run_walk(settings: Settings, zone: str, cold: bool) -> Walk:
    wiring = dry_run_wiring(settings)
    topics = wiring.topics
    await ensure_topics(settings.broker_url, topics.all, settings.topic_partitions)
    if wiring.marker is not None:
        await wiring.marker.write("bench.walk")
    # acks=all, as the worker's producer (producer_acks=-1).
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap_servers(settings.broker_url), acks="all"
    )
    await producer.start()
    tracers = {name: Tracer() for name in SEGMENTS}
    try:
        app = build_web_app(settings, CollectorRegistry())
        async with TestClient(TestServer(app)) as client:
            # The app's refresher scans every tenant once at start: the cache is full now.
            cached_at = time.monotonic()
            if not cold:
                warm = account_event("walk-warm", timezone=zone, channels=("sms",))
                expect(await post_event(client, warm), 202, "warm-up POST /v1/events")
                warm_record = await read_back(settings, topics.accounts, warm["event_id"])
                await decide(wiring, producer, [warm_record])
                await past_cache(cached_at)
                expect((await get_report(client))[0], 200, "warm-up report")
                cached_at = time.monotonic()
            event = account_event("walk-1", timezone=zone, channels=("sms",))
            async with tracers["ingest"].tracing():
                status = await post_event(client, event)
            expect(status, 202, "POST /v1/events")
            record = await read_back(settings, topics.accounts, event["event_id"])
            async with tracers["decide"].tracing():
                outputs = await decide(wiring, producer, [record])
            await past_cache(cached_at)
            asked_at = time.time()
            async with tracers["report"].tracing():
                status, report = await get_report(client)
            if status != 200 or report["generated_at"] < asked_at:
                raise SystemExit(f"report: status {status}, not a fresh scan: {report}")
    finally:
        await producer.stop()
        await wiring.close()
    decisions = [orjson.loads(o.value) for o in outputs if o.topic == topics.decisions]
    return Walk(
        tracers=tracers,
        decision={k: decisions[0].get(k) for k in ("action", "channel")} if decisions else {},
        outputs=[o.topic.removeprefix(settings.topic_prefix) for o in outputs],
        report_debtors=int(report.get("debtors", 0)),
    )


# --- report ---------------------------------------------------------------------


def tree() -> dict[str, Any]:
    """Where the code came from: this tree, its commit, and whether it had local edits."""

    def git(*args: str) -> str:
        done = subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True)
        return done.stdout.strip()

    return {
        "root": str(ROOT),
        "commit": git("rev-parse", "--short", "HEAD"),
        "changed_files": len(git("status", "--porcelain").splitlines()),
        "recaudo": recaudo.__file__,
        # Imported by streams/wiring.py in every version, from wherever they live.
        "decision_stage": inspect.getfile(wiring_module.DecisionStage),
        "decider": inspect.getfile(wiring_module.Decider),
    }


def lines_of(path: str) -> int:
    return len((ROOT / path).read_bytes().splitlines())


def figures(walk: Walk) -> dict[str, Any]:
    segments = {name: walk.tracers[name].calls for name in SEGMENTS}
    whole: list[Call] = [c for name in SEGMENTS for c in segments[name]]
    total = count(whole)
    first_in: dict[str, str] = {}
    for name in SEGMENTS:
        for c in segments[name]:
            first_in.setdefault(c.callee, name)
    calls_to = Counter(c.callee for c in whole)
    lines = {f: lines_of(f) for f in total.files}
    files = [
        {
            "file": f,
            "folder": folder(f),
            "lines": lines[f],
            "segment": first_in[f],
            "calls": calls_to[f],
        }
        for f in total.files
    ]
    return {
        "segments": {name: asdict(count(segments[name])) for name in SEGMENTS},
        "walk": asdict(total),
        "files": files,
        "largest": [
            {"file": f, "lines": lines[f]} for f in sorted(lines, key=lambda f: -lines[f])[:10]
        ],
        "resumed": {name: walk.tracers[name].resumed for name in SEGMENTS},
        "imports": {name: walk.tracers[name].imports for name in SEGMENTS},
        "excluded": {name: dict(walk.tracers[name].excluded) for name in SEGMENTS},
        "decision": walk.decision,
        "outputs": walk.outputs,
        "report_debtors": walk.report_debtors,
    }


def table(result: dict[str, Any]) -> list[str]:
    head = (
        f"{'segment':<8} {'files':>5} {'folders':>7} {'calls':>6} {'hops':>5} {'edges':>5} "
        f"{'entries':>7} {'returns':>7} {'(from outside)':>14} {'files returned to':>17}"
    )
    rows = [head, "-" * len(head)]
    for name, c in [*result["segments"].items(), ("walk", result["walk"])]:
        rows.append(
            f"{name:<8} {len(c['files']):>5} {len(c['folders']):>7} {c['calls']:>6} "
            f"{c['hops']:>5} {c['edges']:>5} {c['entries']:>7} {c['returns']:>7} "
            f"{c['returns_from_outside']:>14} {len(c['returned_to']):>17}"
        )
    rows += ["", "Files on the walk, in order of first entry:"]
    for i, r in enumerate(result["files"], 1):
        rows.append(
            f"{i:>3}. {r['file']:<48} {r['folder']:<22} {r['lines']:>5} lines  "
            f"{r['segment']:<6} {r['calls']:>5} calls"
        )
    rows += ["", "Largest files on the walk:"]
    rows += [f"     {r['file']:<48} {r['lines']:>5} lines" for r in result["largest"]]
    rows += ["", "Files returned to (whole walk): " + ", ".join(result["walk"]["returned_to"])]
    rows += [
        "",
        f"decision {result['decision']}, outputs {result['outputs']}, "
        f"report debtors {result['report_debtors']}",
        f"coroutine resumptions (not counted) {result['resumed']}",
        f"module bodies run in the trace (not counted) {result['imports']}",
        f"calls of tasks older than the trace (not counted) {result['excluded']}",
    ]
    return rows


def main(json_path: str | None, cold: bool) -> None:
    where = tree()
    for key in ("root", "commit", "changed_files", "recaudo", "decision_stage", "decider"):
        print(f"{key:<15} {where[key]}")
    if Path(str(recaudo.__file__)).resolve().parent.parent != ROOT:
        raise SystemExit(
            f"recaudo comes from {recaudo.__file__}, not {ROOT}: run with PYTHONPATH={ROOT}"
        )
    broker = start_broker()
    store = private_redis()
    try:
        settings = local_settings(
            broker.url,
            store.url,
            f"walk{uuid.uuid4().hex[:8]}",
            tenants=TENANT,
            policy_dir=str(POLICIES),
            api_keys=f"{TENANT}:{API_KEY}",
            # Quiet background tasks: the refresher scans once at start, the watch checks once.
            report_refresh_s=3600,
            broker_check_interval_s=3600,
        )
        zone = zone_with_local_hour(range(9, 20))
        walk = asyncio.run(run_walk(settings, zone, cold))
    finally:
        store.stop()
        broker.stop()
    result = {"tree": where, "cold": cold, "zone": zone, **figures(walk)}
    for line in table(result):
        print(line)
    if json_path:
        Path(json_path).write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", metavar="PATH", help="write the figures here")
    parser.add_argument("--cold", action="store_true", help="trace the first event instead")
    args = parser.parse_args()
    main(args.json, args.cold)
