"""Policy folders for ``recaudo backtest --policy``: the built-in policy, edited."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def built_in() -> str:
    """The text of the policy the service ships."""
    return files("recaudo.rules").joinpath("default_policy.toml").read_text(encoding="utf-8")


def policy_folder(tmp_path: Path, name: str, tenant: str, text: str) -> str:
    """A ``--policy`` folder named ``name`` holding ``text`` as ``tenant``'s policy."""
    folder = tmp_path / name
    folder.mkdir()
    (folder / f"{tenant}.toml").write_text(text, encoding="utf-8")
    return str(folder)
