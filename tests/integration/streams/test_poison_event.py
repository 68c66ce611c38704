"""An event the decision core cannot handle is dead-lettered with the error and
its partial changes undone; the rest of its batch is decided as usual."""

from __future__ import annotations

import time

import orjson
import pytest

from recaudo.contracts.ports import Offer, Target
from recaudo.foundation.config import Settings
from recaudo.streams.baseline import PreferenceOrder
from recaudo.streams.decision_stage import Inbound
from tests.conftest import SettingsFactory
from tests.integration.harness import (
    account_event,
    address_for,
    dry_run_wiring,
    zone_with_local_hour,
)

pytestmark = pytest.mark.integration


class BrokenForOneDebtor(PreferenceOrder):
    """A learner with a bug that only one debtor's data triggers."""

    def target(self, offer: Offer) -> Target:
        if any(p.addr == address_for("sms", "poison") for p in offer.state.points):
            raise ZeroDivisionError("learner bug")
        return super().target(offer)


def record(settings: Settings, event: dict[str, object], offset: int) -> Inbound:
    return Inbound(
        topic=f"{settings.topic_prefix}accounts",
        partition=0,
        offset=offset,
        key=str(event["debtor_id"]).encode(),
        value=orjson.dumps(event),
        timestamp=time.time(),
    )


async def test_poison_event_is_dead_lettered_and_the_batch_goes_on(
    make_settings: SettingsFactory,
) -> None:
    settings = make_settings()
    wiring = dry_run_wiring(settings, BrokenForOneDebtor())
    zone = zone_with_local_hour(range(10, 19))
    poison = account_event("poison", timezone=zone, channels=("sms",))
    poison["contact_points"] = [
        {"channel": "sms", "address": address_for("sms", "poison"), "consent": True}
    ]
    healthy = account_event("healthy", timezone=zone)
    prepared = await wiring.decision_stage.prepare(
        [record(settings, poison, 1), record(settings, healthy, 2)]
    )
    await wiring.decision_stage.commit(prepared)
    letters = [orjson.loads(o.value) for o in prepared.outputs if o.topic.endswith("dead-letters")]
    assert [(d["key"], d["error_type"]) for d in letters] == [("poison", "DecisionError")]
    assert "ZeroDivisionError: learner bug" in letters[0]["error"]
    assert [d.debtor_id for d in prepared.decisions] == ["healthy"]
    stored = await wiring.store.load([(("acme", "poison"), ["x"])])
    assert stored[("acme", "poison")].state.accounts == {}, "its partial changes were undone"
    await wiring.close()
