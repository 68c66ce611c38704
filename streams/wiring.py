"""Builds the pipeline's parts from settings: the one place they are wired together."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import redis.asyncio as aioredis
from prometheus_client import CollectorRegistry

from recaudo import rules
from recaudo.channels.content import Composer, PayLinks
from recaudo.channels.dispatch.ledger import ContactLedger
from recaudo.channels.dispatch.redispatch import Redispatch
from recaudo.channels.dispatch.stage import Dispatching, DispatchStage
from recaudo.channels.opt_out import detect_opt_out
from recaudo.channels.outbound import DeliveryLoop, EndpointStore, FanOut, Outbox, UrlGuard
from recaudo.channels.outbound.delivery import endpoint_breakers
from recaudo.channels.outbound.metrics import OutboundMetrics
from recaudo.contracts.metrics import PipelineMetrics
from recaudo.contracts.ports import Learner
from recaudo.contracts.schedule import Schedule
from recaudo.contracts.topics import Topics
from recaudo.foundation.clock import WALL_CLOCK, Clock
from recaudo.foundation.config import Settings
from recaudo.foundation.keys import Keys
from recaudo.foundation.redis_client import connect
from recaudo.foundation.state_marker import StateMarker
from recaudo.models import AttributionBook, CheckpointStore, ModelMetrics, SegmentPriorStore
from recaudo.models.capacity import CapacityBook
from recaudo.models.online import OnlineLearning
from recaudo.models.uplift import UpliftBook
from recaudo.rules.caps import CapLedger, PolicyCaps
from recaudo.rules.policy import TenantPolicy
from recaudo.rules.tenants import TenantPolicies
from recaudo.streams.baseline import PreferenceOrder
from recaudo.streams.decision.decider import Decider
from recaudo.streams.decision_stage import DecisionStage
from recaudo.streams.event_ids import EventDigests
from recaudo.streams.journal import Journal
from recaudo.streams.store import StateStore
from recaudo.streams.tasks import TaskStore
from recaudo.streams.timer import ScheduleTimer


class RulesCompliance:
    """rules.evaluate with the proposal's tenant policy, behind the Compliance port."""

    def __init__(self, policies: Callable[[str], TenantPolicy]) -> None:
        self._policies = policies

    def evaluate(self, proposal: rules.ContactProposal) -> rules.Verdict:
        return rules.evaluate(proposal, self._policies(proposal.tenant_id))


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
    dispatcher: Dispatching
    redispatch: Redispatch
    learning: OnlineLearning | None
    tenants: frozenset[str]
    timer: ScheduleTimer
    clock: Clock
    # Unset: no state-loss guard (tests of the stages alone).
    marker: StateMarker | None = None
    # Outbound webhooks (channels.outbound): the stream side and the delivery loop.
    outbound: FanOut | None = None
    webhooks: DeliveryLoop | None = None

    async def close(self) -> None:
        close = getattr(self.dispatcher, "close", None)
        if close is not None:
            await close()
        await self.redis.aclose()


def build_learning(
    client: aioredis.Redis,
    keys: Keys,
    registry: CollectorRegistry,
    policies: Callable[[str], TenantPolicy],
    clock: Clock = WALL_CLOCK,
) -> OnlineLearning:
    return OnlineLearning(
        priors=SegmentPriorStore(client, keys, clock=clock),
        attribution=AttributionBook(client, keys),
        checkpoints=CheckpointStore(client, keys),
        metrics=ModelMetrics(registry),
        legal_opt_out=detect_opt_out,
        uplift=UpliftBook(client, keys),
        capacity=CapacityBook(client, keys),
        targeting_for=lambda tenant_id: policies(tenant_id).targeting,
        clock=clock,
    )


def pay_links(settings: Settings) -> PayLinks:
    return PayLinks(
        settings.pay_link_secret.get_secret_value(),
        settings.public_base_url,
        dt.timedelta(seconds=settings.pay_link_ttl_s),
    )


def build_wiring(
    settings: Settings,
    *,
    registry: CollectorRegistry,
    dispatcher_factory: Callable[[aioredis.Redis, Keys, ContactLedger], Dispatching],
    learner: Learner | None = None,
    clock: Clock = WALL_CLOCK,
) -> Wiring:
    client = connect(settings)
    keys = Keys(settings.redis_prefix)
    topics = Topics(settings.topic_prefix)
    tenants = settings.served_tenants()
    metrics = PipelineMetrics(registry, topics, tenants)
    store = StateStore(client, keys, settings.dedupe_ttl_s, clock=clock)
    schedule = Schedule(client, keys, settings.schedule_shards)
    ledger = ContactLedger(client, keys, settings.contact_ttl_s)
    tenants = settings.served_tenants()
    policies = TenantPolicies(tenants, settings.policy_dir)
    learning = None
    if settings.learning:
        learning = build_learning(client, keys, registry, policies, clock)
    chosen: Learner = learner or learning or PreferenceOrder()
    decider = Decider(
        policy_for=policies,
        compliance=RulesCompliance(policies),
        learner=chosen,
        contact_ttl=dt.timedelta(seconds=settings.contact_ttl_s),
        clock=clock,
        settle=dt.timedelta(seconds=settings.contact_settle_s),
        composer=Composer(policies, pay_links(settings)),
    )
    decision_stage = DecisionStage(
        topics=topics,
        store=store,
        schedule=schedule,
        ledger=ledger,
        caps=PolicyCaps(CapLedger(client, keys), policies),
        decider=decider,
        tenants=tenants,
        metrics=metrics,
        learner_io=learning,
        clock=clock,
        digests=EventDigests(client, keys, settings.dedupe_ttl_s, clock=clock),
        skew=(settings.event_future_skew_s, settings.event_max_age_s),
        tasks=TaskStore(client, keys),
        journal=Journal(client, keys),
    )
    redispatch = Redispatch(client, keys, schedule, settings.contact_ttl_s)
    dispatcher = dispatcher_factory(client, keys, ledger)
    dispatch_stage = DispatchStage(topics, dispatcher, redispatch, metrics, clock)
    timer = ScheduleTimer(
        schedule=schedule,
        redispatch=redispatch,
        topics=topics,
        metrics=metrics,
        clock=clock,
        tenants=tenants,
        learning=learning,
    )
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
        dispatcher=dispatcher,
        redispatch=redispatch,
        learning=learning,
        tenants=tenants,
        timer=timer,
        clock=clock,
        marker=StateMarker(client, keys, registry),
        outbound=FanOut(EndpointStore(client, keys), Outbox(client, keys), clock, topics.prefix),
        webhooks=build_webhooks(settings, client, keys, registry, clock),
    )


def build_webhooks(
    settings: Settings,
    client: aioredis.Redis,
    keys: Keys,
    registry: CollectorRegistry,
    clock: Clock,
) -> DeliveryLoop:
    breakers = endpoint_breakers(clock)
    return DeliveryLoop(
        EndpointStore(client, keys),
        Outbox(client, keys),
        guard=UrlGuard(
            allow_http=settings.webhook_allow_http, allow_private=settings.webhook_allow_private
        ),
        clock=clock,
        breakers=breakers,
        metrics=OutboundMetrics(registry, breakers),
        timeout_s=settings.webhook_timeout_s,
    )
