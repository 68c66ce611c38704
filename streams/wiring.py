"""Builds the pipeline's parts from settings: the one place they are wired together."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import redis.asyncio as aioredis
from prometheus_client import CollectorRegistry

import rules
from recaudo.config import Settings
from recaudo.keys import Keys
from recaudo.redis_client import connect
from streams.baseline import BaselineCadence, PreferenceOrder
from streams.contact_ledger import ContactLedger
from streams.decide import Decider
from streams.dispatch import Dispatcher, DispatchStage
from streams.metrics import PipelineMetrics
from streams.pipeline import DecisionStage
from streams.ports import CapGate, ChannelChooser, Compliance, ContactPolicy
from streams.schedule import Schedule
from streams.store import StateStore
from streams.topics import Topics


class RulesCompliance:
    """rules.evaluate behind the Compliance port."""

    def evaluate(self, proposal: rules.ContactProposal) -> rules.Verdict:
        return rules.evaluate(proposal)


@dataclass
class Wiring:
    settings: Settings
    redis: aioredis.Redis
    keys: Keys
    topics: Topics
    metrics: PipelineMetrics
    store: StateStore
    schedule: Schedule
    ledger: ContactLedger
    decision_stage: DecisionStage
    dispatch_stage: DispatchStage

    async def close(self) -> None:
        await self.redis.aclose()


def tenants_of(settings: Settings) -> frozenset[str]:
    named = {t.strip() for t in settings.tenants.split(",") if t.strip()}
    return frozenset(named | set(settings.tenant_keys().values()))


def build_wiring(
    settings: Settings,
    *,
    registry: CollectorRegistry,
    dispatcher_factory: Callable[[aioredis.Redis, Keys, ContactLedger], Dispatcher],
    policy_for: Callable[[str], ContactPolicy] | None = None,
    compliance: Compliance | None = None,
    chooser: ChannelChooser | None = None,
    caps: CapGate | None = None,
) -> Wiring:
    client = connect(settings)
    keys = Keys(settings.redis_prefix)
    topics = Topics(settings.topic_prefix)
    metrics = PipelineMetrics(registry)
    store = StateStore(client, keys, settings.dedupe_ttl_s)
    schedule = Schedule(client, keys, settings.schedule_shards)
    ledger = ContactLedger(client, keys, settings.contact_ttl_s)
    cadence = BaselineCadence()
    decider = Decider(
        policy_for=policy_for or (lambda _tenant: cadence),
        compliance=compliance or RulesCompliance(),
        chooser=chooser or PreferenceOrder(),
        contact_ttl=dt.timedelta(seconds=settings.contact_ttl_s),
    )
    decision_stage = DecisionStage(
        topics=topics,
        store=store,
        schedule=schedule,
        ledger=ledger,
        caps=caps,
        decider=decider,
        tenants=tenants_of(settings),
        metrics=metrics,
        policy_version=cadence.version,
    )
    dispatch_stage = DispatchStage(topics, dispatcher_factory(client, keys, ledger), metrics)
    return Wiring(
        settings=settings,
        redis=client,
        keys=keys,
        topics=topics,
        metrics=metrics,
        store=store,
        schedule=schedule,
        ledger=ledger,
        decision_stage=decision_stage,
        dispatch_stage=dispatch_stage,
    )
