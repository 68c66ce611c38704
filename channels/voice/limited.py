"""Each call's limited-content message (12 CFR 1006.2(j)), from the tenant's policy.

The business name is the sender's name where the debtor lives (``Sender``, its
entity in that jurisdiction), which names the tenant, never debt collection;
the number to call back is the first one the tenant registered there
(``caller_ids``, rules.caller_id), else the number the call comes from. The
tenant's ``voicemail_allowed`` decides whether a machine hears it at all
(rules.voicemail): None is a hang-up.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import redis.asyncio as aioredis

from recaudo.channels.voice.amd import limited_content_message
from recaudo.contracts.base import lineage
from recaudo.contracts.outputs import ContactCommand
from recaudo.contracts.state import DebtorStateBase, state_key
from recaudo.foundation.keys import Keys
from recaudo.foundation.redis_batch import batcher
from recaudo.rules.policy import TenantPolicy
from recaudo.rules.voicemail import tenant_voicemail

#: The debtor's jurisdiction (``US-NY``, ``MX``) by tenant and debtor, or None.
JurisdictionOf = Callable[[str, str], Awaitable[str | None]]


class LimitedContent:
    """``VoiceAnswers.limited``: what a machine may hear on this contact's call."""

    def __init__(
        self, policies: Callable[[str], TenantPolicy], jurisdiction_of: JurisdictionOf
    ) -> None:
        self._policies = policies
        self._jurisdiction_of = jurisdiction_of

    async def __call__(self, command: ContactCommand, caller: str) -> str | None:
        policy = self._policies(command.tenant_id)
        jurisdiction = await self._jurisdiction_of(command.tenant_id, command.debtor_id)
        if not tenant_voicemail(policy.jurisdictions, jurisdiction).allowed:
            return None
        assert jurisdiction is not None  # tenant_voicemail refuses an unknown one
        registered = [
            number
            for code in lineage(jurisdiction)
            if code in policy.jurisdictions
            for number in policy.jurisdictions[code].caller_ids
        ]
        sender = policy.sender.for_jurisdiction(jurisdiction)
        language = (command.content.tts_language if command.content else None) or (command.language)
        # 1006.2(j)(1)(iii): a name the consumer can reply to; the tenant's name is
        # the only one the policy holds, and it says nothing of a debt.
        return limited_content_message(
            sender.name, sender.name, registered[0] if registered else caller, language
        )


def stored_jurisdiction(client: aioredis.Redis, keys: Keys) -> JurisdictionOf:
    """The jurisdiction the debtor's last account event gave (the decision's own),
    read from the stored state the way ``streams.store.StateStore.load`` reads it
    (one GET in the connection's pipelined batch), without its event-id marks."""

    async def lookup(tenant_id: str, debtor_id: str) -> str | None:
        raw = await batcher(client).call("GET", state_key(keys, tenant_id, debtor_id))
        return DebtorStateBase.decode(raw).jur

    return lookup
