"""Who must not be contacted at all (suppress), or not yet (a promise to pay).

Suppressions are checked before any timing rule: a debtor in dispute, in
bankruptcy, deceased, under cease-and-desist or legal hold, opted out, with a
hard-bounced address, without consent for the channel, or not in arrears is
never contacted, whatever the window says (a courtesy reminder is the one
contact not about arrears, unless its profile says the arrears condition binds
it: a third-party collector's). Each names its profile's rule.
"""

from __future__ import annotations

import datetime as dt

from recaudo.rules.base import ContactProposal
from recaudo.rules.credit_bureau import NOTICE_CHANNELS, WRITTEN_NOTICE
from recaudo.rules.identity import identity_suppressions
from recaudo.rules.policy import TenantPolicy
from recaudo.rules.profiles.base import ELECTRONIC, Profile
from recaudo.rules.time_barred import threat_params
from recaudo.streams.events import AccountStatus
from recaudo.streams.outputs import Reason

FLAGS = ("dispute", "bankruptcy", "deceased", "cease_and_desist", "legal_hold")
IN_ARREARS = frozenset({AccountStatus.DELINQUENT, AccountStatus.CHARGED_OFF})


def suppressions(p: ContactProposal, profile: Profile, policy: TenantPolicy) -> list[Reason]:
    """Every reason this contact may never be made (empty: none)."""
    rules = profile.suppressions
    out = [rules[flag].reason(flag=flag) for flag in FLAGS if getattr(p.flags, flag)]
    if p.opted_out_all:
        out.append(rules["opt_out"].reason(channel="all"))
    elif p.channel in p.opted_out_channels:
        key = "opt_out_electronic" if p.channel in ELECTRONIC else "opt_out"
        out.append(rules[key].reason(channel=p.channel.value))
    if p.bounced:
        out.append(rules["bounced"].reason(channel=p.channel.value))
    if not p.consent:
        if profile.consent_law is not None:
            out.append(profile.consent_law.reason(channel=p.channel.value))
        elif policy.defaults.require_consent:
            out.append(rules["no_consent"].reason(channel=p.channel.value))
    threat = threat_params(p, policy)
    if threat is not None:
        out.append(rules["time_barred_threat"].reason(**threat))
    if (
        p.purpose == "notice"
        and p.jurisdiction.split("-")[0] == "CO"
        and p.channel not in NOTICE_CHANNELS
    ):
        out.append(WRITTEN_NOTICE.reason(channel=p.channel.value))
    arrears = rules["not_delinquent"]
    if p.account_status not in IN_ARREARS and (
        p.purpose == "collection" or profile.servicing.applies(arrears)
    ):
        if profile.delinquent_law is not None:
            out.append(profile.delinquent_law.reason(status=p.account_status.value))
        elif policy.defaults.require_delinquent:
            out.append(rules["not_delinquent"].reason(status=p.account_status.value))
    return out + identity_suppressions(p, policy)


def promise_hold(
    p: ContactProposal, profile: Profile, policy: TenantPolicy
) -> tuple[dt.date, Reason] | None:
    """The first local date contact may resume after an active promise to pay."""
    if p.promise_until is None:
        return None
    grace = policy.defaults.promise_grace_days
    resume = p.promise_until + dt.timedelta(days=grace + 1)
    reason = profile.suppressions["promise_to_pay"].reason(
        promise_until=p.promise_until.isoformat(), grace_days=grace
    )
    return resume, reason
