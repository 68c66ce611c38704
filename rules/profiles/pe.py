"""Peru: Código de Protección y Defensa del Consumidor (Ley 29571), art. 62.

Art. 62(b) forbids collection visits or telephone calls between 20:00 and 7:00
and on Saturdays, Sundays and public holidays. The law names calls; the same
hours for SMS, e-mail and WhatsApp are a tenant-configurable policy default.
"""

from __future__ import annotations

from recaudo.rules.profiles.base import Profile, calls_and_others
from recaudo.rules.profiles.servicing import Servicing
from recaudo.rules.rule import Rule, hours

PE = Profile(
    code="PE",
    version="PE-2010.09",
    zones=("America/Lima",),
    windows=calls_and_others(
        Rule("pe.ley29571.art62b.horario", "Ley 29571, art. 62 lit. b", "2010-09"),
        {d: hours("07:00", "20:00") for d in range(1, 6)},
        skip_holidays=True,
    ),
    holiday_country="PE",
    servicing=Servicing(
        scope="Ley 29571, art. 62 lists abusive collection methods (cobranza); whether a "
        "reminder before the due date is cobranza is unclear",
        label="reach of Ley 29571 art. 62 to servicing messages unclear",
    ),
)
