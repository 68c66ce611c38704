"""Each served tenant's policy, loaded once at start so a bad file stops the process
with its error instead of failing decisions later."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from recaudo.foundation.errors import PolicyError
from recaudo.rules.policy import TenantPolicy, default_policy, load_policy


class TenantPolicies:
    """``<policy_dir>/<tenant>.toml`` when present, else the built-in default policy.

    A ``policy_dir`` that is not a directory stops the process: a mistyped or
    unmounted folder would otherwise run every tenant on the built-in policy.
    """

    def __init__(self, tenants: Iterable[str], policy_dir: str | Path | None) -> None:
        folder = Path(policy_dir) if policy_dir else None
        if folder is not None and not folder.is_dir():
            raise PolicyError(
                f"policy directory {folder} (RECAUDO_POLICY_DIR): no such directory; "
                "unset it to run every tenant on the built-in policy"
            )
        self._default = default_policy()
        self._by_tenant: dict[str, TenantPolicy] = {}
        for tenant in tenants:
            path = folder / f"{tenant}.toml" if folder else None
            self._by_tenant[tenant] = load_policy(path) if path and path.exists() else self._default

    def __call__(self, tenant_id: str) -> TenantPolicy:
        return self._by_tenant.get(tenant_id, self._default)

    def versions(self) -> dict[str, str]:
        return {tenant: policy.version for tenant, policy in self._by_tenant.items()}
