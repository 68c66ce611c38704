"""Colombia: Ley 2300 de 2023 ("dejen de fregar").

Law: contact only through channels the consumer authorised (art. 2); Monday to
Friday 7:00-19:00 and Saturday 8:00-15:00, never Sundays or public holidays, and
once a direct contact is made, not through several channels in the same week
nor more than once in the same day (art. 3). "El mismo día" is the debtor's
local calendar day, so the daily limit is a calendar-day cap, not a rolling
24 hours. The article ties the periodicity to a direct contact having been
made; we count every contact attempt, which is never looser. The week is
counted as seven rolling days, also never looser than a calendar week.

The weekly numbers often quoted (one a week per channel, two a week in all) are
not in the enacted text we verified; they ship as tenant-configurable defaults.
"""

from __future__ import annotations

import datetime as dt

from recaudo.contracts.events import Channel
from recaudo.rules.profiles.base import BASE_SUPPRESSIONS, Profile, policy, suppression_law
from recaudo.rules.profiles.servicing import Servicing
from recaudo.rules.rule import ALL_CHANNELS, Cap, Gap, Rule, WindowRule, hours

VERSION = "CO-2023.10"  # in force 2023-10-10
LAW = "Ley 2300 de 2023"

HORARIO = WindowRule(
    Rule("co.ley2300.art3.horario", f"{LAW}, art. 3", "2023-10"),
    days={d: hours("07:00", "19:00") for d in range(1, 6)} | {6: hours("08:00", "15:00")},
    skip_holidays=True,
)

UNA_AL_DIA = Cap(
    Rule("co.ley2300.art3.una_al_dia", f"{LAW}, art. 3", "2023-10"),
    limit=1,
    window=dt.timedelta(days=1),
    calendar_day=True,
)

UN_CANAL_POR_SEMANA = Gap(
    Rule("co.ley2300.art3.un_canal_semana", f"{LAW}, art. 3", "2023-10"),
    days=7,
    after_channels=ALL_CHANNELS,
    channels=ALL_CHANNELS,
    per_debt=False,
    other_channels_only=True,
)

_WEEK = dt.timedelta(days=7)
SEMANA_POR_CANAL = tuple(
    Cap(
        policy(
            f"co.policy.semanal.{channel}",
            f"Tenant policy default (conservative reading of {LAW}, art. 3)",
        ),
        limit=1,
        window=_WEEK,
        channels=frozenset({channel}),
    )
    for channel in Channel
)
SEMANA_TOTAL = Cap(
    policy("co.policy.semanal.total", f"Tenant policy default (reading of {LAW}, art. 3)"),
    limit=2,
    window=_WEEK,
)

CANALES_AUTORIZADOS = suppression_law("no_consent", f"{LAW}, art. 2", "2023-10")
# The brief names this a legal requirement; the article is the law's scope
# (collection management presupposes an obligation in arrears).
SOLO_EN_MORA = suppression_law("not_delinquent", f"{LAW}, art. 1", "2023-10")

CO = Profile(
    code="CO",
    version=VERSION,
    zones=("America/Bogota",),
    windows=(HORARIO,),
    caps=(UNA_AL_DIA, *SEMANA_POR_CANAL, SEMANA_TOTAL),
    gaps=(UN_CANAL_POR_SEMANA,),
    suppressions=BASE_SUPPRESSIONS | {"no_consent": CANALES_AUTORIZADOS},
    consent_law=CANALES_AUTORIZADOS,
    delinquent_law=SOLO_EN_MORA,
    holiday_country="CO",
    # Art. 1 sets the channels, hours and periodicity in which entities supervised by
    # the Superintendencia Financiera, and anyone collecting, may contact consumers:
    # for a supervised lender it may reach every contact. So every rule but the
    # arrears condition applies to reminders (as policy, the reach being unclear).
    servicing=Servicing(
        scope=f"{LAW}, art. 1: the channels, hours and periodicity of contact by entities "
        "supervised by the Superintendencia Financiera and by anyone collecting; whether a "
        "courtesy reminder on an obligation not in arrears is covered is unclear",
        label=f"reach of {LAW} to servicing messages unclear",
    ),
)
