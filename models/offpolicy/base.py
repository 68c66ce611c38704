"""The contract of the folder: a challenger is anything that, given a logged
context and the options offered there, says with which probability it would
have taken each (or None when it cannot decide, so the record is reported as
unsupported instead of guessed)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

Features = Mapping[str, float | str]


class Challenger(Protocol):
    """A policy to evaluate: probabilities over the offered options, or None if undefined."""

    def probabilities(
        self, features: Features, offered: Mapping[str, float]
    ) -> dict[str, float] | None: ...
