"""Mexico, Peru, Chile and Brazil.

MX: CONDUSEF general provisions on collection agencies (despachos de cobranza,
DOF 2014-10-07) allow collection 7:00-22:00 in the debtor's time zone.
PE: Ley 29571 art. 62(b) forbids collection visits or calls 20:00-07:00 and on
Saturdays, Sundays and holidays. CL: Ley 19.496 art. 37 (as amended by Ley
21.320, 2021): at most one call or visit a week, other media at most two a week
at least two days apart, on working days (CPC art. 59: 8:00-20:00). BR: CDC art.
42 and 71 forbid harassment but set no hours or counts, so Brazil's numbers are
all tenant-configurable defaults. Where a law covers calls only, the same hours
for the other channels are a policy default.
"""

from __future__ import annotations

import datetime as dt

from rules.profiles.base import BASE_SUPPRESSIONS, DAILY_TOTAL, ELECTRONIC, VOICE, Profile, policy
from rules.rule import Cap, Hours, Rule, WindowRule, every_day, hours


def _calls_and_others(
    rule: Rule, days: dict[int, Hours], skip_holidays: bool
) -> tuple[WindowRule, WindowRule]:
    """The law's window for calls, and the same hours as a policy default elsewhere."""
    others = policy(f"{rule.id}.otros_canales", f"Tenant policy default (hours of {rule.citation})")
    return (
        WindowRule(rule, days, skip_holidays, VOICE),
        WindowRule(others, days, skip_holidays, ELECTRONIC),
    )


MX = Profile(
    code="MX",
    version="MX-2014.10",
    zones=(
        "America/Tijuana",
        "America/Hermosillo",
        "America/Mazatlan",
        "America/Chihuahua",
        "America/Mexico_City",
        "America/Cancun",
    ),
    windows=(
        WindowRule(
            Rule(
                "mx.condusef.despachos.horario",
                "CONDUSEF, Disposiciones de carácter general en materia de despachos de "
                "cobranza (DOF 2014-10-07), horario de gestiones de cobro",
                "2014-10",
            ),
            days=every_day(hours("07:00", "22:00")),
        ),
    ),
    holiday_country="MX",
)

_PE_DAYS = {d: hours("07:00", "20:00") for d in range(1, 6)}
PE = Profile(
    code="PE",
    version="PE-2010.09",
    zones=("America/Lima",),
    windows=_calls_and_others(
        Rule("pe.ley29571.art62b.horario", "Ley 29571, art. 62 lit. b", "2010-09"),
        _PE_DAYS,
        skip_holidays=True,
    ),
    holiday_country="PE",
)

_CL_LAW = "Ley 19.496, art. 37 (texto Ley 21.320)"
CL = Profile(
    code="CL",
    version="CL-2021.04",
    zones=("America/Santiago", "America/Punta_Arenas", "Pacific/Easter"),
    windows=_calls_and_others(
        Rule("cl.ley19496.art37.horario", f"{_CL_LAW}; Código de Procedimiento Civil, art. 59"),
        {d: hours("08:00", "20:00") for d in range(1, 7)},
        skip_holidays=True,
    ),
    caps=(
        Cap(
            Rule("cl.ley19496.art37.llamada_semanal", _CL_LAW, "2021-04"),
            limit=1,
            window=dt.timedelta(days=7),
            channels=VOICE,
        ),
        Cap(
            Rule("cl.ley19496.art37.otros_medios_semanal", _CL_LAW, "2021-04"),
            limit=2,
            window=dt.timedelta(days=7),
            channels=ELECTRONIC,
        ),
        Cap(
            Rule("cl.ley19496.art37.separacion_dos_dias", _CL_LAW, "2021-04"),
            limit=1,
            window=dt.timedelta(days=2),
            channels=ELECTRONIC,
        ),
        DAILY_TOTAL,
    ),
    suppressions=BASE_SUPPRESSIONS
    | {"bankruptcy": Rule("cl.ley19496.art37.procedimiento_concursal", _CL_LAW, "2021-04")},
    holiday_country="CL",
)

BR = Profile(
    code="BR",
    version="BR-1990.09",
    zones=("America/Sao_Paulo", "America/Manaus", "America/Rio_Branco", "America/Noronha"),
    windows=(
        WindowRule(
            policy(
                "br.policy.horario",
                "Tenant policy default; Lei 8.078/1990 (CDC) arts. 42 e 71 set no hours",
            ),
            days={d: hours("08:00", "20:00") for d in range(1, 7)},
            skip_holidays=True,
        ),
    ),
    holiday_country="BR",
)
