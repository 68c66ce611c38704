"""What a jurisdiction profile is, and the suppressions every profile starts from.

A profile bundles the rules of one jurisdiction: contact windows, frequency
caps, minimum gaps and suppressions, each a ``Rule`` with its citation. The
base suppressions are tenant policy (``policy_default``); country modules
replace them with the statute where one exists.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from recaudo.contracts.base import LegalFlag
from recaudo.contracts.events import Channel
from recaudo.rules.profiles.creditor import CreditorScope
from recaudo.rules.profiles.servicing import UNREVIEWED, Servicing
from recaudo.rules.rule import ALL_CHANNELS, Cap, Gap, Hours, Rule, WindowRule

ELECTRONIC: frozenset[Channel] = frozenset({Channel.SMS, Channel.EMAIL, Channel.WHATSAPP})
VOICE: frozenset[Channel] = frozenset({Channel.VOICE})


def policy(rule_id: str, citation: str, version: str = "1") -> Rule:
    return Rule(rule_id, citation, version, kind="policy_default")


def per_debt_and_across(
    rule: Rule, limit: int, channels: frozenset[Channel], counted: str
) -> tuple[Cap, Cap]:
    """A weekly count the law keeps per debt, and the same count across all of the
    debtor's debts as a policy default (``<rule's prefix>.policy.communications_all_debts``);
    ``counted`` names what is counted, for the policy's citation."""
    week = dt.timedelta(days=7)
    across = policy(
        f"{rule.id.split('.', 1)[0]}.policy.communications_all_debts",
        f"Tenant policy default: {counted} in 7 days counted across all of the debtor's "
        "debts (the rule counts per debt)",
    )
    return Cap(rule, limit, week, channels, per_debt=True), Cap(across, limit, week, channels)


def calls_and_others(
    rule: Rule, days: dict[int, Hours], skip_holidays: bool
) -> tuple[WindowRule, WindowRule]:
    """The law's window for calls, and the same hours as a policy default elsewhere."""
    others = policy(f"{rule.id}.otros_canales", f"Tenant policy default (hours of {rule.citation})")
    return (
        WindowRule(rule, days, skip_holidays, VOICE),
        WindowRule(others, days, skip_holidays, ELECTRONIC),
    )


#: Suppression condition -> its rule id: each legal flag's is ``suppress.<flag>``.
#: Ids are the same in every jurisdiction (the decide stage, dashboards and metrics
#: group by them); the citation, kind and version say which law, if any, backs the
#: rule where the debtor lives.
SUPPRESSION_IDS: dict[str, str] = {
    **{flag: f"suppress.{flag}" for flag in LegalFlag},
    "opt_out": "suppress.opt_out",
    "opt_out_electronic": "suppress.opt_out",
    "bounced": "suppress.hard_bounce",
    "no_consent": "suppress.no_consent",
    "not_delinquent": "account.not_delinquent",
    "promise_to_pay": "suppress.promise_to_pay",
    "time_barred_threat": "suppress.time_barred_threat",
}
SUPPRESSION_KEYS = tuple(SUPPRESSION_IDS)


def suppression_law(key: str, citation: str, version: str) -> Rule:
    """The legal rule behind suppression ``key`` in one jurisdiction."""
    return Rule(SUPPRESSION_IDS[key], citation, version, kind="law")


BASE_SUPPRESSIONS: dict[str, Rule] = {
    LegalFlag.DISPUTE: policy(
        "suppress.dispute", "Tenant policy: no collection while a dispute is open"
    ),
    LegalFlag.BANKRUPTCY: policy(
        "suppress.bankruptcy", "Tenant policy: no collection in insolvency"
    ),
    LegalFlag.DECEASED: policy(
        "suppress.deceased", "Tenant policy: estates are handled outside automated contact"
    ),
    LegalFlag.CEASE_AND_DESIST: policy(
        "suppress.cease_and_desist", "Tenant policy: honour cease-and-desist requests"
    ),
    LegalFlag.LEGAL_HOLD: policy(
        "suppress.legal_hold", "Tenant policy: legal hold stops all contact"
    ),
    "opt_out": policy("suppress.opt_out", "Tenant policy: honour channel opt-outs"),
    "opt_out_electronic": policy("suppress.opt_out", "Tenant policy: honour channel opt-outs"),
    "bounced": policy(
        "suppress.hard_bounce", "Tenant policy: never reuse a hard-bounced or invalid address"
    ),
    "no_consent": policy(
        "suppress.no_consent", "Tenant policy: contact only channels the debtor authorised"
    ),
    "not_delinquent": policy(
        "account.not_delinquent", "Tenant policy: collection contact only for accounts in arrears"
    ),
    "promise_to_pay": policy(
        "suppress.promise_to_pay", "Tenant policy: no contact until a promise's date plus grace"
    ),
    "time_barred_threat": policy(
        "suppress.time_barred_threat",
        "Tenant policy: no message threatening legal action about a time-barred debt "
        "(rules/limitations.py)",
    ),
}

