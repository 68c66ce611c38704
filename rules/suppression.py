"""Who must not be contacted at all (suppress), or not yet (a promise to pay).

Suppressions are checked before any timing rule: a debtor in dispute, in
bankruptcy, deceased, under cease-and-desist or legal hold, opted out, with a
hard-bounced address, without consent for the channel, or not in arrears is
never contacted, whatever the window says (a courtesy reminder is the one
contact not about arrears, unless its profile says the arrears condition binds
it: a third-party collector's). Each names its profile's rule.

A flag binds from its effective date (``rules.dated``); the deceased flag does
not stop a contact with the estate's representative where the law allows it,
and a representative of a living debtor is a third party (``rules.estate``); a
third-party collector's US contact is paused after a dispute within the
validation period, and refused when its template overshadows that period
(``rules.validation_period``). The checks that passed with something to say
(a flag not yet in effect, the estate's representative, the validation period)
come back too, so an allowed verdict shows them.
"""

from __future__ import annotations

import datetime as dt

from recaudo.contracts.base import LegalFlag
from recaudo.contracts.events import AccountStatus
from recaudo.contracts.outputs import JsonScalar, Reason
from recaudo.rules.base import ContactProposal
from recaudo.rules.credit_bureau import NOTICE_CHANNELS, WRITTEN_NOTICE
from recaudo.rules.dated import contact_days, in_effect
from recaudo.rules.estate import representative_after_death, third_party
from recaudo.rules.identity import identity_suppressions
from recaudo.rules.policy import TenantPolicy
from recaudo.rules.profiles.base import ELECTRONIC, Profile
from recaudo.rules.time_barred import threat_params
from recaudo.rules.validation_period import (
    DISPUTE_PAUSE,
    OVERSHADOWING,
    dispute_pause,
    overshadowing,
)

IN_ARREARS = frozenset({AccountStatus.DELINQUENT, AccountStatus.CHARGED_OFF})


def suppressions(p: ContactProposal, profile: Profile, policy: TenantPolicy) -> list[Reason]:
    """Every reason this contact may never be made (empty: none)."""
    return screen(p, profile, policy)[0]


def _flags(
    p: ContactProposal, profile: Profile, days: tuple[dt.date, ...]
) -> tuple[list[Reason], list[Reason]]:
    """The flags (and recipient) that suppress this contact, and the flags checked
    that did not: not yet in effect, or a death that opens the estate's representative."""
    rules = profile.suppressions
    out: list[Reason] = []
    passed: list[Reason] = []
    deceased = False
    for flag in LegalFlag:
        if not getattr(p.flags, flag):
            continue
        since = getattr(p.flag_dates, flag)
        params: dict[str, JsonScalar] = {"flag": flag.value}
        if since is not None:
            params["effective_date"] = since.isoformat()
        if not in_effect(since, days):
            passed.append(rules[flag].reason(**params))
            continue
        if flag is LegalFlag.DECEASED:
            deceased = True
            if (estate := representative_after_death(p, params)) is not None:
                passed.append(estate)
                continue
        out.append(rules[flag].reason(**params))
    if not deceased and (stranger := third_party(p)) is not None:
        out.append(stranger)
    return out, passed


def screen(
    p: ContactProposal, profile: Profile, policy: TenantPolicy
) -> tuple[list[Reason], list[Reason]]:
    """The reasons this contact may never be made (empty: none), and the checks
    that passed with something to say (a flag not yet in effect, the estate's
    representative, the validation period); each without its outcome."""
    rules = profile.suppressions
    days = contact_days(p, profile.zones)
    out, passed = _flags(p, profile, days)
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
    for rule, found in (
        (DISPUTE_PAUSE, dispute_pause(p, policy, days)),
        (OVERSHADOWING, overshadowing(p, policy, days)),
    ):
        if found is not None:
            (out if found[0] else passed).append(rule.reason(**found[1]))
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
    return out + identity_suppressions(p, policy), passed


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
