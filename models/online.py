"""The learners as the decision stage runs them.

Synchronous and pure where the decision core calls them (``choose``,
``reward``, ``intent``): the channel/hour bandit's per-debtor counts live in
the debtor's state and change with it, atomically. The Redis side (segment
priors, delayed-label attribution, model checkpoints) runs around each batch
(``before_batch``, ``after_commit``) and on the schedule tick (``expire``).
A crash between a batch's commit and ``after_commit`` loses those learning
signals, never a decision; they are not replayed twice either.
"""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import datetime as dt
import logging
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import TypeVar, cast

from recaudo.contracts.events import Channel, Intent
from recaudo.contracts.ports import Offer, Outcome, RollRisk, Target
from recaudo.contracts.state import DebtorStateBase
from recaudo.contracts.targeting import Targeting
from recaudo.foundation.clock import WALL_CLOCK, Clock
from recaudo.models.attribution import AttributionBook, Labelled
from recaudo.models.bandit import ChannelBandit, DebtorArms, SegmentPrior
from recaudo.models.capacity import CapacityBook, DayCapacity
from recaudo.models.checkpoint import CheckpointStore
from recaudo.models.features import ContactFeatures
from recaudo.models.intent import IntentClassifier
from recaudo.models.metrics import ModelMetrics
from recaudo.models.priors import DEFAULT_SEGMENT, ArmOutcome, SegmentPriorStore
from recaudo.models.propensity import PropensityModel
from recaudo.models.roll_risk import RollFeatures, RollRiskModel
from recaudo.models.shared_linear import SharedLogistic
from recaudo.models.slots import slot_of
from recaudo.models.strategy import LiveStrategy, Models, context_of
from recaudo.models.uplift import Observation, UpliftBook, UpliftModel

log = logging.getLogger(__name__)
S = TypeVar("S", bound=SharedLogistic)

LegalOptOut = Callable[[str, str | None], bool]
PROPENSITY = "propensity"
ROLL_RISK = "roll_risk"
#: Merge the propensity model into the shared one after this many labels.
CHECKPOINT_EVERY = 500
#: The same for the roll-risk model: a label per reminder step, far fewer of them.
ROLL_CHECKPOINT_EVERY = 50
MERGE_TRIES = 5
#: Re-read the shared uplift sums at most this often (clock seconds).
UPLIFT_REFRESH_S = 600.0
#: Per-arm evidence is halved past this many outcomes, so old habits fade.
ARM_MEMORY = 16


def promises_broken(state: DebtorStateBase) -> int:
    """Promises made and not kept, less the one still running (from the outcome summary)."""
    out = state.out
    if out is None:
        return 0
    return max(0, out.prom - out.kept - (1 if state.promise_until is not None else 0))


