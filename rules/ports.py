"""What the decision stage reads of a tenant policy and asks of the compliance
rules, in the rules' own types.

``streams`` is written against these (``streams.wiring`` plugs in
``rules.policy.TenantPolicy`` and ``rules.engine.evaluate``); the smaller ports
every domain shares are on the ground floor, ``contracts.ports``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from recaudo.contracts.ports import AssignmentLike, StepLike
from recaudo.contracts.targeting import Targeting
from recaudo.rules.assistant_policy import AssistantPolicy
from recaudo.rules.base import ContactProposal, Verdict
from recaudo.rules.credit_bureau import CreditBureauNotices
from recaudo.rules.reminder_policy import Reminders


class ContactPolicy(Protocol):
    """A tenant's declarative strategy (rules.policy.TenantPolicy)."""

    @property
    def version(self) -> str: ...

    @property
    def targeting(self) -> Targeting: ...

    def cadence_step(
        self, days_past_due: int, segment: str | None = None, arm: str | None = None
    ) -> StepLike | None: ...

    def template_for(self, step: StepLike, language: str) -> str: ...

    @property
    def assistant(self) -> AssistantPolicy: ...

    @property
    def messages(self) -> Mapping[str, object]: ...

    @property
    def templates(self) -> Mapping[str, Mapping[str, str]]: ...

    def assign(self, tenant_id: str, debtor_id: str) -> AssignmentLike: ...

    @property
    def reminders(self) -> Reminders: ...

    @property
    def credit_bureau(self) -> CreditBureauNotices: ...


class Compliance(Protocol):
    def evaluate(self, proposal: ContactProposal) -> Verdict: ...
