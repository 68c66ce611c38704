"""File intake against the real broker and Redis: a CSV imported, re-imported (nothing sent
twice), an import cut short and resumed, ids the decide stage processed, and the HTTP route."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import orjson
import pytest
import redis.asyncio as aioredis
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from aiokafka import AIOKafkaConsumer, TopicPartition
from click.testing import CliRunner
from prometheus_client import CollectorRegistry

from recaudo.cli import main as cli_main
from recaudo.contracts.topics import Topics
from recaudo.foundation.config import Settings
from recaudo.foundation.kafka import KafkaPublisher, bootstrap_servers
from recaudo.foundation.keys import EVENT_FIELD, Keys
from recaudo.foundation.redis_client import connect
from recaudo.imports import Checkpoints, Converter, Intake, Report, load_mapping, run_import
from recaudo.imports import cli as import_cli
from recaudo.imports.cli import import_file
from recaudo.imports.runner import BrokerNotConfirmed
from recaudo.web import build_web_app
from tests.conftest import SettingsFactory

pytestmark = pytest.mark.integration
MAPPING = Path(__file__).resolve().parents[3] / "examples" / "imports" / "accounts.toml"
HEADER = (
    "loan_id,customer_id,as_of,currency,balance,amount_due,due_date,dpd,status,name,"
    "mobile,sms_ok,email,email_ok,disputed"
)
AUTH = {"Authorization": "Bearer key-acme"}


def csv_file(path: Path, loans: range, *, bad_line: int | None = None) -> Path:
    """Accounts of ``loans`` as of yesterday; the row at ``bad_line`` has a bad dpd."""
    day = (dt.datetime.now(dt.UTC) - dt.timedelta(days=1)).strftime("%d/%m/%Y")
    lines = [HEADER]
    for n in loans:
        dpd = "x" if bad_line == len(lines) + 1 else "12"
        lines.append(
            f"L-{n},C-{n},{day},MXN,1000.00,250.50,{day},{dpd},MORA,Ana,"
            f"+52551234{n:04d},si,c{n}@example.com,no,no"
        )
    path.write_text("\n".join(lines) + "\n")
    return path


async def on_topic(settings: Settings) -> list[str]:
    """Every event id on the accounts topic, read from the beginning."""
    topic = Topics(settings.topic_prefix).accounts
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap_servers(settings.broker_url), group_id=None
    )
    await consumer.start()
    try:
        parts = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        if not parts:
            await consumer.force_metadata_update()
            parts = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        ends = await consumer.end_offsets(parts)
        consumer.assign(parts)
        await consumer.seek_to_beginning(*parts)
        ids: list[str] = []
        while sum(ends.values()) > len(ids):
            for messages in (await consumer.getmany(timeout_ms=500)).values():
                ids.extend(orjson.loads(m.value)["event_id"] for m in messages)
        return ids
    finally:
        await consumer.stop()


@pytest.fixture
def settings(make_settings: SettingsFactory) -> Settings:
    return make_settings(http_produce_chunk=4)


async def test_a_csv_is_imported_once_however_often_it_is_imported(
    settings: Settings, tmp_path: Path
) -> None:
    path = csv_file(tmp_path / "accounts.csv", range(10))
    mapping = load_mapping(MAPPING)
    report = tmp_path / "report.ndjson"
    with report.open("wb") as out:
        first = await import_file(settings, path, mapping, out)
    assert (first.rows, first.sent, first.invalid, first.refused) == (10, 10, 0, False)
    assert report.read_bytes() == b""
    again = await import_file(settings, path, mapping, None)
    assert (again.sent, again.resumed, again.duplicates) == (0, 10, 0)
    ids = await on_topic(settings)
    assert len(ids) == len(set(ids)) == 10


async def test_an_invalid_row_refuses_the_file_unless_skipped(
    settings: Settings, tmp_path: Path
) -> None:
    path = csv_file(tmp_path / "accounts.csv", range(5), bad_line=4)
    mapping = load_mapping(MAPPING)
    report = tmp_path / "report.ndjson"
    with report.open("wb") as out:
        refused = await import_file(settings, path, mapping, out)
    assert (refused.refused, refused.sent, refused.invalid) == (True, 0, 1)
    [problem] = [orjson.loads(line) for line in report.read_bytes().splitlines()]
    assert (problem["line"], problem["column"], problem["field"]) == (4, "dpd", "days_past_due")
    assert await on_topic(settings) == []
    skipped = await import_file(settings, path, mapping, None, skip_invalid=True)
    assert (skipped.sent, skipped.invalid, skipped.refused) == (4, 1, False)


class FailingPublisher:
    """The real publisher, failing every publish after the first ``allowed``."""

    def __init__(self, real: KafkaPublisher, allowed: int) -> None:
        self.real, self.allowed = real, allowed

    async def publish(self, topic: str, key: str, value: bytes) -> None:
        if self.allowed <= 0:
            raise ConnectionError("the broker went away")
        self.allowed -= 1
        await self.real.publish(topic, key, value)


async def test_an_interrupted_import_resumes_without_sending_twice(
    settings: Settings, tmp_path: Path
) -> None:
    path = csv_file(tmp_path / "accounts.csv", range(10))
    mapping = load_mapping(MAPPING)
    client = connect(settings)
    real = KafkaPublisher(settings.broker_url)
    await real.start()
    try:
        cut = Intake.for_settings(settings, client, FailingPublisher(real, allowed=8))
        checkpoints = Checkpoints(client, Keys(settings.redis_prefix), settings.dedupe_ttl_s)
        with pytest.raises(ConnectionError):
            await run_import(
                lambda: path.open("rb"),
                mapping,
                Converter(mapping),
                cut,
                checkpoints,
                Report(),
                chunk=4,
            )
        assert len(await on_topic(settings)) == 8  # two chunks acked, the third failed
    finally:
        await real.stop()
        await client.aclose()
    resumed = await import_file(settings, path, mapping, None)
    assert (resumed.resumed, resumed.sent) == (8, 2)
    ids = await on_topic(settings)
    assert len(ids) == len(set(ids)) == 10


async def test_rows_the_broker_did_not_confirm_are_sent_again(
    settings: Settings, tmp_path: Path
) -> None:
    """A broker that restarted empty acknowledged the third chunk: the import stops
    before its checkpoint passes it, and the re-run sends that chunk again."""
    path = csv_file(tmp_path / "accounts.csv", range(10))
    mapping = load_mapping(MAPPING)
    client = connect(settings)
    publisher = KafkaPublisher(settings.broker_url)
    await publisher.start()
    answers = iter([True, True, False])

    async def confirm() -> bool | None:
        return next(answers)

    try:
        checkpoints = Checkpoints(client, Keys(settings.redis_prefix), settings.dedupe_ttl_s)
        with pytest.raises(BrokerNotConfirmed, match="after line 9 are not marked sent"):
            await run_import(
                lambda: path.open("rb"),
                mapping,
                Converter(mapping),
                Intake.for_settings(settings, client, publisher),
                checkpoints,
                Report(),
                chunk=4,
                confirm=confirm,
            )
    finally:
        await publisher.stop()
        await client.aclose()
    again = await import_file(settings, path, mapping, None)
    assert (again.resumed, again.sent) == (8, 2), "the unconfirmed chunk is sent again"


async def test_ids_the_decide_stage_processed_are_not_sent_again(
    settings: Settings, tmp_path: Path, redis: aioredis.Redis
) -> None:
    mapping = load_mapping(MAPPING)
    await import_file(settings, csv_file(tmp_path / "monday.csv", range(4)), mapping, None)
    # What the decide stage's commit does to each claimed id (streams.store): mark it "+".
    for debtor in range(4):
        key = Keys(settings.redis_prefix).debtor_hash("acme", f"C-{debtor}")
        for field, mark in (await redis.hgetall(key)).items():
            assert isinstance(field, bytes)
            assert isinstance(mark, bytes)
            if field not in (b"e~#", b"e~^") and field.startswith(EVENT_FIELD.encode()):
                await redis.hset(key, field, mark + b"+")
    # Another file (so no checkpoint) repeating those rows, with two new ones.
    overlap = await import_file(settings, csv_file(tmp_path / "tue.csv", range(6)), mapping, None)
    assert (overlap.sent, overlap.duplicates, overlap.resumed) == (2, 4, 0)
    assert len(set(await on_topic(settings))) == len(await on_topic(settings)) == 6


async def test_the_cli_prints_the_summary_and_fails_a_refused_file(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(import_cli, "load_settings", lambda: settings)
    good = csv_file(tmp_path / "good.csv", range(3))
    args = [str(good), "--mapping", str(MAPPING), "--quiet"]
    # CliRunner runs the command's own asyncio.run: off this test's event loop.
    done = await asyncio.to_thread(CliRunner().invoke, import_cli.import_command, args)
    assert done.exit_code == 0, done.output
    assert orjson.loads(done.stdout)["sent"] == 3
    bad = csv_file(tmp_path / "bad.csv", range(3), bad_line=2)
    report = tmp_path / "r.ndjson"
    args = [str(bad), "--mapping", str(MAPPING), "--report", str(report)]
    done = await asyncio.to_thread(CliRunner().invoke, import_cli.import_command, args)
    assert done.exit_code == 1
    assert "nothing sent: 1 invalid row(s)" in done.stderr
    assert "validating" in done.stderr  # the progress bar
    assert orjson.loads(report.read_bytes())["column"] == "dpd"


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[TestClient[web.Request, web.Application]]:
    app = build_web_app(settings, CollectorRegistry())
    async with TestClient(TestServer(app)) as test_client:
        yield test_client


def form(mapping: bytes, file: bytes) -> aiohttp.FormData:
    data = aiohttp.FormData()
    data.add_field("mapping", mapping, filename="map.toml", content_type="application/toml")
    data.add_field("file", file, filename="accounts.csv", content_type="text/csv")
    return data


async def test_the_http_route_imports_once_and_checks_the_tenant(
    client: TestClient[web.Request, web.Application], settings: Settings, tmp_path: Path
) -> None:
    body = csv_file(tmp_path / "a.csv", range(5)).read_bytes()
    mapping = MAPPING.read_bytes()
    resp = await client.post("/v1/imports", data=form(mapping, body), headers=AUTH)
    assert resp.status == 202, await resp.text()
    assert {k: (await resp.json())[k] for k in ("rows", "sent", "invalid")} == {
        "rows": 5,
        "sent": 5,
        "invalid": 0,
    }
    again = await client.post("/v1/imports", data=form(mapping, body), headers=AUTH)
    assert (await again.json())["sent"] == 0
    assert len(await on_topic(settings)) == 5

    other = mapping.replace(b'tenant_id = "acme"', b'tenant_id = "globex"')
    resp = await client.post("/v1/imports", data=form(other, body), headers=AUTH)
    assert resp.status == 400
    assert (await resp.json())["error"]["code"] == "wrong_tenant"

    bad = csv_file(tmp_path / "b.csv", range(10, 13), bad_line=3).read_bytes()
    resp = await client.post("/v1/imports", data=form(mapping, bad), headers=AUTH)
    assert resp.status == 400
    refused = await resp.json()
    assert refused["error"]["code"] == "invalid_events"
    assert [(e["line"], e["column"]) for e in refused["errors"]] == [(3, "dpd")]
    resp = await client.post("/v1/imports?skip_invalid=true", data=form(mapping, bad), headers=AUTH)
    assert resp.status == 202
    assert ((await resp.json())["sent"], (await resp.json())["invalid"]) == (2, 1)

    resp = await client.post("/v1/imports", data=body, headers=AUTH)
    assert resp.status == 400
    assert (await resp.json())["error"]["parameter"] == "Content-Type"
    assert (await client.post("/v1/imports", data=form(mapping, body))).status == 401


async def test_a_part_over_its_limit_is_a_413_naming_it(
    client: TestClient[web.Request, web.Application],
) -> None:
    """Once a TypeError (a 500): aiohttp's 413 requires ``max_size``."""
    mapping = MAPPING.read_bytes() + b"#" * (64 * 1024)
    resp = await client.post("/v1/imports", data=form(mapping, b""), headers=AUTH)
    assert resp.status == 413
    error = (await resp.json())["error"]
    assert (error["code"], error["parameter"]) == ("payload_too_large", "mapping")


