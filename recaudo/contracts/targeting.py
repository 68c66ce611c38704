"""How the live strategy picks whom to contact, on which channel and at what hour.

Declared per tenant in the policy file (``[targeting]``). These are business
choices, never law: every legal rule still applies to whatever they pick.

- ``adaptive``: rank by expected incremental recovery (uplift learned from the
  treated against the holdout) times the amount due, minus the contact's cost
  and a cost per recent contact; the bandit picks channel and hour.
- ``amount``: no learning; largest amount due first, the step's first allowed
  channel (a strong rule a lender could write without us).
- ``cadence``: the static cadence; every step contacts, first allowed channel.

``ablate`` switches learned parts of ``adaptive`` off. The decision-quality
benchmark toggles each one to say what it adds (``bench/README.md``); the
shipped policy switches off those that added nothing measurable there (the
uplift estimate and its payday context: ``adaptive`` then ranks by amount due
less the contact's cost, and the bandit still picks channel and hour).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from recaudo.contracts.events import Channel

TargetingMode = Literal["adaptive", "amount", "cadence"]
#: Learned parts of the adaptive strategy: the uplift estimate (off: rank by amount due
#: less cost), the channel/hour bandit (off: the step's first allowed channel, now) and
#: the payday flag of the uplift context (off: every day is alike).
LearnedPart = Literal["uplift", "bandit", "payday"]


class Targeting(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    mode: TargetingMode = "adaptive"
    daily_capacity: int = Field(
        default=0, ge=0, description="Contacts per tenant per day; 0 means no capacity limit"
    )
    debtor_budget: int = Field(
        default=4, ge=1, description="Contacts per debtor per budget_days (policy, not law)"
    )
    budget_days: int = Field(default=14, ge=1, le=90)
    fatigue_cost: float = Field(
        default=0.0, ge=0, description="Reference units charged per contact in the last 7 days"
    )
    explore: float = Field(
        default=0.1,
        ge=0,
        le=1,
        description="Share of decisions taken at random among the allowed options, so a "
        "challenger can be evaluated off-policy from the log",
    )
    min_value: float = Field(
        default=0.0, description="Contact only when expected incremental value minus cost >= this"
    )
    reward_hours: int = Field(
        default=72, ge=1, le=720, description="Window for the channel/hour reward"
    )
    attribution_days: int = Field(
        default=7, ge=1, le=60, description="Window in which a payment counts for the uplift models"
    )
    channel_costs: dict[Channel, float] = Field(
        default={}, description="Cost per contact by channel, in reference units"
    )
    ablate: frozenset[LearnedPart] = Field(
        default=frozenset(),
        description="Learned parts switched off in adaptive mode (uplift, bandit, payday); "
        "the shipped policy switches off uplift and payday (bench/README.md)",
    )
    currency_value: dict[str, float] = Field(
        default={},
        description="Reference units per minor unit of each currency (default 1), so debts in "
        "different currencies rank on one scale",
    )

    def value_of(self, amount_minor: int, currency: str) -> float:
        return amount_minor * self.currency_value.get(currency, 1.0)

    def cost_of(self, channel: Channel) -> float:
        return self.channel_costs.get(channel, 0.0)
