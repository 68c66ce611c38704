"""Who a contact about the debt may go to: the debtor, or after a death the
representative of the debtor's estate.

In the US the consumer a debt collector may communicate with includes, "if the
consumer is deceased", "the executor or administrator of the consumer's
estate" (12 CFR 1006.6(a)(4), for 1006.6: times, places, cease requests,
third parties, opt-outs; 15 U.S.C. 1692c(d) likewise for 1692c: "the term
'consumer' includes the consumer's spouse, parent (if the consumer is a minor),
guardian, executor, or administrator"). So after a death the deceased flag does
not stop a contact with the estate's representative: every other flag, opt-out,
window and cap still binds it. While the debtor lives, that person is a third
party: "a debt collector may not communicate, in connection with the collection
of any debt, with any person other than the consumer, his attorney, a consumer
reporting agency if otherwise permitted by law, the creditor, the attorney of
the creditor, or the attorney of the debt collector" (15 U.S.C. 1692c(b)).

Read: 15 U.S.C. 1692c(b) and (d), and 12 CFR 1006.6(a), in copies of their text.
Not read: the text of 12 CFR 1006.2(e) and comment 6(a)(4)-1 (which, as the
CFPB's compliance guide is summarised, counts a personal representative of the
estate among them); the rule cites what was read.

Elsewhere no law we read opens the estate to automated contact: the deceased
flag suppresses whoever the recipient (``suppress.deceased``, policy), and the
representative of a living debtor is a third party by tenant policy.
"""

from __future__ import annotations

from dataclasses import dataclass

from recaudo.contracts.outputs import JsonScalar, Reason
from recaudo.rules.base import ContactProposal
from recaudo.rules.profiles.base import policy
from recaudo.rules.rule import Rule

REPRESENTATIVE = Rule(
    "us.reg_f.estate_representative",
    '12 CFR 1006.6(a)(4): the consumer includes "the executor or administrator of the '
    "consumer's estate, if the consumer is deceased\"; 15 U.S.C. 1692c(d)",
    "2021-11",
    kind="law",
)
THIRD_PARTY = Rule(
    "us.fdcpa.third_party",
    "15 U.S.C. 1692c(b): no communication about the debt with any person other than the "
    "consumer (who includes the estate's executor or administrator only once the consumer "
    "is deceased, 12 CFR 1006.6(a)(4)) without the consumer's prior consent",
    "2021-11",
    kind="law",
)
POLICY_THIRD_PARTY = policy(
    "policy.third_party",
    "Tenant policy default: the representative of a debtor's estate is contacted only "
    "after the debtor's death, and only where the law opens the estate to automated contact",
)


@dataclass(frozen=True, slots=True)
class Recipients:
    """One jurisdiction's answer to who, besides the debtor, may be contacted."""

    #: The law under which the estate's representative is contacted after a death
    #: (None: the deceased flag suppresses whoever the recipient).
    representative: Rule | None
    #: Contacting a representative while the debtor lives.
    third_party: Rule


RECIPIENTS: dict[str, Recipients] = {"US": Recipients(REPRESENTATIVE, THIRD_PARTY)}
ELSEWHERE = Recipients(None, POLICY_THIRD_PARTY)


def recipients_for(jurisdiction: str) -> Recipients:
    return RECIPIENTS.get(jurisdiction.split("-")[0], ELSEWHERE)


def representative_after_death(p: ContactProposal, params: dict[str, JsonScalar]) -> Reason | None:
    """The passed reason that lets this contact reach the estate's representative
    although the debtor died (the deceased flag, ``params``, is in effect on its day),
    or None: the deceased flag decides (the debtor is the recipient, or no law we
    read opens the estate to automated contact here)."""
    rule = recipients_for(p.jurisdiction).representative
    if p.recipient != "estate_representative" or rule is None:
        return None
    return rule.reason(recipient=p.recipient, **params)


def third_party(p: ContactProposal) -> Reason | None:
    """The reason a contact with the representative of a living debtor is refused
    (the deceased flag is not in effect on its day), or None: it goes to the debtor."""
    if p.recipient != "estate_representative":
        return None
    return recipients_for(p.jurisdiction).third_party.reason(recipient=p.recipient)
