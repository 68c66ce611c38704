"""United States: Regulation F (12 CFR part 1006, implementing the FDCPA), and
the states whose call and text rules are stricter.

Numbers here are the regulation's: 8:00-21:00 local time, 7 calls in 7 days,
7 days after a telephone conversation, both counted per debt (12 CFR
1006.14(b)(2)). Counting every debt of the debtor together is stricter: we
ship it as a labelled tenant-policy default, never as the law.

A US state without a profile of its own gets Regulation F with its own public
holidays (``profile_for``): federal law applies everywhere. The states below
have call/text rules stricter than Regulation F:

- Massachusetts, 940 CMR 7.04(1)(f) (creditors) and 209 CMR 18.16(1)(d)
  (debt collectors): at most two communications initiated "via telephone,
  either in person or via text messaging or recorded audio message" in each
  seven-day period to the debtor's residence or personal/cell number, for
  each debt.
- New York City, 6 RCNY 5-77 as amended (in effect 1 September 2026): at most
  three communications or attempts in seven days per account, every medium
  together (``US-NY-NYC``, a code of ours: ISO 3166-2 has no cities).
- Washington, RCW 19.16.250(13): a licensee may not communicate with the
  debtor (or spouse) "in any form, manner, or place" more than three times in
  a single week. It binds licensed collection agencies (RCW 19.16.100); a
  tenant collecting its own debt in its own name may be outside it. "A single
  week" is read as any seven consecutive days, which is never looser.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from recaudo.contracts.base import LegalFlag
from recaudo.contracts.events import Channel
from recaudo.rules.profiles.base import (
    BASE_SUPPRESSIONS,
    DAILY_TOTAL,
    ELECTRONIC,
    VOICE,
    Profile,
    per_debt_and_across,
    policy,
    suppression_law,
)
from recaudo.rules.profiles.creditor import CreditorScope
from recaudo.rules.profiles.servicing import Servicing
from recaudo.rules.rule import ALL_CHANNELS, Cap, Gap, Rule, WindowRule, every_day, hours

VERSION = "US-2021.11"  # Reg F effective 2021-11-30

#: Every zone of the 50 states and DC; used when the debtor's zone is unknown
#: (12 CFR 1006.6(b)(1)(i): comply with every location the collector could believe).
#: The territories have profiles of their own (``TERRITORY_ZONES``).
US_ZONES = (
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Phoenix",
    "America/Los_Angeles",
    "America/Anchorage",
    "Pacific/Honolulu",
)

INCONVENIENT_TIME = WindowRule(
    Rule("us.reg_f.inconvenient_time", "12 CFR 1006.6(b)(1)(i)", "2021-11"),
    days=every_day(hours("08:00", "21:00")),
)

CALL_FREQUENCY = Cap(
    Rule("us.reg_f.call_frequency", "12 CFR 1006.14(b)(2)(i)(A)", "2021-11"),
    limit=7,
    window=dt.timedelta(days=7),
    channels=VOICE,
    per_debt=True,
)

#: Policy, not law: Reg F's count applied across all of a debtor's debts.
CALL_FREQUENCY_ALL_DEBTS = Cap(
    policy(
        "us.policy.call_frequency_all_debts",
        "Tenant policy default: 12 CFR 1006.14(b)(2)(i)(A)'s 7 calls in 7 days counted "
        "across all of the debtor's debts (the regulation counts per debt)",
    ),
    limit=7,
    window=dt.timedelta(days=7),
    channels=VOICE,
)

AFTER_CONVERSATION = Gap(
    Rule("us.reg_f.after_conversation", "12 CFR 1006.14(b)(2)(i)(B)", "2021-11"),
    days=7,
    after_channels=VOICE,
    channels=VOICE,
)

SUPPRESSIONS = BASE_SUPPRESSIONS | {
    LegalFlag.CEASE_AND_DESIST: suppression_law(
        LegalFlag.CEASE_AND_DESIST, "12 CFR 1006.6(c)(1)", "2021-11"
    ),
    # 1692g(b) pauses collection only after a dispute in writing within the validation
    # period (``us.fdcpa.dispute_pause``); the feed's flag may be any dispute (oral,
    # late), so stopping for it is our policy, not that law.
    LegalFlag.DISPUTE: policy(
        "suppress.dispute",
        "Tenant policy: no collection while a dispute is open (15 U.S.C. 1692g(b) requires "
        "the pause only after a dispute in writing within the validation period: "
        "us.fdcpa.dispute_pause)",
        "2",
    ),
    LegalFlag.BANKRUPTCY: suppression_law(LegalFlag.BANKRUPTCY, "11 U.S.C. 362(a)(6)", "2005"),
    "opt_out": suppression_law("opt_out", "12 CFR 1006.14(h)(1)", "2021-11"),
    # 1006.6(e) is the notice saying how to opt out; honouring the request is
    # 1006.14(h)(1) (a medium the person asked not to be used), as for voice.
    "opt_out_electronic": suppression_law(
        "opt_out_electronic", "12 CFR 1006.14(h)(1); the request by 1006.6(e)'s method", "2021-11"
    ),
    "time_barred_threat": suppression_law("time_barred_threat", "12 CFR 1006.26(b)", "2021-11"),
}

#: Regulation F binds debt collectors; a creditor reminding its own customer before
#: the due date is not one, so its per-debt call counts and the gap after a
#: conversation do not apply. Hours, opt-outs, consent and the flags still do,
#: as tenant policy. A third-party collector (or anyone collecting a debt obtained
#: after default) is a debt collector: its reminder is collection (``collector``).
REG_F_SERVICING = Servicing(
    scope="12 CFR 1006.2(i)(1) and 15 U.S.C. 1692a(6): a creditor collecting its own "
    "debts in its own name is not a debt collector, nor is anyone collecting a debt that "
    "was not in default when obtained (1692a(6)(F)(iii)); a reminder before the due date "
    "is not the collection of a debt in default",
    label="Regulation F binds debt collectors only",
    collector="12 CFR 1006.2(i)(1) and 15 U.S.C. 1692a(6)(F)(iii): a third-party debt "
    "collector, or anyone collecting a debt obtained after default, is a debt collector, "
    "and its message about the debt is a communication in connection with its collection "
    "(12 CFR 1006.2(d))",
    exempt=frozenset(
        {
            "account.not_delinquent",
            "us.reg_f.call_frequency",
            "us.policy.call_frequency_all_debts",
            "us.reg_f.after_conversation",
        }
    ),
)

#: Regulation F and the FDCPA bind debt collectors; a creditor collecting its own
#: debts in its own name keeps every rule, as tenant policy. Still law for it: the
#: automatic stay (11 U.S.C. 362 binds every creditor) and the opt-out of calls
#: and texts (the TCPA binds every caller: 47 CFR 64.1200(a)(10)).
REG_F_CREDITOR = CreditorScope(
    scope="12 CFR 1006.2(i)(1) and 15 U.S.C. 1692a(6)(A): a creditor collecting its own "
    "debts in its own name is not a debt collector",
    label="Regulation F binds debt collectors only",
    law=frozenset({"suppress.bankruptcy"}),
    recited={
        "suppress.opt_out": "47 CFR 64.1200(a)(10): consent to calls and texts may be revoked "
        "by any reasonable means (e-mail: tenant policy following 12 CFR 1006.14(h)(1))",
    },
)

US = Profile(
    code="US",
    version=VERSION,
    zones=US_ZONES,
    windows=(INCONVENIENT_TIME,),
    caps=(CALL_FREQUENCY, CALL_FREQUENCY_ALL_DEBTS, DAILY_TOTAL),
    gaps=(AFTER_CONVERSATION,),
    suppressions=SUPPRESSIONS,
    holiday_country="US",
    servicing=REG_F_SERVICING,
    creditor=REG_F_CREDITOR,
)

#: Telephone calls, text messages and recorded audio messages count together.
PHONE_AND_TEXT = frozenset({Channel.VOICE, Channel.SMS, Channel.WHATSAPP})


def _reach_unclear(scope: str, label: str) -> Servicing:
    """Regulation F's reminders, where a stricter rule's reach to a reminder before the
    due date is unclear: that rule still applies to reminders, as policy."""
    return Servicing(
        scope=f"{REG_F_SERVICING.scope}; {scope}",
        label=label,
        exempt=REG_F_SERVICING.exempt,
        collector=REG_F_SERVICING.collector,
    )


def _with_weekly_count(
    code: str, version: str, zone: str, count: tuple[Cap, Cap], servicing: Servicing
) -> Profile:
    """Regulation F plus a weekly count the law keeps per debt and that binds a creditor
    collecting its own debts too, and its cross-debt policy default (``count``)."""
    law, across = count
    return US.derive(
        code=code,
        creditor=dataclasses.replace(REG_F_CREDITOR, law=REG_F_CREDITOR.law | {law.id}),
        version=f"{VERSION}+{version}",
        zones=(zone,),
        caps=(CALL_FREQUENCY, CALL_FREQUENCY_ALL_DEBTS, law, across, DAILY_TOTAL),
        holiday_subdiv=code.split("-")[1],
        servicing=servicing,
    )


MA_COMMUNICATIONS, MA_COMMUNICATIONS_ALL_DEBTS = per_debt_and_across(
    Rule("us-ma.940cmr.7.04.communications", "940 CMR 7.04(1)(f)", "2012"),
    2,
    PHONE_AND_TEXT,
    "940 CMR 7.04(1)(f)'s two calls, texts or recorded messages",
)

# 940 CMR 7.00 is the Attorney General's rule for creditors: it binds one collecting
# its own debts (209 CMR 18 is the collectors' counterpart). It governs a creditor's
# communications "in connection with the collection of a debt": whether a courtesy
# reminder is one is unclear, so the two-in-seven cap still applies to reminders.
US_MA = _with_weekly_count(
    "US-MA",
    "MA-940CMR7",
    "America/New_York",
    (MA_COMMUNICATIONS, MA_COMMUNICATIONS_ALL_DEBTS),
    _reach_unclear(
        "940 CMR 7.03-7.04 bind creditors collecting a debt, and their reach to a reminder "
        "before the due date is unclear",
        "reach of 940 CMR 7.04 to servicing messages unclear",
    ),
)

WA_WEEKLY = Cap(
    Rule("us-wa.rcw19.16.250.weekly", "RCW 19.16.250(13)", "2019"),
    limit=3,
    window=dt.timedelta(days=7),
    channels=ALL_CHANNELS,
)

US_WA = US.derive(
    code="US-WA",
    creditor=dataclasses.replace(
        REG_F_CREDITOR,
        scope=f"{REG_F_CREDITOR.scope}; RCW 19.16.100 and 19.16.250 bind collection agencies",
        label="Regulation F and RCW 19.16.250 bind collectors only",
    ),
    version=f"{VERSION}+WA-RCW19.16",
    zones=("America/Los_Angeles",),
    caps=(CALL_FREQUENCY, CALL_FREQUENCY_ALL_DEBTS, WA_WEEKLY, DAILY_TOTAL),
    holiday_subdiv="WA",
    # RCW 19.16.250 binds licensed collection agencies; a tenant reminding its own
    # customer is outside it, a third-party sender may not be: kept, as policy.
    servicing=_reach_unclear(
        "RCW 19.16.100 and 19.16.250 bind collection agencies, and whether a reminder "
        "before the due date is collection is unclear",
        "reach of RCW 19.16.250 to servicing messages unclear",
    ),
)

#: New York City's Department of Consumer and Worker Protection, 6 RCNY 5-77 as
#: amended (in effect 1 September 2026): at most three communications or attempts
#: in seven days per account, on every medium together. Read from the department's
#: FAQ and practitioners' summaries, not the official text: the subsection is not
#: cited. The city's rules bind a creditor collecting its own debts too (the FAQ).
NYC_COMMUNICATIONS, NYC_COMMUNICATIONS_ALL_DEBTS = per_debt_and_across(
    Rule("us-ny-nyc.6rcny.5-77.communications", "6 RCNY 5-77 (as amended 2026)", "2026-09-01"),
    3,
    ALL_CHANNELS,
    "6 RCNY 5-77's three communications on every medium",
)

# Whether a courtesy reminder before the due date is "debt collection" under the
# city's rules is unclear: the three-in-seven cap still applies to it, as policy.
US_NY_NYC = _with_weekly_count(
    "US-NY-NYC",
    "NYC-6RCNY5-77",
    "America/New_York",
    (NYC_COMMUNICATIONS, NYC_COMMUNICATIONS_ALL_DEBTS),
    _reach_unclear(
        "6 RCNY 5-77 binds anyone collecting a debt in the city, and its reach to a reminder "
        "before the due date is unclear",
        "reach of 6 RCNY 5-77 to servicing messages unclear",
    ),
)

#: California's Rosenthal Act makes every "debt collector", a creditor collecting
#: its own debts included (Cal. Civ. Code 1788.2(c)), comply with 15 U.S.C. 1692b to
#: 1692j as they read on 1 January 2001 (1788.17): the statute's hours and cease
#: bind a California creditor as law. Regulation F's counts (2021) interpret 1692d,
#: which it incorporates, but are not themselves incorporated: policy for a creditor.
US_CA = US.derive(
    code="US-CA",
    version=f"{VERSION}+CA-1788.17",
    zones=("America/Los_Angeles",),
    holiday_subdiv="CA",
    creditor=dataclasses.replace(
        REG_F_CREDITOR,
        scope=f"{REG_F_CREDITOR.scope}; but Cal. Civ. Code 1788.17 applies 15 U.S.C. "
        "1692b-1692j to creditors collecting their own consumer debts",
        label="Regulation F binds debt collectors only; Cal. Civ. Code 1788.17 does not "
        "incorporate it",
        recited={
            **REG_F_CREDITOR.recited,
            "us.reg_f.inconvenient_time": "Cal. Civ. Code 1788.17, applying 15 U.S.C. "
            "1692c(a)(1): after 8 a.m. and before 9 p.m. local time",
            "suppress.cease_and_desist": "Cal. Civ. Code 1788.17, applying 15 U.S.C. 1692c(c)",
        },
    ),
)

#: The territories: Regulation F binds there too (15 U.S.C. 1692a(8): "State"
#: includes any territory or possession, and Puerto Rico), but their clocks are
#: outside ``US_ZONES`` (Guam is 14-15 hours ahead of New York), so a debtor there
#: whose zone is unknown is judged by the territory's own.
TERRITORY_ZONES = {
    "PR": "America/Puerto_Rico",
    "VI": "America/St_Thomas",
    "GU": "Pacific/Guam",
    "MP": "Pacific/Saipan",
    "AS": "Pacific/Pago_Pago",
}
US_TERRITORIES = tuple(
    US.derive(code=f"US-{code}", zones=(zone,), holiday_subdiv=code)
    for code, zone in TERRITORY_ZONES.items()
)

__all__ = [
    "ELECTRONIC",
    "US",
    "US_CA",
    "US_MA",
    "US_NY_NYC",
    "US_TERRITORIES",
    "US_WA",
    "US_ZONES",
]