#: Our default overall cap where the law sets none (tenant-configurable).
DAILY_TOTAL = Cap(
    policy("policy.daily_total", "Tenant policy default: at most 3 contacts a rolling day"),
    limit=3,
    window=dt.timedelta(days=1),
    channels=ALL_CHANNELS,
)


@dataclass(frozen=True, slots=True)
class Profile:
    """The rules of one jurisdiction at one version."""

    code: str
    version: str
    zones: tuple[str, ...]
    windows: tuple[WindowRule, ...]
    caps: tuple[Cap, ...] = (DAILY_TOTAL,)
    gaps: tuple[Gap, ...] = ()
    suppressions: dict[str, Rule] = field(default_factory=lambda: dict(BASE_SUPPRESSIONS))
    #: Rules (or None) that make consent / delinquency mandatory by law.
    consent_law: Rule | None = None
    delinquent_law: Rule | None = None
    holiday_country: str = ""
    holiday_subdiv: str | None = None
    #: How these rules bind courtesy reminders (``servicing.py``).
    servicing: Servicing = UNREVIEWED
    #: How far they bind a creditor collecting its own debts (``creditor.py``);
    #: None where the collection law binds creditors as it binds collectors.
    creditor: CreditorScope | None = None

    def __post_init__(self) -> None:
        missing = set(SUPPRESSION_KEYS) - set(self.suppressions)
        if missing:
            raise ValueError(
                f"profile {self.code} lacks suppression rules {sorted(map(str, missing))}"
            )
        for key, rule in self.suppressions.items():
            if rule.id != SUPPRESSION_IDS[key]:
                raise ValueError(
                    f"profile {self.code}: suppression {key} must be {SUPPRESSION_IDS[key]!r}"
                )
        if not self.zones:
            raise ValueError(f"profile {self.code} needs at least one time zone")

    def derive(self, **changes: Any) -> Profile:
        """A stricter or more specific profile (a state, a tenant override)."""
        return dataclasses.replace(self, **changes)

    def for_creditor(self) -> Profile:
        """The rules a creditor collecting its own debts is judged by: all of them,
        those the law does not bind it by labelled tenant policy. The version stays:
        the tenant policy's own (``sender.third_party_collector``) pins the labels."""
        c = self.creditor
        if c is None:
            return self
        return self.derive(
            windows=tuple(dataclasses.replace(w, rule=c.relabel(w.rule)) for w in self.windows),
            caps=tuple(dataclasses.replace(x, rule=c.relabel(x.rule)) for x in self.caps),
            gaps=tuple(dataclasses.replace(g, rule=c.relabel(g.rule)) for g in self.gaps),
            suppressions={k: c.relabel(r) for k, r in self.suppressions.items()},
            consent_law=c.relabel(self.consent_law) if self.consent_law else None,
            delinquent_law=c.relabel(self.delinquent_law) if self.delinquent_law else None,
        )

    def for_reminders(self, third_party_collector: bool = False) -> Profile:
        """The rules a courtesy reminder is judged by: exempt ones dropped, the rest
        kept as law only where the law covers servicing messages, else as policy.

        A third-party collector's reminder is a communication in connection with
        collection: every rule of the profile binds it unchanged, and the arrears
        condition too (a current account has nothing in default to collect).
        """
        s = self.servicing
        if third_party_collector:
            collecting = s.as_collection()
            arrears = policy(
                SUPPRESSION_IDS["not_delinquent"],
                f"{collecting.scope}: a third-party collector's reminder is collection, "
                "and collection contact is only for accounts in arrears",
            )
            return self.derive(
                version=f"{self.version}+reminder.collector",
                servicing=collecting,
                suppressions=self.suppressions | {"not_delinquent": arrears},
            )
        return self.derive(
            version=f"{self.version}+reminder",
            windows=tuple(
                dataclasses.replace(w, rule=s.for_reminders(w.rule))
                for w in self.windows
                if s.applies(w.rule)
            ),
            caps=tuple(
                dataclasses.replace(c, rule=s.for_reminders(c.rule))
                for c in self.caps
                if s.applies(c.rule)
            ),
            gaps=tuple(
                dataclasses.replace(g, rule=s.for_reminders(g.rule))
                for g in self.gaps
                if s.applies(g.rule)
            ),
            suppressions={k: s.for_reminders(r) for k, r in self.suppressions.items()},
            consent_law=s.for_reminders(self.consent_law) if self.consent_law else None,
            delinquent_law=None,
        )

    def rules(self) -> tuple[Rule, ...]:
        """Every rule of this profile, for listings and contract tests."""
        out: list[Rule] = [w.rule for w in self.windows]
        out += [c.rule for c in self.caps] + [g.rule for g in self.gaps]
        out += list(self.suppressions.values())
        out += [r for r in (self.consent_law, self.delinquent_law) if r is not None]
        return tuple(out)
