"""Imports run one way: foundation <- domains <- entry points.

Parsed from the source (no import side effects), so a wrong-way import fails
here before it becomes a cycle at run time.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOMAINS = ("streams", "models", "channels", "rules", "dashboards", "simulator")
ENTRY_POINTS = (
    "cli",
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
