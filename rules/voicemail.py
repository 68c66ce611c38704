"""Voicemail: what an answering machine may hear, and whether it may hear anything.

Regulation F defines the limited-content message (12 CFR 1006.2(j)): a
voicemail with only a business name that does not indicate debt collection,
a request to reply, the names to reply to and a telephone number (optionally a
salutation, the date and time, suggested times to reply). It is not a
communication, so it discloses nothing to whoever hears the tape. Elsewhere no
statute we read names voicemail: the same content is our policy default. A
tenant may forbid voicemail in a jurisdiction (``voicemail_allowed = false``):
then a machine gets nothing and the call hangs up.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from recaudo.contracts.base import lineage
from recaudo.rules.rule import Rule

if TYPE_CHECKING:  # rules.policy imports most of rules; only its types are needed here
    from recaudo.rules.policy import JurisdictionOverride

LIMITED_CONTENT = Rule("voicemail.limited_content", "12 CFR 1006.2(j)", "2021-11")
POLICY_LIMITED_CONTENT = Rule(
    "voicemail.limited_content",
    "Tenant policy default: on an answering machine only the content of a limited-content "
    "message (12 CFR 1006.2(j), US law) plays, so no debt is disclosed to a third party",
    kind="policy_default",
)
NOT_ALLOWED = Rule(
    "voicemail.not_allowed", "Tenant policy: no voicemail in this jurisdiction", kind="tenant"
)

UNKNOWN_JURISDICTION = Rule(
    "voicemail.not_allowed",
    "Policy: the debtor's jurisdiction is unknown, so no voicemail (a machine gets nothing)",
    kind="policy_default",
)


@dataclass(frozen=True, slots=True)
class VoicemailRule:
    """Whether a machine may get a message, and the rule saying so."""

    allowed: bool
    rule: Rule


def voicemail_rule(jurisdiction: str, allowed: bool | None) -> VoicemailRule:
    """``allowed`` is the tenant's ``voicemail_allowed`` (None: our default, allowed)."""
    if allowed is False:
        return VoicemailRule(False, NOT_ALLOWED)
    law = jurisdiction.split("-")[0] == "US"
    return VoicemailRule(True, LIMITED_CONTENT if law else POLICY_LIMITED_CONTENT)


def tenant_voicemail(
    overrides: Mapping[str, JurisdictionOverride], jurisdiction: str | None
) -> VoicemailRule:
    """The tenant's ``jurisdictions`` table applied: a subdivision's setting (``US-NY``)
    over its country's (``US``), a city's over its subdivision's. An unknown
    jurisdiction gets no voicemail (policy: we cannot tell whether the tenant forbids
    it there, and hanging up discloses nothing)."""
    if not jurisdiction:
        return VoicemailRule(False, UNKNOWN_JURISDICTION)
    allowed: bool | None = None
    for code in reversed(lineage(jurisdiction)):
        found = overrides.get(code)
        if found is not None and found.voicemail_allowed is not None:
            allowed = found.voicemail_allowed
    return voicemail_rule(jurisdiction, allowed)
