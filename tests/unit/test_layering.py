"""Imports run one way: foundation <- contracts <- domains <- entry points.

Parsed from the source (no import side effects), so a wrong-way import fails
here before it becomes a cycle at run time. Between the domains too: the
contracts (``recaudo/contracts``) are the ground floor every domain stands on,
and ``MAY_IMPORT`` says which domain stands on which.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOMAINS = ("streams", "models", "channels", "rules", "dashboards", "simulator")
#: The ground floor: events, outputs, state, ports; a real folder inside recaudo/.
GROUND = "contracts"
#: Which domains each one may import (besides foundation and itself): a strict
#: order, so no two domains ever import each other. ``streams`` is the
#: orchestrator (the decision stage, its wiring); the simulator drives it.
MAY_IMPORT: dict[str, frozenset[str]] = {
    GROUND: frozenset(),
    "dashboards": frozenset({GROUND}),
    "rules": frozenset({GROUND}),
    "models": frozenset({GROUND, "rules"}),
    "channels": frozenset({GROUND, "rules"}),
    "streams": frozenset({GROUND, "rules", "models", "channels"}),
    "simulator": frozenset({GROUND, "rules", "models", "channels", "streams"}),
}
ENTRY_POINTS = (
    "cli",
    "policy_cli",
    "demo",
    "dev",
    "worker",
    "web",
    "stack",
    "processes",
    "embedded",
    "probes",
    "backtest",
)


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def sources(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.py") if ".venv" not in p.parts)


@pytest.mark.parametrize("domain", DOMAINS)
def test_domains_import_no_entry_point(domain: str) -> None:
    wrong = {
        f"{path.relative_to(ROOT)}: {name}"
        for path in sources(ROOT / domain)
        for name in imported_modules(path)
        if any(name == f"recaudo.{e}" or name.startswith(f"recaudo.{e}.") for e in ENTRY_POINTS)
    }
    assert not wrong


def test_foundation_imports_only_foundation() -> None:
    wrong = {
        f"{path.name}: {name}"
        for path in sources(ROOT / "recaudo" / "foundation")
        for name in imported_modules(path)
        if name.startswith("recaudo.") and not name.startswith("recaudo.foundation")
    }
    assert not wrong


def test_nothing_imports_a_top_level_folder() -> None:
    """The wheel has one import root; ``import streams`` would only work in a checkout."""
    wrong = {
        f"{path.relative_to(ROOT)}: {name}"
        for folder in (*DOMAINS, "recaudo", "bench", "tests")
        for path in sources(ROOT / folder)
        for name in imported_modules(path)
        if name.split(".")[0] in DOMAINS
    }
    assert not wrong


def folder_of(domain: str) -> Path:
    return ROOT / "recaudo" / domain if domain == GROUND else ROOT / domain


def domain_of(name: str) -> str | None:
    """The domain (or the ground floor) an imported module belongs to, if any."""
    parts = name.split(".")
    if len(parts) > 1 and parts[0] == "recaudo" and parts[1] in MAY_IMPORT:
        return parts[1]
    return None


def arrows() -> dict[tuple[str, str], set[str]]:
    """(importer, imported) -> where: every import from one domain into another."""
    found: dict[tuple[str, str], set[str]] = {}
    for domain in MAY_IMPORT:
        for path in sources(folder_of(domain)):
            for name in imported_modules(path):
                other = domain_of(name)
                if other is not None and other != domain:
                    where = f"{path.relative_to(ROOT)}: {name}"
                    found.setdefault((domain, other), set()).add(where)
    return found


def test_the_ground_floor_imports_only_foundation_and_itself() -> None:
    files = sources(folder_of(GROUND))
    assert files, "the contracts live in recaudo/contracts"
    assert not folder_of(GROUND).is_symlink()
    wrong = {
        f"{path.relative_to(ROOT)}: {name}"
        for path in files
        for name in imported_modules(path)
        if name.startswith("recaudo")
        and name.split(".")[:2] not in (["recaudo", "foundation"], ["recaudo", GROUND])
    }
    assert not wrong


def test_no_two_domains_import_each_other() -> None:
    found = arrows()
    both_ways = {
        f"{a} <-> {b}: {sorted(found[(a, b)])[:3]} / {sorted(found[(b, a)])[:3]}"
        for a, b in found
        if (b, a) in found and a < b
    }
    assert not both_ways


@pytest.mark.parametrize("domain", sorted(MAY_IMPORT))
def test_domains_import_only_the_floors_below(domain: str) -> None:
    wrong = {
        where
        for (importer, imported), places in arrows().items()
        if importer == domain and imported not in MAY_IMPORT[domain]
        for where in places
    }
    assert not wrong


def test_the_allowed_order_has_no_cycle() -> None:
    """Each domain may import only domains that come before it (a topological order)."""
    placed: list[str] = []
    left = dict(MAY_IMPORT)
    while left:
        ready = [d for d, below in left.items() if below <= set(placed)]
        assert ready, f"a cycle among {sorted(left)}"
        placed.extend(ready)
        for d in ready:
            del left[d]
