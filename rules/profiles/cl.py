"""Chile: Ley 19.496 (consumer protection), art. 37, as amended by Ley 21.320 (2021).

Law: at most one telephone contact or visit a week; other media (letters, SMS,
e-mail, instant messaging) at most two a week, at least two days apart; calls
only on working days and hours (Código de Procedimiento Civil art. 59:
8:00-20:00, not on public holidays); extrajudicial collection ends when
insolvency proceedings start. "A week" is counted as a rolling 7 days.
"""

from __future__ import annotations

import datetime as dt

from recaudo.contracts.base import LegalFlag
from recaudo.rules.profiles.base import (
    BASE_SUPPRESSIONS,
    DAILY_TOTAL,
    ELECTRONIC,
    VOICE,
    Profile,
    calls_and_others,
    suppression_law,
)
from recaudo.rules.profiles.servicing import Servicing
from recaudo.rules.rule import Cap, Rule, hours

LAW = "Ley 19.496, art. 37 (texto Ley 21.320)"

CL = Profile(
    code="CL",
    version="CL-2021.04",
    zones=("America/Santiago", "America/Punta_Arenas", "Pacific/Easter"),
    windows=calls_and_others(
        Rule("cl.ley19496.art37.horario", f"{LAW}; Código de Procedimiento Civil, art. 59"),
        {d: hours("08:00", "20:00") for d in range(1, 7)},
        skip_holidays=True,
    ),
    caps=(
        Cap(
            Rule("cl.ley19496.art37.llamada_semanal", LAW, "2021-04"),
            limit=1,
            window=dt.timedelta(days=7),
            channels=VOICE,
        ),
        Cap(
            Rule("cl.ley19496.art37.otros_medios_semanal", LAW, "2021-04"),
            limit=2,
            window=dt.timedelta(days=7),
            channels=ELECTRONIC,
        ),
        Cap(
            Rule("cl.ley19496.art37.separacion_dos_dias", LAW, "2021-04"),
            limit=1,
            window=dt.timedelta(days=2),
            channels=ELECTRONIC,
        ),
        DAILY_TOTAL,
    ),
    suppressions=BASE_SUPPRESSIONS
    | {LegalFlag.BANKRUPTCY: suppression_law(LegalFlag.BANKRUPTCY, LAW, "2021-04")},
    holiday_country="CL",
    servicing=Servicing(
        scope=f"{LAW}: rules for extrajudicial collection (cobranza extrajudicial) of credits; "
        "whether a reminder before the due date is covered is unclear",
        label="reach of Ley 19.496 art. 37 to servicing messages unclear",
    ),
)
