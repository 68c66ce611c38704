"""The status machine's answers to receipts out of order (issue 21, part 2), on real Redis.

The property over whole interleavings, through the webhook route, the broker and
the decision stage, is ``tests/integration/channels/test_receipt_races.py``;
these are the races it covers, one at a time.
"""

from __future__ import annotations

import pytest
import redis.asyncio as aioredis

from recaudo.channels.dispatch.ledger import ContactLedger, ContactStatus
from recaudo.channels.status_machine import NOT_ADVANCED, OWN_EFFECT, StatusMachine
from recaudo.contracts.events import DeliveryStatus
from recaudo.foundation.keys import Keys
from recaudo.streams.receipts import ENGAGED, HARD_FAILURES, REWARDS

S = DeliveryStatus


@pytest.fixture
def machine(redis: aioredis.Redis, unique: str) -> StatusMachine:
    return StatusMachine(redis, Keys(unique), ttl_s=60)


async def rank(machine: StatusMachine) -> int | None:
    return (await machine.ranks("t", "d")).get("c")


@pytest.mark.parametrize(
    ("first", "then"),
    [
        (S.UNSUBSCRIBED, S.COMPLAINED),  # the report's complaint flag
        (S.COMPLAINED, S.CLICKED),  # the report's right-party contact
        (S.DELIVERED, S.BOUNCED),  # an asynchronous bounce: the address is dead
        (S.CLICKED, S.ANSWERED),
    ],
)
async def test_an_effect_after_a_higher_status_is_published_once(
    machine: StatusMachine, first: DeliveryStatus, then: DeliveryStatus
) -> None:
    assert await machine.advance("t", "d", "c", first) == -1
    shown = await rank(machine)
    assert await machine.advance("t", "d", "c", then) == shown
    assert await rank(machine) == shown, "the shown status did not move back"
    assert await machine.advance("t", "d", "c", then) == NOT_ADVANCED, "only once"


@pytest.mark.parametrize(
    ("first", "then"),
    [(S.DELIVERED, S.SENT), (S.READ, S.DELIVERED), (S.CLICKED, S.DELIVERED), (S.READ, S.OPENED)],
)
async def test_a_progress_status_after_a_higher_one_says_nothing_new(
    machine: StatusMachine, first: DeliveryStatus, then: DeliveryStatus
) -> None:
    await machine.advance("t", "d", "c", first)
    shown = await rank(machine)
    assert await machine.advance("t", "d", "c", then) == NOT_ADVANCED
    assert await rank(machine) == shown


async def test_a_receipt_answered_while_a_higher_one_fails_to_publish_is_kept(
    machine: StatusMachine,
) -> None:
    """Before: the failed publish put the previous rank back, and the read (answered
    2xx as stale while the unsubscribe was in flight) was gone for good."""
    await machine.advance("t", "d", "c", S.DELIVERED)
    assert await machine.advance("t", "d", "c", S.UNSUBSCRIBED) == 2
    assert await machine.advance("t", "d", "c", S.READ) == NOT_ADVANCED  # answered 2xx
    assert await machine.advance("t", "d", "c", S.COMPLAINED) == 6  # published
    await machine.revert("t", "d", "c", S.UNSUBSCRIBED)  # its publish failed: 503
    assert await rank(machine) == 5, "the complaint and the read stay"
    assert await machine.advance("t", "d", "c", S.COMPLAINED) == NOT_ADVANCED
    assert await machine.advance("t", "d", "c", S.UNSUBSCRIBED) == 5, "the retry goes through"


async def test_the_ledger_and_the_delivery_status_share_the_field(
    redis: aioredis.Redis, unique: str, machine: StatusMachine
) -> None:
    """A webhook may step the status while the dispatcher still holds its claim."""
    ledger = ContactLedger(redis, Keys(unique), ttl_s=60)
    assert await ledger.claim("t", "d", "c") == "claimed"
    await machine.advance("t", "d", "c", S.DELIVERED)
    await ledger.mark("t", "d", "c", ContactStatus.SENT)
    assert await ledger.status("t", "d", "c") == "sent"
    assert await machine.advance("t", "d", "c", S.SENT) == NOT_ADVANCED
    assert await rank(machine) == 2
    assert await ledger.cancel("t", "d", "c") == "sent"


async def test_a_status_stored_in_the_earlier_form_counts_as_its_rank(
    redis: aioredis.Redis, unique: str, machine: StatusMachine
) -> None:
    """``<ledger>/<rank>``, written before kinds were kept: read as its rank's first kind."""
    await redis.hset(machine.key("t", "d"), "c", "sent/2")
    assert await rank(machine) == 2
    assert await machine.advance("t", "d", "c", S.DELIVERED) == NOT_ADVANCED
    assert await machine.advance("t", "d", "c", S.BOUNCED) == 2
    assert await machine.advance("t", "d", "c", S.OPENED) == 2
    assert await rank(machine) == 3
    assert await ContactLedger(redis, Keys(unique), 60).status("t", "d", "c") == "sent"


def test_every_status_the_decision_stage_acts_on_is_published_whatever_came_first() -> None:
    acted_on = set(REWARDS) | ENGAGED | HARD_FAILURES | {S.COMPLAINED, S.UNSUBSCRIBED}
    assert acted_on <= OWN_EFFECT
