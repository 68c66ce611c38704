"""Declarative per-tenant policy files (TOML): cadences, templates, experiments,
and jurisdiction overrides, validated by pydantic.

A tenant may tighten the law (extra caps, narrower hours) and tune our policy
defaults (caps of kind ``policy_default`` with the same id), but never loosen a
legal rule: overriding a law rule id is a validation error.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from importlib.resources import files
from pathlib import Path
from typing import Annotated, Any, Protocol, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)

from recaudo.contracts.base import lineage
from recaudo.contracts.events import Channel, Jurisdiction
from recaudo.contracts.outputs import Purpose
from recaudo.contracts.targeting import Targeting
from recaudo.foundation.errors import PolicyError
from recaudo.rules.assignment import Assignment, assign
from recaudo.rules.assistant_policy import AssistantPolicy
from recaudo.rules.caller_id import E164
from recaudo.rules.credit_bureau import CreditBureauNotices
from recaudo.rules.messages import MessageTemplate, NoticeTexts, Sender
from recaudo.rules.profiles import PROFILES, Profile, profile_for
from recaudo.rules.reminder_policy import Reminders
from recaudo.rules.rule import ALL_CHANNELS, Cap, Rule, WindowRule, hours

Name = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._-]+$")]
Language = Annotated[str, Field(pattern=r"^[a-z]{2}(-[A-Z]{2})?$")]
LAW_RULE_IDS = frozenset(r.id for p in PROFILES.values() for r in p.rules() if r.kind == "law")


class HasTemplate(Protocol):
    """Anything naming a template: a ``CadenceStep`` or the caller's own step type."""

    @property
    def template(self) -> str: ...


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class CadenceStep(_Model):
    """Contact debtors in a days-past-due bucket (and segment, and arm) this way."""

    id: Name
    min_dpd: int = Field(ge=0)
    max_dpd: int | None = Field(default=None, ge=0)
    segment: str = "*"
    arm: Name | None = None
    channels: tuple[Channel, ...] = Field(min_length=1, description="In preference order")
    template: Name

    @model_validator(mode="after")
    def _check(self) -> Self:
        if self.max_dpd is not None and self.max_dpd < self.min_dpd:
            raise ValueError(f"max_dpd {self.max_dpd} is below min_dpd {self.min_dpd}")
        if len(set(self.channels)) != len(self.channels):
            raise ValueError("channels repeat")
        return self

    @property
    def step_id(self) -> str:
        return self.id

    def matches(self, days_past_due: int, segment: str | None, arm: str | None) -> bool:
        upper = self.max_dpd if self.max_dpd is not None else days_past_due
        return (
            self.min_dpd <= days_past_due <= upper
            and self.segment in ("*", segment)
            and self.arm in (None, arm)
        )


class Arm(_Model):
    name: Name
    weight: float = Field(gt=0)


class Experiment(_Model):
    name: Name
    holdout: float = Field(default=0.0, ge=0, lt=1)
    arms: tuple[Arm, ...] = Field(min_length=1)

    @field_validator("arms")
    @classmethod
    def _unique(cls, arms: tuple[Arm, ...]) -> tuple[Arm, ...]:
        names = [a.name for a in arms]
        if len(set(names)) != len(names) or "holdout" in names:
            raise ValueError("arm names must be unique and not 'holdout'")
        return arms


class CapOverride(_Model):
    id: Name
    limit: int = Field(ge=1)
    window_days: float = Field(gt=0)
    channels: tuple[Channel, ...] = tuple(Channel)

    @field_validator("id")
    @classmethod
    def _not_law(cls, value: str) -> str:
        if value in LAW_RULE_IDS:
            raise ValueError(
                f"{value!r} is a legal rule and cannot be overridden; add a stricter cap "
                "under a new id instead"
            )
        return value


class HoursOverride(_Model):
    start: dt.time
    end: dt.time
    weekdays: tuple[int, ...] = (1, 2, 3, 4, 5, 6, 7)
    skip_holidays: bool = False

    @model_validator(mode="after")
    def _check(self) -> Self:
        if self.start >= self.end:
            raise ValueError(f"start {self.start} must be before end {self.end}")
        if not set(self.weekdays) <= set(range(1, 8)):
            raise ValueError("weekdays are ISO numbers 1 (Monday) to 7 (Sunday)")
        return self


