"""Tasks in Redis, per tenant, for the collectors' API.

One hash per tenant holds every task (``task_id`` -> JSON) and a second one the
closes, so a close is one ``HSETNX``: of two collectors closing at once exactly
one wins (the other gets 409). A per-debtor set lists the debtor's tasks for
the operations page. The decision stage writes opens idempotently (``HSETNX``)
before its state commit, so a replayed batch never reopens a closed task.
"""

from __future__ import annotations

from collections.abc import Sequence

import redis.asyncio as aioredis

from recaudo.foundation.keys import Keys
from recaudo.foundation.redis_batch import batcher
from recaudo.streams.tasks.model import Task, TaskStatus


class TaskStore:
    def __init__(self, client: aioredis.Redis, keys: Keys) -> None:
        self._r = client
        self._keys = keys

    def _all(self, tenant_id: str) -> str:
        return self._keys.tenant(tenant_id, "tasks")

    def _closed(self, tenant_id: str) -> str:
        return self._keys.tenant(tenant_id, "tasks:closed")

    def _of_debtor(self, tenant_id: str, debtor_id: str) -> str:
        return self._keys.debtor(tenant_id, debtor_id, "tasks")

    async def open(self, tasks: Sequence[Task]) -> None:
        # The batch's opens leave in one round trip (issue 14's batcher).
        await batcher(self._r).calls(
            [
                cmd
                for t in tasks
                for cmd in (
                    ("HSETNX", self._all(t.tenant_id), t.task_id, t.model_dump_json()),
                    ("SADD", self._of_debtor(t.tenant_id, t.debtor_id), t.task_id),
                )
            ]
        )

    async def get(self, tenant_id: str, task_id: str) -> Task | None:
        closed = await self._r.hget(self._closed(tenant_id), task_id)
        raw = closed or await self._r.hget(self._all(tenant_id), task_id)
        return Task.model_validate_json(raw) if raw else None

    async def close(self, task: Task) -> bool:
        """Record ``task`` (closed); False when someone closed it first."""
        assert task.status is TaskStatus.CLOSED
        return bool(
            await self._r.hsetnx(self._closed(task.tenant_id), task.task_id, task.model_dump_json())
        )

    async def reopen(self, tenant_id: str, task_id: str) -> None:
        """Undo a close whose announcement could not be published (the caller retries)."""
        await self._r.hdel(self._closed(tenant_id), task_id)

    async def list(
        self, tenant_id: str, status: TaskStatus | None = None, debtor_id: str | None = None
    ) -> list[Task]:
        """The tenant's tasks (or one debtor's), oldest due first."""
        if debtor_id is not None:
            ids = sorted(
                i.decode() if isinstance(i, bytes) else str(i)
                for i in await self._r.smembers(self._of_debtor(tenant_id, debtor_id))
            )
            raw_open = await self._r.hmget(self._all(tenant_id), ids) if ids else []
            opened: dict[str, bytes | str | None] = dict(zip(ids, raw_open, strict=True))
        else:
            every = await self._r.hgetall(self._all(tenant_id))
            opened = {_text(k): v for k, v in every.items()}
        closed = {_text(k): v for k, v in (await self._r.hgetall(self._closed(tenant_id))).items()}
        tasks = []
        for key, raw in opened.items():
            if raw is None:
                continue
            task = Task.model_validate_json(closed.get(key) or raw)
            if status is None or task.status is status:
                tasks.append(task)
        return sorted(tasks, key=lambda t: (t.due_by, t.task_id))


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
