"""Helpers for the pure rules tests: build proposals tersely."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from importlib.resources import files
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from recaudo.contracts.events import Channel
from recaudo.rules.base import ContactProposal, HistoryItem, HistoryKind
from recaudo.rules.policy import TenantPolicy, parse_policy

NY = ZoneInfo("America/New_York")
BOGOTA = ZoneInfo("America/Bogota")

ProposalFactory = Callable[..., ContactProposal]


def local(zone: ZoneInfo, y: int, m: int, d: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    """An aware instant from local wall-clock parts."""
    return dt.datetime(y, m, d, hour, minute, tzinfo=zone)


def item(
    at: dt.datetime,
    channel: Channel = Channel.VOICE,
    kind: HistoryKind = HistoryKind.ATTEMPT,
    account_id: str | None = None,
) -> HistoryItem:
    return HistoryItem(channel=channel, at=at, kind=kind, account_id=account_id)


@pytest.fixture
def proposal() -> ProposalFactory:
    def make(**fields: Any) -> ContactProposal:
        values: dict[str, Any] = {
            "jurisdiction": "US",
            "timezone": "America/New_York",
            "channel": Channel.VOICE,
            "at": local(NY, 2025, 6, 10, 12, 0),
        }
        values.update(fields)
        return ContactProposal(**values)

    return make


def collector_policy() -> TenantPolicy:
    """The default policy sent by a third-party debt collector, whom Regulation F binds
    (the default sender is a creditor collecting its own debts, whom it does not)."""
    text = files("recaudo.rules").joinpath("default_policy.toml").read_text(encoding="utf-8")
    text = text.replace("third_party_collector = false", "third_party_collector = true", 1)
    policy = parse_policy(text, "collector.toml")
    assert policy.sender.third_party_collector
    return policy


@pytest.fixture
def collector() -> TenantPolicy:
    return collector_policy()
