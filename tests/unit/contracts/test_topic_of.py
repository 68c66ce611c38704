"""The topic each input event travels on (``topic_of``, issue 28): its type's topic,
except an account snapshot that stops contact (a legal flag, an opt-out), which
goes in the urgent lane on ``urgent-accounts``; and the lanes' topic lists."""

from __future__ import annotations

import typing
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from recaudo.contracts.base import LegalFlag
from recaudo.contracts.events import AnyInputEvent, Event, TaskClosedEvent
from recaudo.contracts.topics import ACCEPTED_ON, BASE_NAMES, TOPIC_OF_TYPE, Topics, topic_of
from tests.unit.streams.test_account_ledger import payment
from tests.unit.streams.test_decide import NOON_UTC, account
from tests.unit.streams.test_journal import RECEIPT, reply
from tests.unit.streams.test_validation_notice import notice

CLOSED = TaskClosedEvent(
    event_id="close-1",
    tenant_id="acme",
    occurred_at=NOON_UTC,
    debtor_id="d1",
    task_id="t-1",
    resolution="resolved",
    closed_by="agent-7",
)

#: One event of every input type, and the topic its type names.
PLAIN: list[tuple[Event, str]] = [
    (account(), "accounts"),
    (notice(), "accounts"),
    (payment(1, 12_000, NOON_UTC), "payments"),
    (RECEIPT, "deliveries"),
    (reply(), "responses"),
    (CLOSED, "task-events"),
]


def opted_out_on(channel: str) -> Any:
    """The test snapshot with its ``channel`` point opted out, the others not."""
    points = [
        {"channel": "sms", "address": "+12125550100", "consent": True},
        {"channel": "email", "address": "d1@example.com", "consent": True},
    ]
    return account(
        contact_points=[{**p, "opted_out": p["channel"] == channel} for p in points],
    )


def test_the_examples_cover_every_input_type() -> None:
    kinds = {model.model_fields["type"].default for model in typing.get_args(AnyInputEvent)}
    assert {str(getattr(event, "type")) for event, _ in PLAIN} == kinds  # noqa: B009
    assert set(TOPIC_OF_TYPE) == kinds


@pytest.mark.parametrize(("event", "topic"), PLAIN, ids=lambda x: getattr(x, "type", x))
def test_an_event_that_stops_nothing_goes_on_its_types_topic(event: Event, topic: str) -> None:
    assert topic_of(event) == topic


@pytest.mark.parametrize("flag", list(LegalFlag))
def test_a_snapshot_raising_any_legal_flag_goes_on_urgent_accounts(flag: LegalFlag) -> None:
    assert topic_of(account(flags={flag.value: True})) == "urgent-accounts"


@pytest.mark.parametrize("channel", ["sms", "email"])
def test_a_snapshot_with_an_opted_out_contact_point_goes_on_urgent_accounts(channel: str) -> None:
    assert topic_of(opted_out_on(channel)) == "urgent-accounts"


def test_a_point_without_consent_is_not_an_opt_out() -> None:
    unconsented = account(
        contact_points=[{"channel": "sms", "address": "+12125550100", "consent": False}]
    )
    assert topic_of(unconsented) == "accounts"


@given(
    flags=st.fixed_dictionaries({flag.value: st.booleans() for flag in LegalFlag}),
    opted_out=st.lists(st.booleans(), min_size=0, max_size=3),
)
def test_urgent_exactly_when_a_flag_is_raised_or_a_point_opted_out(
    flags: dict[str, bool], opted_out: list[bool]
) -> None:
    channels = ["sms", "email", "whatsapp"]
    addresses = {"sms": "+12125550100", "email": "d1@example.com", "whatsapp": "+12125550100"}
    points = [
        {"channel": ch, "address": addresses[ch], "consent": True, "opted_out": out}
        for ch, out in zip(channels, opted_out, strict=False)
    ]
    event = account(flags=flags, contact_points=points)
    urgent = any(flags.values()) or any(opted_out)
    assert topic_of(event) == ("urgent-accounts" if urgent else "accounts")
    # What the intake publishes, the decision stage accepts.
    assert topic_of(event) in ACCEPTED_ON["account"]


def test_every_event_is_accepted_where_it_is_published() -> None:
    flagged = account(flags={"dispute": True})
    for event in [*(e for e, _ in PLAIN), flagged, opted_out_on("sms")]:
        assert topic_of(event) in ACCEPTED_ON[str(getattr(event, "type"))]  # noqa: B009


def test_only_an_account_is_accepted_on_urgent_accounts() -> None:
    assert ACCEPTED_ON["account"] == {"accounts", "urgent-accounts"}
    for kind, base in TOPIC_OF_TYPE.items():
        if kind != "account":
            assert ACCEPTED_ON[kind] == {base}, kind


@pytest.mark.parametrize("prefix", ["", "t1-"])
def test_the_decision_inputs_are_both_lanes_once_each(prefix: str) -> None:
    topics = Topics(prefix)
    bulk, urgent = topics.bulk_inputs, topics.urgent_inputs
    assert topics.decision_inputs == (*bulk, *urgent)
    assert len(set(topics.decision_inputs)) == len(topics.decision_inputs), "no duplicates"
    assert not set(bulk) & set(urgent), "each input topic is in one lane"
    # Every input type's topics are read by the decide agents, urgent-accounts too.
    read = {topics.name(base) for bases in ACCEPTED_ON.values() for base in bases}
    assert read <= set(topics.decision_inputs)
    assert {topics.accounts, topics.releases} <= set(bulk)
    assert {topics.payments, topics.urgent_accounts} <= set(urgent)
    assert all(name.startswith(prefix) for name in topics.decision_inputs)


@pytest.mark.parametrize("prefix", ["", "t1-"])
def test_all_topics_include_urgent_accounts_once(prefix: str) -> None:
    topics = Topics(prefix)
    assert topics.urgent_accounts == f"{prefix}urgent-accounts"
    assert topics.all.count(topics.urgent_accounts) == 1
    assert len(set(topics.all)) == len(topics.all)
    assert set(topics.decision_inputs) <= set(topics.all)
    assert BASE_NAMES.urgent_accounts == "urgent-accounts"


def test_topic_of_names_a_base_topic_the_deployment_prefixes() -> None:
    event = account(flags={"bankruptcy": True})
    assert Topics("p-").name(topic_of(event)) == Topics("p-").urgent_accounts