class OnlineLearning:
    def __init__(
        self,
        *,
        priors: SegmentPriorStore,
        attribution: AttributionBook,
        checkpoints: CheckpointStore,
        metrics: ModelMetrics,
        legal_opt_out: LegalOptOut,
        uplift: UpliftBook,
        capacity: CapacityBook,
        targeting_for: Callable[[str], Targeting],
        clock: Clock = WALL_CLOCK,
        bandit: ChannelBandit | None = None,
        intent: IntentClassifier | None = None,
    ) -> None:
        self._bandit = bandit or ChannelBandit(max_count=ARM_MEMORY)
        self._strategy = LiveStrategy(self._bandit)
        self._uplift_book = uplift
        self._capacity_book = capacity
        self._targeting_for = targeting_for
        self._clock = clock
        self._uplift: dict[str, tuple[float, UpliftModel]] = {}
        self._capacity: dict[str, DayCapacity] = {}
        self._priors_store = priors
        self._attribution = attribution
        self._checkpoints = checkpoints
        self._metrics = metrics
        self._legal_opt_out = legal_opt_out
        self._intent = intent or IntentClassifier()
        # Hashing the classifier is costly, and it does not learn here: once.
        self._intent_version = self._intent.version
        self._priors: dict[tuple[str, str], SegmentPrior] = {}
        self._propensity: dict[str, PropensityModel] = {}
        self._labels_since_checkpoint: dict[str, int] = {}
        self._roll: dict[str, RollRiskModel] = {}

    # -- the decision core's side (pure) ------------------------------------

    def target(self, offer: Offer) -> Target:
        state = offer.state
        models = Models(
            arms=self._arms(state),
            prior=self._priors.get((offer.tenant_id, state.seg or DEFAULT_SEGMENT)),
            uplift=self._uplift_model(offer.tenant_id),
            capacity=self._capacity.get(offer.tenant_id),
            versions=self.versions(offer.tenant_id),
        )
        target = self._strategy.target(offer, models)
        capacity = models.capacity
        if capacity is not None and offer.may_skip:
            # A morning's wave is decided in one batch, before the shared counts move:
            # count this batch's admissions (and a first day's candidates) here too.
            value = target.features.get("value")
            self._capacity[offer.tenant_id] = capacity.judged(
                value if isinstance(value, float) else None, target.channel is not None
            )
        if target.channel is None:
            return target
        slot = int(target.scores.get("slot", -1))
        if slot < 0:
            slot = slot_of(offer.at, state.tz or "UTC") or 0
        features = self._features(state, target.channel, slot)
        score = self._model(offer.tenant_id).score(features)
        return dataclasses.replace(
            target, scores=target.scores | {"pay_propensity": score}, context=features
        )

    def context_key(
        self,
        tenant_id: str,
        state: DebtorStateBase,
        account_id: str,
        at: dt.datetime,
        targeting: Targeting,
    ) -> str | None:
        del tenant_id
        return context_of(state, state.accounts[account_id], at, targeting).key

    def reward(
        self,
        tenant_id: str,
        state: DebtorStateBase,
        contact_id: str,
        positive: bool,
        weight: int = 1,
    ) -> Outcome | None:
        emitted = next((e for e in state.emitted if e.contact_id == contact_id), None)
        if emitted is None or emitted.rewarded or not emitted.at:
            return None
        slot = slot_of(dt.datetime.fromtimestamp(emitted.at, dt.UTC), state.tz or "UTC")
        if slot is None:
            return None
        emitted.rewarded = True
        arms = self._arms(state)
        for _ in range(max(1, weight)):
            arms = self._bandit.update(arms, emitted.ch, slot, positive)
        state.arms = base64.b64encode(self._bandit.encode(arms)).decode()
        self._metrics.observe_reward(emitted.ch, positive)
        return Outcome("arm", ArmOutcome(state.seg or DEFAULT_SEGMENT, emitted.ch, slot, positive))

    def intent(self, text: str, language: str | None) -> tuple[Intent, float, str]:
        return self._intent.classify(text, language, self._legal_opt_out)

    def versions(self, tenant_id: str) -> dict[str, str]:
        return {
            "bandit": self._bandit.version,
            "uplift": self._uplift_model(tenant_id).version,
            PROPENSITY: self._model(tenant_id).version,
            "intent": self._intent_version,
        }

    def roll_risk(
        self, tenant_id: str, state: DebtorStateBase, days_to_due: int
    ) -> RollRisk | None:
        if state.rem is None:
            return None
        model = self._roll.setdefault(tenant_id, RollRiskModel())
        score = model.score(RollFeatures.of(state, state.rem, days_to_due))
        return RollRisk(score, model.version, model.warm)

    def roll_label(self, tenant_id: str, state: DebtorStateBase, rolled: bool) -> Outcome | None:
        del tenant_id
        rem = state.rem
        if rem is None or not rem.pts:
            return None
        return Outcome("roll", ([RollFeatures.of(state, rem, d) for d in rem.pts], rolled))

    # -- the Redis side ------------------------------------------------------

    async def before_batch(self, wanted: Sequence[tuple[str, str | None]]) -> None:
        by_tenant: dict[str, set[str | None]] = {}
        for tenant_id, segment in wanted:
            by_tenant.setdefault(tenant_id, set()).add(segment)
        # Every tenant's reads at once: they share the batch's pipeline (redis_batch).
        await asyncio.gather(*(self._load(t, segments) for t, segments in by_tenant.items()))

    async def _load(self, tenant_id: str, segments: set[str | None]) -> None:
        now = self._clock.now()
        await self._ensure_model(tenant_id)
        loaded_at, _ = self._uplift.get(tenant_id, (-float("inf"), None))
        capacity = self._targeting_for(tenant_id).daily_capacity
        uplift, day, priors = await asyncio.gather(
            self._uplift_book.load(tenant_id, now)
            if now.timestamp() - loaded_at >= UPLIFT_REFRESH_S
            else _none(),
            self._capacity_book.load(tenant_id, now.date(), capacity) if capacity > 0 else _none(),
            self._priors_store.load(tenant_id, segments),
        )
        if uplift is not None:
            self._uplift[tenant_id] = (now.timestamp(), uplift)
        if day is not None:
            self._capacity[tenant_id] = day
        for segment, prior in priors.items():
            self._priors[(tenant_id, segment)] = prior

    async def after_commit(self, outcomes: Sequence[tuple[str, str, Outcome]]) -> None:
        arms: dict[str, list[ArmOutcome]] = {}
        opens: list[Awaitable[bool]] = []
        payments: list[tuple[str, str, dt.datetime]] = []
        rolls: dict[str, list[tuple[RollFeatures, bool]]] = {}
        contacts: dict[str, list[dt.date]] = {}
        candidates: dict[str, list[tuple[dt.date, float]]] = {}
        observations: dict[str, list[Observation]] = {}
        for tenant_id, debtor_id, outcome in outcomes:
            match outcome.kind:
                case "contacted":
                    contacts.setdefault(tenant_id, []).append(
                        cast(dt.datetime, outcome.payload).date()
                    )
                case "candidate":
                    at, value = cast(tuple[dt.datetime, float], outcome.payload)
                    candidates.setdefault(tenant_id, []).append((at.date(), value))
                case "uplift":
                    observations.setdefault(tenant_id, []).append(
                        cast(Observation, outcome.payload)
                    )
                case "arm":
                    arms.setdefault(tenant_id, []).append(cast(ArmOutcome, outcome.payload))
                case "contact":
                    contact_id, features, at = cast(
                        tuple[str, ContactFeatures, dt.datetime], outcome.payload
                    )
                    opens.append(
                        self._attribution.open(tenant_id, debtor_id, contact_id, features, at)
                    )
                case "payment":
                    payments.append((tenant_id, debtor_id, cast(dt.datetime, outcome.payload)))
                case "roll":
                    points, rolled = cast(tuple[list[RollFeatures], bool], outcome.payload)
                    rolls.setdefault(tenant_id, []).extend((f, rolled) for f in points)
        # The shared counts are independent of the debtors' books: issued
        # together, they share the batch's pipelines (redis_batch).
        writes: list[Awaitable[object]] = [
            self._priors_store.record(t, items) for t, items in arms.items()
        ]
        writes += [
            self._capacity_book.record(t, contacts.get(t, ()), candidates.get(t, ()))
            for t in contacts.keys() | candidates.keys()
            if self._targeting_for(t).daily_capacity > 0
        ]
        writes += [self._uplift_book.add(t, seen) for t, seen in observations.items()]
        labelled, _ = await asyncio.gather(
            self._attribute(opens, payments), asyncio.gather(*writes)
        )
        for (tenant_id, _, _), labels in zip(payments, labelled, strict=True):
            await self._learn(tenant_id, labels)
        for tenant_id, labelled_points in rolls.items():
            await self._learn_roll(tenant_id, labelled_points)

    async def _attribute(
        self, opens: list[Awaitable[bool]], payments: list[tuple[str, str, dt.datetime]]
    ) -> list[list[Labelled]]:
        # Opened first, so a payment in the same batch as its contact counts for it.
        await asyncio.gather(*opens)
        return list(
            await asyncio.gather(
                *(self._attribution.on_payment(t, d, paid_at) for t, d, paid_at in payments)
            )
        )

    async def expire(self, tenants: Iterable[str], now: dt.datetime) -> None:
        """Contacts whose attribution window closed without a payment are failures."""
        for tenant_id in tenants:
            await self._ensure_model(tenant_id)
            await self._learn(tenant_id, await self._attribution.expire(tenant_id, now))

    # -- helpers -------------------------------------------------------------

    def _arms(self, state: DebtorStateBase) -> DebtorArms:
        raw = base64.b64decode(state.arms) if state.arms else None
        return self._bandit.decode(raw)

    @staticmethod
    def _features(state: DebtorStateBase, channel: Channel, slot: int) -> ContactFeatures:
        owing = [a for a in state.accounts.values() if a.due > 0] or list(state.accounts.values())
        return ContactFeatures(
            days_past_due=max((a.days_past_due for a in owing), default=0),
            balance_minor=sum(a.bal for a in owing),
            amount_due_minor=sum(a.due for a in owing),
            contacts_so_far=sum(1 for h in state.history if h.kind == "attempt"),
            channel=channel,
            slot=slot,
            segment=state.seg,
            promises_broken=promises_broken(state),
        )

    async def _merge(self, tenant_id: str, model: S, cache: dict[str, S]) -> None:
        """Add this worker's learning to the shared model (compare-and-set, retried)."""
        for _ in range(MERGE_TRIES):
            raw = await self._checkpoints.load_raw(tenant_id, model.name)
            stored = type(model).from_json(raw) if raw is not None else None
            merged = model.merged_with(stored)
            if await self._checkpoints.replace(tenant_id, model.name, raw, merged.checkpoint()):
                cache[tenant_id] = merged
                return
        log.warning("%s model of %s not merged after %d tries", model.name, tenant_id, MERGE_TRIES)

    async def _learn_roll(
        self, tenant_id: str, labels: Sequence[tuple[RollFeatures, bool]]
    ) -> None:
        """Due dates that resolved: learn each scoring point, merge every so often."""
        model = self._roll.setdefault(tenant_id, RollRiskModel())
        for features, rolled in labels:
            self._metrics.observe_label(ROLL_RISK, model.score(features), rolled)
            model.learn(features, rolled)
        if model.learned_since >= ROLL_CHECKPOINT_EVERY:
            await self._merge(tenant_id, model, self._roll)

    def _uplift_model(self, tenant_id: str) -> UpliftModel:
        cached = self._uplift.get(tenant_id)
        return cached[1] if cached is not None else UpliftModel()

    def _model(self, tenant_id: str) -> PropensityModel:
        return self._propensity.setdefault(tenant_id, PropensityModel())

    async def _ensure_model(self, tenant_id: str) -> None:
        if tenant_id not in self._roll:
            roll = await self._checkpoints.load(tenant_id, ROLL_RISK, RollRiskModel.from_json)
            self._roll[tenant_id] = roll or RollRiskModel()
        if tenant_id in self._propensity:
            return
        loaded = await self._checkpoints.load(tenant_id, PROPENSITY, PropensityModel.from_json)
        self._propensity[tenant_id] = loaded or PropensityModel()

    async def _learn(self, tenant_id: str, labels: Sequence[Labelled]) -> None:
        if not labels:
            return
        model = self._model(tenant_id)
        for item in labels:
            if item.features is None:
                continue  # stored before features were kept: nothing to learn from
            self._metrics.observe_label(PROPENSITY, model.score(item.features), item.label)
            model.learn(item.features, item.label)
        count = self._labels_since_checkpoint.get(tenant_id, 0) + len(labels)
        if count >= CHECKPOINT_EVERY:
            await self._merge(tenant_id, model, self._propensity)
            count = 0
        self._labels_since_checkpoint[tenant_id] = count


async def _none() -> None:
    return None
