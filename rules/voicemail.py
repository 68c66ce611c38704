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

from dataclasses import dataclass

from recaudo.rules.rule import Rule

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
