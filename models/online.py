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
import datetime as dt
import logging
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import cast

from recaudo.models.attribution import AttributionBook, Labelled
from recaudo.models.bandit import ChannelBandit, DebtorArms, SegmentPrior
from recaudo.models.checkpoint import CheckpointStore
from recaudo.models.features import ContactFeatures
from recaudo.models.intent import IntentClassifier
from recaudo.models.metrics import ModelMetrics
from recaudo.models.priors import DEFAULT_SEGMENT, ArmOutcome, SegmentPriorStore
from recaudo.models.propensity import PropensityModel
from recaudo.models.slots import slot_of
from recaudo.streams.events import Channel, Intent
from recaudo.streams.ports import ChannelChoice, Outcome
from recaudo.streams.state import DebtorState

log = logging.getLogger(__name__)

LegalOptOut = Callable[[str, str | None], bool]
PROPENSITY = "propensity"
#: Save the propensity model after this many labels.
CHECKPOINT_EVERY = 500


class OnlineLearning:
    def __init__(
        self,
        *,
        priors: SegmentPriorStore,
        attribution: AttributionBook,
        checkpoints: CheckpointStore,
        metrics: ModelMetrics,
        legal_opt_out: LegalOptOut,
        bandit: ChannelBandit | None = None,
        intent: IntentClassifier | None = None,
    ) -> None:
        self._bandit = bandit or ChannelBandit()
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

    # -- the decision core's side (pure) ------------------------------------

    def choose(
        self,
        tenant_id: str,
        state: DebtorState,
        candidates: Sequence[Channel],
        at: dt.datetime,
        seed: str,
    ) -> ChannelChoice:
        slot = slot_of(at, state.tz or "UTC")
        allowed: list[Channel | tuple[Channel, int]] = (
            [(c, slot) for c in candidates] if slot is not None else list(candidates)
        )
        prior = self._priors.get((tenant_id, state.seg or DEFAULT_SEGMENT))
        choice = self._bandit.choose(self._arms(state), prior, allowed, seed)
        features = self._features(state, choice.channel, choice.slot)
        model = self._model(tenant_id)
        scores = {**choice.scores, "propensity": model.score(features)}
        return ChannelChoice(choice.channel, scores, self.versions(tenant_id), context=features)

    def reward(
        self, tenant_id: str, state: DebtorState, contact_id: str, positive: bool
    ) -> Outcome | None:
        emitted = next((e for e in state.emitted if e.cid == contact_id), None)
        if emitted is None or emitted.rewarded or not emitted.at:
            return None
        slot = slot_of(dt.datetime.fromtimestamp(emitted.at, dt.UTC), state.tz or "UTC")
        if slot is None:
            return None
        emitted.rewarded = True
        arms = self._bandit.update(self._arms(state), emitted.ch, slot, positive)
        state.arms = base64.b64encode(self._bandit.encode(arms)).decode()
        self._metrics.observe_reward(emitted.ch, positive)
        return Outcome("arm", ArmOutcome(state.seg or DEFAULT_SEGMENT, emitted.ch, slot, positive))

    def intent(self, text: str, language: str | None) -> tuple[Intent, float, str]:
        return self._intent.classify(text, language, self._legal_opt_out)

    def versions(self, tenant_id: str) -> dict[str, str]:
        return {
            "bandit": self._bandit.version,
            PROPENSITY: self._model(tenant_id).version,
            "intent": self._intent_version,
        }

    # -- the Redis side ------------------------------------------------------

    async def before_batch(self, wanted: Sequence[tuple[str, str | None]]) -> None:
        by_tenant: dict[str, set[str | None]] = {}
        for tenant_id, segment in wanted:
            by_tenant.setdefault(tenant_id, set()).add(segment)
        for tenant_id, segments in by_tenant.items():
            await self._ensure_model(tenant_id)
            loaded = await self._priors_store.load(tenant_id, segments)
            for segment, prior in loaded.items():
                self._priors[(tenant_id, segment)] = prior

    async def after_commit(self, outcomes: Sequence[tuple[str, str, Outcome]]) -> None:
        arms: dict[str, list[ArmOutcome]] = {}
        opens: list[Awaitable[bool]] = []
        payments: list[tuple[str, str, dt.datetime]] = []
        for tenant_id, debtor_id, outcome in outcomes:
            match outcome.kind:
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
        # Different debtors' books are independent: one round trip's wait for all.
        await asyncio.gather(*opens)
        labelled = await asyncio.gather(
            *(self._attribution.on_payment(t, d, paid_at) for t, d, paid_at in payments)
        )
        for (tenant_id, _, _), labels in zip(payments, labelled, strict=True):
            await self._learn(tenant_id, labels)
        for tenant_id, items in arms.items():
            await self._priors_store.record(tenant_id, items)

    async def expire(self, tenants: Iterable[str], now: dt.datetime) -> None:
        """Contacts whose attribution window closed without a payment are failures."""
        for tenant_id in tenants:
            await self._ensure_model(tenant_id)
            await self._learn(tenant_id, await self._attribution.expire(tenant_id, now))

    # -- helpers -------------------------------------------------------------

    def _arms(self, state: DebtorState) -> DebtorArms:
        raw = base64.b64decode(state.arms) if state.arms else None
        return self._bandit.decode(raw)

    @staticmethod
    def _features(state: DebtorState, channel: Channel, slot: int) -> ContactFeatures:
        owing = [a for a in state.accounts.values() if a.due > 0] or list(state.accounts.values())
        return ContactFeatures(
            days_past_due=max((a.dpd for a in owing), default=0),
            balance_minor=sum(a.bal for a in owing),
            amount_due_minor=sum(a.due for a in owing),
            contacts_so_far=sum(1 for h in state.history if h.kind == "attempt"),
            channel=channel,
            slot=slot,
            segment=state.seg,
        )

    def _model(self, tenant_id: str) -> PropensityModel:
        return self._propensity.setdefault(tenant_id, PropensityModel())

    async def _ensure_model(self, tenant_id: str) -> None:
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
            await self._checkpoints.save(tenant_id, model, model.checkpoint())
            count = 0
        self._labels_since_checkpoint[tenant_id] = count
