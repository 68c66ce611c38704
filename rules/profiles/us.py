"""United States: Regulation F (12 CFR part 1006, implementing the FDCPA).

Numbers here are the regulation's: 8:00-21:00 local time, 7 calls in 7 days,
7 days after a telephone conversation. Reg F counts calls per debt; we count
per debtor, which is never looser. Massachusetts (940 CMR 7.04) is stricter.
"""

from __future__ import annotations

import datetime as dt

from recaudo.rules.profiles.base import (
    BASE_SUPPRESSIONS,
    DAILY_TOTAL,
    ELECTRONIC,
    VOICE,
    Profile,
    suppression_law,
)
from recaudo.rules.rule import Cap, Gap, Rule, WindowRule, every_day, hours

VERSION = "US-2021.11"  # Reg F effective 2021-11-30

#: Every zone of the 50 states and DC; used when the debtor's zone is unknown
#: (12 CFR 1006.6(b)(1)(i): comply with every location the collector could believe).
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
)

AFTER_CONVERSATION = Gap(
    Rule("us.reg_f.after_conversation", "12 CFR 1006.14(b)(2)(i)(B)", "2021-11"),
    days=7,
    after_channels=VOICE,
    channels=VOICE,
)

SUPPRESSIONS = BASE_SUPPRESSIONS | {
    "cease_and_desist": suppression_law("cease_and_desist", "12 CFR 1006.6(c)(1)", "2021-11"),
    "dispute": suppression_law("dispute", "15 U.S.C. 1692g(b)", "2010"),
    "bankruptcy": suppression_law("bankruptcy", "11 U.S.C. 362(a)(6)", "2005"),
    "opt_out": suppression_law("opt_out", "12 CFR 1006.14(h)(1)", "2021-11"),
    "opt_out_electronic": suppression_law("opt_out_electronic", "12 CFR 1006.6(e)", "2021-11"),
}

US = Profile(
    code="US",
    version=VERSION,
    zones=US_ZONES,
    windows=(INCONVENIENT_TIME,),
    caps=(CALL_FREQUENCY, DAILY_TOTAL),
    gaps=(AFTER_CONVERSATION,),
    suppressions=SUPPRESSIONS,
    holiday_country="US",
)

MA_CALLS = Cap(
    Rule("us-ma.940cmr.7.04.calls", "940 CMR 7.04(1)(f)", "2012"),
    limit=2,
    window=dt.timedelta(days=7),
    channels=VOICE,
)

US_MA = US.derive(
    code="US-MA",
    version=f"{VERSION}+MA-940CMR7",
    zones=("America/New_York",),
    caps=(CALL_FREQUENCY, MA_CALLS, DAILY_TOTAL),
    holiday_subdiv="MA",
)

__all__ = ["ELECTRONIC", "US", "US_MA", "US_ZONES"]
