"""The static cadence's learner: the first channel of the step that the rules
allow, no learning. It is the baseline the online models are measured against,
and what runs when they are switched off."""

from __future__ import annotations

import datetime as dt

from recaudo.channels.opt_out import detect_opt_out
from recaudo.contracts.events import Intent
from recaudo.contracts.ports import Offer, Outcome, RollRisk, Target
from recaudo.contracts.state import DebtorStateBase
from recaudo.contracts.targeting import Targeting


class PreferenceOrder:
    """Always the first allowed channel, in the step's order."""

    def target(self, offer: Offer) -> Target:
        """Every step contacts, on the first channel the rules allow."""
        first = offer.channels[0]
        return Target(
            channel=first,
            rule_id="strategy.cadence",
            options={first.value: 1.0},
            propensity=1.0,
            model_versions=self.versions(offer.tenant_id),
        )

    def context_key(
        self,
        tenant_id: str,
        state: DebtorStateBase,
        account_id: str,
        at: dt.datetime,
        targeting: Targeting,
    ) -> str | None:
        del tenant_id, state, account_id, at, targeting
        return None

    def reward(
        self,
        tenant_id: str,
        state: DebtorStateBase,
        contact_id: str,
        positive: bool,
        weight: int = 1,
    ) -> Outcome | None:
        del tenant_id, state, contact_id, positive, weight
        return None

    def intent(self, text: str, language: str | None) -> tuple[Intent, float, str]:
        """Only the legal opt-out words: no classifier in the static setup."""
        if detect_opt_out(text, language):
            return Intent.OPT_OUT, 1.0, "rules"
        return Intent.OTHER, 0.0, "none"

    def versions(self, tenant_id: str) -> dict[str, str]:
        del tenant_id
        return {"channel": "static"}

    def roll_risk(
        self, tenant_id: str, state: DebtorStateBase, days_to_due: int
    ) -> RollRisk | None:
        """No roll model in the static setup: every eligible customer is reminded."""
        del tenant_id, state, days_to_due
        return None

    def roll_label(self, tenant_id: str, state: DebtorStateBase, rolled: bool) -> Outcome | None:
        del tenant_id, state, rolled
        return None
