"""JSON log lines that say which tenant, event, decision and contact they are about."""

from __future__ import annotations

import datetime as dt
import io
import logging
from collections.abc import Iterator
from typing import cast

import orjson
import pytest
import structlog
from prometheus_client import CollectorRegistry

from recaudo.channels.dispatch.dispatcher import DispatchResult
from recaudo.channels.dispatch.redispatch import Redispatch
from recaudo.channels.dispatch.stage import DispatchStage
from recaudo.contracts.codec import encode
from recaudo.contracts.metrics import PipelineMetrics
from recaudo.contracts.outputs import ContactCommand
from recaudo.contracts.topics import Topics
from recaudo.logs import RepeatFilter, configure_logging
from recaudo.streams.decision_stage import Inbound

NOW = dt.datetime(2026, 3, 2, 15, 0, tzinfo=dt.UTC)


@pytest.fixture
def lines() -> Iterator[io.StringIO]:
    """Logging configured as the processes do, into a buffer; restored afterwards."""
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    out = io.StringIO()
    configure_logging("info", stream=out)
    yield out
    root.handlers[:], _ = saved
    root.setLevel(saved[1])
    structlog.reset_defaults()


class Exploding:
    async def dispatch(self, command: ContactCommand, now: dt.datetime) -> DispatchResult:
        logging.getLogger("recaudo.channels.test").info("calling the provider")
        raise ValueError("provider SDK bug")


async def test_dispatch_logs_carry_the_contact_decision_and_tenant(lines: io.StringIO) -> None:
    command = ContactCommand(
        contact_id="c-1",
        tenant_id="acme",
        debtor_id="d-1",
        account_id="a-1",
        channel="sms",
        address="+34600111222",
        template="reminder_1",
        language="es",
        send_at=NOW,
        expires_at=NOW + dt.timedelta(hours=1),
        strategy="default",
        arm="champion",
        decision_id="dec-1",
        trigger_event_id="ev-1",
    )
    topics = Topics()
    stage = DispatchStage(
        topics, Exploding(), cast(Redispatch, None), PipelineMetrics(CollectorRegistry())
    )
    record = Inbound(topics.contacts, 0, 1, b"d-1", encode(command), NOW.timestamp())
    out = await stage.handle(record)
    assert out[0].topic == topics.dead_letters
    logged = [orjson.loads(line) for line in lines.getvalue().splitlines()]
    assert [entry["event"] for entry in logged] == [
        "calling the provider",
        "contact c-1 could not be dispatched",
    ]
    for entry in logged:
        assert entry["tenant"] == "acme"
        assert entry["contact_id"] == "c-1"
        assert entry["decision_id"] == "dec-1"
        assert entry["event_id"] == "ev-1"
    assert "ValueError: provider SDK bug" in logged[1]["exception"]
    assert logged[1]["level"] == "error"
    assert "timestamp" in logged[0]


def test_the_demo_renders_the_same_events_for_a_terminal(lines: io.StringIO) -> None:
    out = io.StringIO()
    configure_logging("info", human=True, stream=out)
    with structlog.contextvars.bound_contextvars(tenant="demo"):
        logging.getLogger("recaudo.demo").warning("dry run")
    text = out.getvalue()
    assert "dry run" in text
    assert "tenant=demo" in text
    assert not text.lstrip().startswith("{")


def test_repeated_broker_errors_are_one_line_per_interval_with_a_count(
    lines: io.StringIO,
) -> None:
    """aiokafka's "OffsetCommit failed" per partition per attempt: one line per
    interval, the next saying how many were held back; other loggers untouched."""
    handler = logging.getLogger().handlers[0]
    assert any(isinstance(f, RepeatFilter) for f in handler.filters)  # every process's
    now = [0.0]
    handler.filters[:] = [RepeatFilter(10.0, clock=lambda: now[0])]
    kafka = logging.getLogger("aiokafka.consumer.group_coordinator")
    for tick in range(300):  # 30 s, every 0.1 s, a burst of partitions each time
        now[0] = tick / 10
        for partition in range(10):
            kafka.error("OffsetCommit failed for group %s on partition %s", "g", partition)
    logging.getLogger("recaudo.test").error("ours, kept")
    logging.getLogger("recaudo.test").error("ours, kept")
    logged = [orjson.loads(line) for line in lines.getvalue().splitlines()]
    commits = [e for e in logged if e["logger"] == "aiokafka.consumer.group_coordinator"]
    assert len(commits) == 3  # at 0 s, 10 s and 20 s
    assert [e.get("suppressed") for e in commits] == [None, 999, 999]
    assert all(e["level"] == "error" for e in commits)
    assert [e["event"] for e in logged if e["logger"] == "recaudo.test"] == ["ours, kept"] * 2