class JurisdictionOverride(_Model):
    caps: tuple[CapOverride, ...] = ()
    hours: HoursOverride | None = None
    # Caller identity (issue 26): the numbers the tenant registered to call and
    # text from here (rules.caller_id); whether a machine may get a voicemail.
    caller_ids: tuple[E164, ...] = ()
    voicemail_allowed: bool | None = None


class Defaults(_Model):
    promise_grace_days: int = Field(default=2, ge=0, le=60)
    require_consent: bool = True
    require_delinquent: bool = True


class TenantPolicy(_Model):
    """One tenant's policy; ``version`` goes into every verdict."""

    version: Name
    name: Name = "default"
    default_language: Language = "es"
    defaults: Defaults = Defaults()
    cadence: tuple[CadenceStep, ...] = ()
    templates: dict[Name, dict[Language, str]] = {}
    experiment: Experiment | None = None
    targeting: Targeting = Targeting()
    jurisdictions: dict[Jurisdiction, JurisdictionOverride] = {}
    # Message content (issue 10): texts per template, language and channel,
    # the notices the law requires, and the sender (rules.messages).
    messages: dict[Name, MessageTemplate] = {}
    notices: NoticeTexts = {}
    sender: Sender = Sender()
    # The reply assistant and escalation to people (issue 11): rules.assistant_policy.
    assistant: AssistantPolicy = AssistantPolicy()
    # Courtesy reminders before the due date (issue 13; rules.reminder_policy).
    reminders: Reminders = Reminders()
    # Colombia's prior notices before a credit-bureau report, sent by the service.
    credit_bureau: CreditBureauNotices = CreditBureauNotices()
    _profiles: dict[str, Profile] = PrivateAttr(default_factory=dict)

    @model_validator(mode="after")
    def _cross_check(self) -> Self:
        ids = [s.id for s in self.cadence]
        arms = {a.name for a in self.experiment.arms} if self.experiment else set()
        for i, step in enumerate(self.cadence):
            where = f"cadence[{i}] ({step.id})"
            if ids.count(step.id) > 1:
                raise ValueError(f"{where}.id: duplicate step id")
            if step.template not in self.templates:
                raise ValueError(f"{where}.template: {step.template!r} is not in [templates]")
            if self.default_language not in self.templates[step.template]:
                raise ValueError(
                    f"templates.{step.template}: no text for default_language "
                    f"{self.default_language!r}"
                )
            if step.arm is not None and step.arm not in arms:
                raise ValueError(f"{where}.arm: {step.arm!r} is not an experiment arm")
        for reminder in self.reminders.steps:
            if reminder.template not in self.templates:
                raise ValueError(
                    f"reminders.steps ({reminder.id}).template: {reminder.template!r} "
                    "is not in [templates]"
                )
        notice = self.credit_bureau
        if notice.enabled and notice.template not in self.templates:
            raise ValueError(f"credit_bureau.template: {notice.template!r} is not in [templates]")
        for code in self.jurisdictions:
            if profile_for(code) is None:
                raise ValueError(f"jurisdictions.{code}: no compliance profile for {code!r}")
        return self

    def cadence_step(
        self, days_past_due: int, segment: str | None = None, arm: str | None = None
    ) -> CadenceStep | None:
        """The most specific step for this bucket: own arm and segment beat wildcards."""
        found = [s for s in self.cadence if s.matches(days_past_due, segment, arm)]
        if not found:
            return None
        return min(found, key=lambda s: (s.arm is None, s.segment == "*"))

    def template_for(self, step: HasTemplate, language: str) -> str:
        """The step's template in ``language``, its base language, or the default."""
        texts = self.templates[step.template]
        for lang in (language, language.split("-")[0], self.default_language):
            if lang in texts:
                return texts[lang]
        raise PolicyError(f"template {step.template!r} has no text for {language!r}")

    def assign(self, tenant_id: str, debtor_id: str) -> Assignment:
        if self.experiment is None:
            return Assignment(self.name, "champion", holdout=False)
        arms = [(a.name, a.weight) for a in self.experiment.arms]
        return assign(self.experiment.name, arms, self.experiment.holdout, tenant_id, debtor_id)

    def profile(self, jurisdiction: str, purpose: Purpose = "collection") -> Profile | None:
        """The jurisdiction's profile with this tenant's overrides applied; for a
        reminder, the rules that bind servicing messages (``Profile.for_reminders``),
        or every collection rule when the sender is a third-party collector. A
        creditor collecting its own debts keeps every rule, those its law does not
        bind it by labelled policy (``Profile.for_creditor``)."""
        found = self._profiles.get(jurisdiction) or self._apply(jurisdiction)
        if found is None:
            return None
        if purpose in ("collection", "notice"):
            if self.sender.third_party_collector:
                return found
            key = f"{jurisdiction}#creditor"
            if key not in self._profiles:
                self._profiles[key] = found.for_creditor()
            return self._profiles[key]
        key = f"{jurisdiction}#{purpose}"
        if key not in self._profiles:
            self._profiles[key] = found.for_reminders(self.sender.third_party_collector)
        return self._profiles[key]

    def _apply(self, jurisdiction: str) -> Profile | None:
        base = profile_for(jurisdiction)
        if base is None:
            return None
        # The country's overrides first, then a state's, then a city's.
        overrides = [
            self.jurisdictions[j]
            for j in reversed(lineage(jurisdiction))
            if j in self.jurisdictions
        ]
        caps = list(base.caps)
        windows = list(base.windows)
        for o in overrides:
            for c in o.caps:
                caps = [k for k in caps if k.id != c.id]
                caps.append(self._cap(c, base, jurisdiction))
            if o.hours is not None:
                windows.append(self._window(o.hours, jurisdiction))
        out = base.derive(
            version=f"{base.version}+{self.name}@{self.version}",
            caps=tuple(caps),
            windows=tuple(windows),
        )
        self._profiles[jurisdiction] = out
        return out

    def _cap(self, c: CapOverride, base: Profile, jurisdiction: str) -> Cap:
        tuned = any(k.id == c.id for k in base.caps)
        rule = Rule(
            c.id,
            f"Tenant policy {self.name}@{self.version}, jurisdictions.{jurisdiction}",
            self.version,
            kind="policy_default" if tuned else "tenant",
        )
        window = dt.timedelta(days=c.window_days)
        return Cap(rule, c.limit, window, frozenset(c.channels) or ALL_CHANNELS)

    def _window(self, h: HoursOverride, jurisdiction: str) -> WindowRule:
        rule = Rule(
            f"tenant.{jurisdiction.lower()}.hours",
            f"Tenant policy {self.name}@{self.version}, jurisdictions.{jurisdiction}.hours",
            self.version,
            kind="tenant",
        )
        span = hours(h.start.isoformat(), h.end.isoformat())
        return WindowRule(rule, dict.fromkeys(h.weekdays, span), h.skip_holidays)


