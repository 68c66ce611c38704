"""The policy each strategy of ``bench.decision_quality`` runs: the shipped one with
only its ``[targeting]`` changed (mode, capacity, the learned parts toggled)."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from functools import cache
from importlib.resources import files
from typing import get_args

from recaudo.contracts.events import Channel
from recaudo.contracts.targeting import LearnedPart, Targeting

#: The adaptive strategy's learned parts (``Targeting.ablate``).
LEARNED: tuple[LearnedPart, ...] = get_args(LearnedPart)


def shipped_policy() -> str:
    return files("recaudo.rules").joinpath("default_policy.toml").read_text(encoding="utf-8")


def shipped_off() -> frozenset[str]:
    """The learned parts the shipped policy switches off."""
    return frozenset(tomllib.loads(shipped_policy())["targeting"].get("ablate", []))


def ablations() -> tuple[str, ...]:
    """Live with each learned part toggled from the shipped policy: ``live-<part>``
    switches an active part off, ``live+<part>`` an inactive one on."""
    off = shipped_off()
    return tuple(f"live{'+' if part in off else '-'}{part}" for part in LEARNED)


def toggled(strategy: str) -> tuple[str, str] | None:
    """(``-`` or ``+``, part) of an ablation strategy's name."""
    found = re.fullmatch(r"live([-+])(\w+)=?", strategy)
    return (found[1], found[2]) if found else None


def policy_text(strategy: str, capacity: int) -> str:
    """The built-in policy with only its targeting changed: the strategies share the rest."""
    text = shipped_policy()
    base = re.match(r"[a-z]+", strategy)
    mode = {"live": "adaptive", "cadence": "cadence", "amount": "amount"}[base[0] if base else ""]
    text = text.replace('mode = "adaptive"', f'mode = "{mode}"', 1)
    toggle = toggled(strategy)
    if toggle is not None:
        sign, part = toggle
        off = shipped_off() | {part} if sign == "-" else shipped_off() - {part}
        line = "ablate = [" + ", ".join(f'"{p}"' for p in sorted(off)) + "]"
        if re.search(r"^ablate = .*$", text, flags=re.M):
            text = re.sub(r"^ablate = .*$", line, text, count=1, flags=re.M)
        else:
            text = text.replace("[targeting]\n", f"[targeting]\n{line}\n", 1)
    if mode != "cadence":
        text = text.replace("daily_capacity = 0 ", f"daily_capacity = {capacity} ", 1)
    if mode == "amount":
        text = text.replace("explore = 0.1 ", "explore = 0.0 ", 1)
    return text


@cache
def channel_costs() -> dict[str, float]:
    """The policy's cost per contact by channel (every strategy shares them)."""
    targeting = Targeting.model_validate(tomllib.loads(policy_text("live", 0))["targeting"])
    return {c.value: targeting.cost_of(c) for c in Channel}


def ablated_in(strategies: Iterable[str]) -> list[str]:
    """The ablation strategies among ``strategies``, once each, in the learned parts' order."""
    names = {s for s in strategies if toggled(s)}
    return sorted(names, key=lambda n: LEARNED.index(n[5:]) if n[5:] in LEARNED else 99)
