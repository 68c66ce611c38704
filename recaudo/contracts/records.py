"""Broker records as the stages see them: one consumed (``Inbound``) and one to
produce (``Outbound``). The decision stage batches them (``streams.batch``);
the dispatch stage (``channels.dispatch.stage``) handles one at a time.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Inbound:
    """One consumed record; ``timestamp`` is the broker's, in epoch seconds."""

    topic: str
    partition: int | None
    offset: int | None
    key: bytes | None
    value: bytes
    timestamp: float


@dataclass(frozen=True, slots=True)
class Outbound:
    topic: str
    key: str
    value: bytes
