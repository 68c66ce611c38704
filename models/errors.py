"""Errors of the learners, as a branch of the one tree in ``recaudo.errors``."""

from __future__ import annotations

from recaudo.errors import RecaudoError


class ModelStateError(RecaudoError, ValueError):
    """A stored per-debtor state or a model checkpoint is malformed or of another layout."""