async def test_a_row_repeated_chunks_apart_is_published_once(
    settings: Settings, tmp_path: Path
) -> None:
    """Once published twice: the ids seen were forgotten at each chunk (here of 4 rows)."""
    path = csv_file(tmp_path / "accounts.csv", range(6))
    lines = path.read_text().splitlines()
    path.write_text("\n".join([*lines, lines[1]]) + "\n")
    summary = await import_file(settings, path, load_mapping(MAPPING), None)
    assert (summary.rows, summary.sent, summary.duplicates) == (7, 6, 1)
    ids = await on_topic(settings)
    assert len(ids) == len(set(ids)) == 6


async def test_an_unknown_encoding_is_a_400_and_a_cli_error(
    client: TestClient[web.Request, web.Application],
    settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Once a LookupError as the file was opened: a 500, a CLI traceback."""
    mapping = b'encoding = "nope"\n' + MAPPING.read_bytes()
    body = csv_file(tmp_path / "a.csv", range(2)).read_bytes()
    resp = await client.post("/v1/imports", data=form(mapping, body), headers=AUTH)
    assert resp.status == 400
    error = (await resp.json())["error"]
    assert (error["code"], error["parameter"]) == ("invalid_parameter", "mapping")
    assert "encoding" in error["message"]

    monkeypatch.setattr(import_cli, "load_settings", lambda: settings)
    (tmp_path / "map.toml").write_bytes(mapping)
    args = ["import", str(tmp_path / "a.csv"), "--mapping", str(tmp_path / "map.toml")]
    done = await asyncio.to_thread(CliRunner().invoke, cli_main, args)  # its error handling
    assert done.exit_code == 1
    assert "map.toml: encoding: " in done.stderr
