"""Brazil: Código de Defesa do Consumidor (Lei 8.078/1990), arts. 42 and 71.

Art. 42 forbids exposing the debtor to ridicule, embarrassment or threat; art.
71 makes collection that unjustifiably interferes with work, rest or leisure a
crime. Neither sets hours or counts, so Brazil's window and caps are all
tenant-configurable policy defaults (Monday-Saturday 8:00-20:00, no holidays).
"""

from __future__ import annotations

from recaudo.rules.profiles.base import Profile, policy
from recaudo.rules.profiles.servicing import Servicing
from recaudo.rules.rule import WindowRule, hours

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
    servicing=Servicing(
        scope="Lei 8.078/1990 (CDC) arts. 42 and 71 govern the collection of debts (cobrança "
        "de débitos); a reminder before the due date is arguably not one, and Brazil's hours "
        "are policy anyway",
        label="CDC arts. 42 and 71 govern collection; hours are policy",
    ),
)