def _format(exc: ValidationError, source: str) -> str:
    lines = [f"{source}: invalid policy ({exc.error_count()} error(s))"]
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"]) or "(file)"
        lines.append(f"  {loc}: {err['msg']}")
    return "\n".join(lines)


def parse_policy(text: str, source: str = "<policy>") -> TenantPolicy:
    """Validate TOML ``text``; PolicyError names the file and each bad field."""
    try:
        data: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(f"{source}: not valid TOML: {exc}") from exc
    try:
        return TenantPolicy.model_validate(data)
    except ValidationError as exc:
        raise PolicyError(_format(exc, source)) from exc


def load_policy(path: str | Path) -> TenantPolicy:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise PolicyError(f"{p}: cannot read policy file: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise PolicyError(f"{p}: a policy file is UTF-8 text: byte {exc.start} is not") from exc
    return parse_policy(text, str(p))


_DEFAULT: list[TenantPolicy] = []


def default_policy() -> TenantPolicy:
    """The policy shipped in the package, used when a tenant has none."""
    if not _DEFAULT:
        text = files("recaudo.rules").joinpath("default_policy.toml").read_text(encoding="utf-8")
        _DEFAULT.append(parse_policy(text, "rules/default_policy.toml"))
    return _DEFAULT[0]
