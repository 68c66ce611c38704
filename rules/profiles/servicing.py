"""Which of a profile's rules bind a courtesy reminder, a servicing message rather
than debt collection.

A reminder before (or on) the due date is sent about an account that is not in
arrears. Each jurisdiction's profile says, with its citation, how far its
collection law reaches such a message: rules the law limits to the collection
of a debt are not applied to reminders (``exempt``); rules another law applies
to every message stay law (``law``); every other rule still applies to
reminders as a labelled tenant policy, because where the law's reach is unclear
we follow the collection rule rather than guess. Opt-outs, consent and the
account flags can never be exempt: an opt-out always wins.

A third-party collector's reminder is none of this: the sender is a debt
collector and its message about a debt is collection (``collector``), so it is
judged by the full collection profile, the arrears condition included.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from recaudo.rules.rule import Rule

#: Rules a reminder is always judged by, whatever the law's scope.
NEVER_EXEMPT = frozenset(
    {
        "suppress.opt_out",
        "suppress.no_consent",
        "suppress.hard_bounce",
        "suppress.cease_and_desist",
        "suppress.legal_hold",
        "suppress.deceased",
    }
)


@dataclass(frozen=True, slots=True)
class Servicing:
    """How one jurisdiction's rules apply to courtesy reminders.

    ``scope`` cites why the collection law does (or may not) reach a message
    about an account that is not in arrears; ``label`` is the short form put
    into every relabelled rule's citation.
    """

    scope: str
    label: str
    exempt: frozenset[str] = frozenset({"account.not_delinquent"})
    law: frozenset[str] = frozenset()
    #: Why a third-party collector's reminder is collection here (its citation);
    #: empty where no law says so and we treat it as collection, as policy.
    collector: str = ""

    def __post_init__(self) -> None:
        wrong = self.exempt & NEVER_EXEMPT
        if wrong:
            raise ValueError(f"servicing: {sorted(wrong)} always apply to reminders")

    def applies(self, rule: Rule) -> bool:
        return rule.id not in self.exempt

    def as_collection(self) -> Servicing:
        """A third-party collector's reminder: nothing exempt, every rule as it is."""
        why = self.collector or "Tenant policy: treated as collection"
        return dataclasses.replace(
            self, scope=why, label=f"third-party collector: {why}", exempt=frozenset()
        )

    def for_reminders(self, rule: Rule) -> Rule:
        """``rule`` as it binds a reminder: itself where law covers servicing, else policy."""
        if rule.id in self.law or rule.kind != "law":
            return rule
        return dataclasses.replace(
            rule,
            citation=f"Tenant policy for reminders ({self.label}): follows {rule.citation}",
            kind="policy_default",
        )


#: Where we have not read how the law treats servicing messages: every rule applies.
UNREVIEWED = Servicing(
    scope="Not reviewed: reminders follow every collection rule as tenant policy",
    label="reach of the collection law to servicing messages not reviewed",
)
