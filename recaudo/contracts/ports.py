"""What the decision stage and the domains need of each other, as small protocols
and the plain records they pass: the learners (models/), the frequency caps and
cadence steps (rules/), the message composer (channels/).

The stage is written against these so each side can evolve on its own and
tests can run the stage with the real implementations wired in one place
(``streams.wiring``). Ground floor: nothing here imports a domain; what the
stage reads of a tenant policy and asks of the compliance rules, in the rules'
own types, is ``rules.ports``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from recaudo.contracts.events import Channel, Intent
from recaudo.contracts.outputs import MessageContent, Reason
from recaudo.contracts.state import DebtorStateBase
from recaudo.contracts.targeting import Targeting


class StepLike(Protocol):
    """A cadence step: whom to contact at this stage of delinquency, and how."""

    @property
    def step_id(self) -> str: ...

    @property
    def channels(self) -> tuple[Channel, ...]: ...

    @property
    def template(self) -> str: ...


@dataclass(frozen=True, slots=True)
class Step:
    """A step the decision core makes itself (fallback, callback, broken promise)."""

    step_id: str
    channels: tuple[Channel, ...]
    template: str


class AssignmentLike(Protocol):
    @property
    def strategy(self) -> str: ...

    @property
    def arm(self) -> str: ...

    @property
    def holdout(self) -> bool: ...


class CapVerdict(Protocol):
    """``ok``, or the caps that are full (``reasons``) and when they all free."""

    @property
    def ok(self) -> bool: ...

    @property
    def reasons(self) -> tuple[Reason, ...]: ...

    @property
    def retry_at(self) -> dt.datetime | None: ...


@dataclass(frozen=True, slots=True)
class CapResult:
    """A verdict made here: no caps configured means no cap is full."""

    ok: bool
    reasons: tuple[Reason, ...] = ()
    retry_at: dt.datetime | None = None


class CapGate(Protocol):
    """Atomic, idempotent (per contact id) reservation against frequency caps."""

    async def reserve(
        self,
        tenant_id: str,
        debtor_id: str,
        jurisdiction: str,
        contact_id: str,
        channel: Channel,
        at: dt.datetime,
    ) -> CapVerdict: ...

    async def release(self, tenant_id: str, debtor_id: str, contact_id: str) -> None: ...


@dataclass(frozen=True, slots=True)
class Offer:
    """A decision point: the rules allow ``channels`` now (in the step's order).

    ``may_skip``: a cadence step may be left for another day (a callback the
    debtor asked for, or a fallback, may not). ``may_wait``: the hour may still
    be chosen (not for a contact already waiting for its chosen hour).
    """

    tenant_id: str
    state: DebtorStateBase
    account_id: str
    step_id: str
    channels: tuple[Channel, ...]
    at: dt.datetime
    seed: str
    targeting: Targeting
    may_skip: bool
    may_wait: bool
    # A channel chosen earlier for this contact (it waited for its hour), if any.
    preferred: Channel | None = None


@dataclass(frozen=True, slots=True)
class Target:
    """The strategy's answer: a channel now, a channel at a later hour, or skip (None).

    ``options`` are every option it could have taken with their probabilities
    (they sum to one) and ``propensity`` that of the one taken: the log that
    off-policy evaluation of a challenger reads.
    """

    channel: Channel | None
    rule_id: str
    wait_until: dt.datetime | None = None
    options: dict[str, float] = field(default_factory=dict)
    propensity: float | None = None
    features: dict[str, float | str] = field(default_factory=dict)
    scores: dict[str, float] = field(default_factory=dict)
    model_versions: dict[str, str] = field(default_factory=dict)
    # What the learner wants back when the contact's outcome is known (opaque here).
    context: object | None = None


@dataclass(frozen=True, slots=True)
class Outcome:
    """A learner's observation to persist after the batch commits."""

    kind: str
    payload: object


@dataclass(frozen=True, slots=True)
class RollRisk:
    """The roll-risk model's score for a due date, its version, and whether it is
    trained enough (``warm``) to rank a customer out of a reminder."""

    score: float
    version: str
    warm: bool


class Learner(Protocol):
    """The online models, as the pure decision core sees them: synchronous and
    state-in-state-out. Their Redis side effects travel as ``Outcome``s."""

    def target(self, offer: Offer) -> Target: ...

    def context_key(
        self,
        tenant_id: str,
        state: DebtorStateBase,
        account_id: str,
        at: dt.datetime,
        targeting: Targeting,
    ) -> str | None:
        """The uplift context of a decision point (None: this learner keeps no uplift)."""
        ...

    def reward(
        self,
        tenant_id: str,
        state: DebtorStateBase,
        contact_id: str,
        positive: bool,
        weight: int = 1,
    ) -> Outcome | None: ...

    def intent(self, text: str, language: str | None) -> tuple[Intent, float, str]: ...

    def versions(self, tenant_id: str) -> dict[str, str]: ...

    def roll_risk(
        self, tenant_id: str, state: DebtorStateBase, days_to_due: int
    ) -> RollRisk | None:
        """The risk that the watched due date (``state.rem``) rolls; None: no such model."""
        ...

    def roll_label(self, tenant_id: str, state: DebtorStateBase, rolled: bool) -> Outcome | None:
        """The scoring points of the watched due date labelled, to learn after the commit."""
        ...


class LearnerClock(Protocol):
    """The learners' side of the schedule tick: attribution windows that closed."""

    async def expire(self, tenants: Iterable[str], now: dt.datetime) -> None: ...


class LearnerIO(Protocol):
    """The learner's Redis side, around each batch of the decision stage."""

    async def before_batch(self, wanted: Sequence[tuple[str, str | None]]) -> None: ...

    async def after_commit(self, outcomes: Sequence[tuple[str, str, Outcome]]) -> None: ...


class MessageComposer(Protocol):
    """Renders a decided contact's message (channels.content.Composer): the content,
    the reason it may not be sent, or None where the policy has no message texts."""

    def compose(
        self,
        tenant_id: str,
        state: DebtorStateBase,
        account_id: str,
        channel: Channel,
        template: str,
        contact_id: str,
        now: dt.datetime,
        extra: Mapping[str, object] | None = None,
        *,
        debtor_id: str,
    ) -> MessageContent | Reason | None: ...
