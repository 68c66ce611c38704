"""Redis key names, in one place so every package agrees on them.

Keys are namespaced by deployment prefix and tenant; per-debtor keys carry a
``{debtor}`` hash tag so all of one debtor's keys live in one Redis Cluster slot
and a Lua script may touch them together.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Keys:
    prefix: str = "rc"

    def debtor(self, tenant_id: str, debtor_id: str, name: str) -> str:
        return f"{self.prefix}:{tenant_id}:{{{debtor_id}}}:{name}"

    def tenant(self, tenant_id: str, name: str) -> str:
        return f"{self.prefix}:{tenant_id}:{name}"

    def global_(self, name: str) -> str:
        return f"{self.prefix}:{name}"
