"""Which of a profile's rules bind a creditor collecting its own debts in its own name.

Some collection laws bind debt collectors only: Regulation F does not reach a
creditor collecting its own debts in its own name (12 CFR 1006.2(i)(1), 15 U.S.C.
1692a(6)(A)). A creditor tenant (``sender.third_party_collector = false``) is still
judged by every rule of the profile: where the law does not bind it, the rule is
our stricter choice and is labelled tenant policy, following the rule it copies,
never law. Rules another law applies to creditors as well stay law (``law``), or
are cited by that law (``recited``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field

from recaudo.rules.rule import Rule


@dataclass(frozen=True, slots=True)
class CreditorScope:
    """How one jurisdiction's collection law reaches a creditor collecting its own debts.

    ``scope`` cites why it does not; ``label`` is its short form in every relabelled
    rule's citation.
    """

    scope: str
    label: str
    #: Rule ids that bind a creditor too, under the citation they have.
    law: frozenset[str] = frozenset()
    #: Rule ids that bind a creditor under another law: that law's citation.
    recited: Mapping[str, str] = field(default_factory=dict)

    def relabel(self, rule: Rule) -> Rule:
        """``rule`` as it binds a creditor: itself, another law's, or tenant policy."""
        if rule.kind != "law" or rule.id in self.law:
            return rule
        if rule.id in self.recited:
            return dataclasses.replace(rule, citation=self.recited[rule.id])
        return dataclasses.replace(
            rule,
            citation=f"Tenant policy ({self.label}): follows {rule.citation}",
            kind="policy_default",
        )
