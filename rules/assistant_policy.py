"""The assistant's part of a tenant policy: which payment plans it may offer,
when a case goes to a person, and which message answers each ask.

Business choices, never law: the legal rules (windows, suppressions, notices)
still judge every reply. Amounts are integer minor units per currency.
"""

from __future__ import annotations

from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

Name = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._-]+$")]

#: Every reply the assistant can send, and the message template that says it.
REPLIES = (
    "balance", "pay_link", "promise_ok", "promise_ask", "plan_options", "plan_ok", "plan_none",
    "handoff", "paid_check", "help", "promise_kept",
)  # fmt: skip
#: Why a case goes to a person.
TASK_KINDS = ("dispute", "hardship", "human", "legal")


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class PlanLimits(_Model):
    """What a debtor may choose without a person: ``min..max`` equal instalments, each
    at least ``min_instalment_minor`` of the currency (a currency not listed gets no
    plan), the first ``first_in_days`` from acceptance, then every ``every_days``,
    the last one within ``max_days``."""

    min_instalments: int = Field(default=2, ge=2, le=24)
    max_instalments: int = Field(default=6, ge=2, le=24)
    every_days: int = Field(default=30, ge=7, le=62)
    first_in_days: int = Field(default=7, ge=0, le=31)
    max_days: int = Field(default=180, ge=7, le=730)
    min_instalment_minor: dict[str, int] = {"USD": 2_500, "COP": 5_000_000, "BRL": 5_000}
    #: At most this many options are offered in one message (it must stay short).
    max_options: int = Field(default=3, ge=1, le=5)

    @model_validator(mode="after")
    def _check(self) -> Self:
        if self.max_instalments < self.min_instalments:
            raise ValueError("max_instalments is below min_instalments")
        return self


class Escalation(_Model):
    #: Days past due at which a debtor with no promise goes to a person (None: never).
    legal_dpd: int | None = Field(default=90, ge=1)
    #: Hours a person has to act on each kind of task.
    due_hours: dict[str, int] = {"dispute": 72, "hardship": 48, "human": 8, "legal": 120}

    @model_validator(mode="after")
    def _check(self) -> Self:
        missing = set(TASK_KINDS) - set(self.due_hours)
        if missing:
            raise ValueError(f"due_hours: no hours for {sorted(missing)}")
        return self


class AssistantPolicy(_Model):
    enabled: bool = True
    #: How long a question the assistant asked ("which plan?") waits for its answer.
    context_hours: int = Field(default=24, ge=1, le=168)
    #: Countries whose caps do not count an answer to a consumer-initiated message.
    #: US: 12 CFR 1006.14(b)(2) counts calls the collector places, 940 CMR 7.04(1)(f)
    #: communications it initiates. Elsewhere no such exemption was verified, so an
    #: answer is judged with the debtor's history like any contact (held when a cap
    #: is full).
    caps_exempt_countries: tuple[str, ...] = ("US",)
    plans: PlanLimits = PlanLimits()
    escalation: Escalation = Escalation()
    #: Reply -> message template (``[messages]``); every reply must have one.
    replies: dict[str, Name] = {name: f"assistant_{name}" for name in REPLIES}

    @model_validator(mode="after")
    def _check(self) -> Self:
        missing = set(REPLIES) - set(self.replies)
        if missing:
            raise ValueError(f"replies: no template for {sorted(missing)}")
        return self
