"""Hand-off to the broker for processes that are not Faust workers (web, webhooks)."""

from __future__ import annotations

from typing import Protocol


class Publisher(Protocol):
    """Publish one record and return only once the broker acknowledged it."""

    async def publish(self, topic: str, key: str, value: bytes) -> None: ...
