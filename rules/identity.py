"""Who may be called from where: caller identity and reassigned numbers.

Both are suppressions: a contact from an unregistered number, or to a number
disconnected since the debtor consented, is never made as proposed. Each
reason names its rule and what it used, so the audit shows why.
"""

from __future__ import annotations

from recaudo.contracts.base import lineage
from recaudo.contracts.outputs import Reason
from recaudo.rules import caller_id
from recaudo.rules.base import ContactProposal
from recaudo.rules.policy import TenantPolicy
from recaudo.rules.reassigned import PHONE_CHANNELS, REASSIGNED


def registered_numbers(policy: TenantPolicy, jurisdiction: str) -> tuple[str, ...]:
    """The tenant's caller ids for ``jurisdiction``; a subdivision without its own gets its
    country's (a city its subdivision's)."""
    for code in lineage(jurisdiction):
        override = policy.jurisdictions.get(code)
        if override is not None and override.caller_ids:
            return override.caller_ids
    return ()


def identity_suppressions(p: ContactProposal, policy: TenantPolicy) -> list[Reason]:
    """The caller-id and reassigned-number reasons this contact may not be made."""
    out: list[Reason] = []
    rule = caller_id.RULES.get(p.jurisdiction.split("-")[0])
    if rule is not None and p.from_number is not None and p.channel in caller_id.PHONE_CHANNELS:
        registered = registered_numbers(policy, p.jurisdiction)
        if p.from_number not in registered:
            out.append(
                rule.reason(
                    channel=p.channel.value,
                    from_number=p.from_number,
                    registered=",".join(registered),
                )
            )
    check = p.reassigned_check
    if (
        p.jurisdiction.startswith("US")
        and p.channel in PHONE_CHANNELS
        and p.consent_at is not None
        and check is not None
        and check.result == "yes"
        and check.covers(p.consent_at)
    ):
        out.append(
            REASSIGNED.reason(
                channel=p.channel.value,
                result=check.result,
                consent_at=p.consent_at.isoformat(),
                queried_date=check.date.isoformat(),
                checked_at=check.checked_at.isoformat(),
            )
        )
    return out
