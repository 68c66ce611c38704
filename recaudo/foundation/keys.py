"""Redis key names, in one place so every package agrees on them.

Keys are namespaced by deployment prefix and tenant; per-debtor keys carry a
``{debtor}`` hash tag so all of one debtor's keys live in one Redis Cluster slot
and a Lua script may touch them together.
"""

from __future__ import annotations

from dataclasses import dataclass

#: The debtor's hash: one key holding what the stages keep per debtor that may
#: expire. Contact ids name its ledger fields (``channels.dispatch.ledger``);
#: every other field starts with a two-character tag ending in "~", a
#: character no identifier may hold, so no tag collides with a contact id:
#: ``r~``/``p~`` a sent contact's ref and payment link (``channels.contact_rows``),
#: ``e~`` an event id's claim and processed mark (``streams.event_ids``,
#: under a hash of the id), ``a~`` a contact's open attribution window
#: (``models.attribution``), ``c~`` a contact reserved against the frequency
#: caps (``rules.caps``). Each key costs
#: ~150 bytes of Redis before its content (its name, object, dictionary and
#: expiry entries), more than most of these fields: one key, not five. Its TTL
#: is only ever extended, to the longest any field needs; the fields that
#: expire sooner are trimmed by the scripts that write beside them.
DEBTOR_HASH = "contacts"
EVENT_FIELD = "e~"
ATTRIBUTION_FIELD = "a~"


@dataclass(frozen=True, slots=True)
class Keys:
    prefix: str = "rc"

    def debtor(self, tenant_id: str, debtor_id: str, name: str) -> str:
        return f"{self.prefix}:{tenant_id}:{{{debtor_id}}}:{name}"

    def debtor_hash(self, tenant_id: str, debtor_id: str) -> str:
        """The debtor's hash (``DEBTOR_HASH``)."""
        return self.debtor(tenant_id, debtor_id, DEBTOR_HASH)

    def tenant(self, tenant_id: str, name: str) -> str:
        return f"{self.prefix}:{tenant_id}:{name}"

    def global_(self, name: str) -> str:
        return f"{self.prefix}:{name}"

    def voice_call(self, ref: str) -> str:
        """A call in flight's scripts and detection verdict, by its ref token: the
        worker writes them when it places the call, the web's answer webhook reads."""
        return self.global_(f"voice:{ref}")
