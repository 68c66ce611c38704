"""Caller identity: collection calls and messages go out only from registered numbers.

Mexico: CONDUSEF's Registro de Despachos de Cobranza (REDECO) holds the
telephones each collector uses for its collection work, and a collector may
not call from a number the debtor cannot identify. Brazil: Anatel's collection
prefix 0304 (approved 2022-11-03) was never put in force as far as we could
read; Ato 12.712/2024 moved high-volume callers (more than 10,000 calls a day)
to 0303, later made optional, with call authentication required above 500,000
calls a month, which the carrier enforces, not a per-contact rule. Both are
tenant-policy defaults until the article texts are read: a contact from a
number the tenant did not register for the jurisdiction is refused.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated

from pydantic import Field

from recaudo.contracts.events import Channel
from recaudo.rules.rule import Rule

#: A telephone number in E.164 form.
E164 = Annotated[str, Field(pattern=r"^\+[1-9][0-9]{6,14}$")]

PHONE_CHANNELS: frozenset[Channel] = frozenset({Channel.VOICE, Channel.SMS, Channel.WHATSAPP})

RULES: Mapping[str, Rule] = {
    "MX": Rule(
        "suppress.caller_id",
        "Tenant policy default: CONDUSEF, Disposiciones de carácter general aplicables a las "
        "entidades financieras en materia de despachos de cobranza (DOF 2014-10-07) and the "
        "REDECO registration of the telephones used for collection; the article was not read",
        "2014-10",
        kind="policy_default",
    ),
    "BR": Rule(
        "suppress.caller_id",
        "Tenant policy default: Anatel Ato 12.712/2024 (code 0303 for callers of more than "
        "10,000 calls a day, since made optional) and call authentication above 500,000 "
        "calls a month; prefix 0304 for collection approved 2022-11-03, not found in force",
        "2025-11",
        kind="policy_default",
    ),
}
