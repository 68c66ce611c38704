"""Mexico: CONDUSEF general provisions on collection agencies (despachos de cobranza).

The provisions (DOF 2014-10-07) allow collection contact from 7:00 to 22:00 in
the debtor's time zone, any day; they set no contact counts, so the counts are
our tenant-configurable defaults.
"""

from __future__ import annotations

from recaudo.rules.profiles.base import Profile
from recaudo.rules.profiles.servicing import Servicing
from recaudo.rules.rule import Rule, WindowRule, every_day, hours

HORARIO = WindowRule(
    Rule(
        "mx.condusef.despachos.horario",
        "CONDUSEF, Disposiciones de carácter general en materia de despachos de cobranza "
        "(DOF 2014-10-07), horario de gestiones de cobro",
        "2014-10",
    ),
    days=every_day(hours("07:00", "22:00")),
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
    windows=(HORARIO,),
    holiday_country="MX",
    servicing=Servicing(
        scope="CONDUSEF provisions on despachos de cobranza (DOF 2014-10-07) govern collection "
        "of loans in arrears by collection agencies; a lender's own reminder before the due "
        "date is outside them, but we keep their hours",
        label="CONDUSEF collection-agency hours kept for reminders",
    ),
)
