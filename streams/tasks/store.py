"""Tasks in Redis, per tenant, for the collectors' API.

One hash per tenant holds every task (``task_id`` -> JSON) and a second one the
closes, so a close is one ``HSETNX``: of two collectors closing at once exactly
one wins (the other gets 409). A per-debtor set lists the debtor's tasks for
the operations page. A third hash holds claims (``HSETNX`` again: one agent
works a task) and a list per task its notes; both are folded into the task
as read, so the record the decision stage wrote is never rewritten. The
decision stage writes opens idempotently (``HSETNX``) before its state
commit, so a replayed batch never reopens a closed task.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import orjson
import redis.asyncio as aioredis

from recaudo.foundation.keys import Keys
from recaudo.foundation.redis_batch import batcher
from recaudo.streams.tasks.model import Task, TaskNote, TaskStatus


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

    def _claims(self, tenant_id: str) -> str:
        return self._keys.tenant(tenant_id, "tasks:claims")

    def _notes(self, tenant_id: str, task_id: str) -> str:
        return self._keys.tenant(tenant_id, f"tasks:notes:{task_id}")

    async def claim(self, tenant_id: str, task_id: str, by: str, at: dt.datetime) -> str:
        """Claim the task for ``by``; the agent holding it (``by`` unless another was first)."""
        value = orjson.dumps({"by": by, "at": at.isoformat()})
        if await self._r.hsetnx(self._claims(tenant_id), task_id, value):
            return by
        raw = await self._r.hget(self._claims(tenant_id), task_id)
        return str(orjson.loads(raw)["by"]) if raw else by

    async def add_note(self, tenant_id: str, task_id: str, note: TaskNote) -> None:
        await self._r.rpush(self._notes(tenant_id, task_id), note.model_dump_json())

    async def _decorate(self, tenant_id: str, tasks: list[Task]) -> list[Task]:
        """Each task with its claim and notes (one round trip for all)."""
        if not tasks:
            return tasks
        ids = [t.task_id for t in tasks]
        async with self._r.pipeline(transaction=False) as pipe:
            pipe.hmget(self._claims(tenant_id), ids)
            for task_id in ids:
                pipe.lrange(self._notes(tenant_id, task_id), 0, -1)
            claims, *notes = await pipe.execute()
        out = []
        for task, claim, raw_notes in zip(tasks, claims, notes, strict=True):
            update: dict[str, object] = {
                "notes": [TaskNote.model_validate_json(n) for n in raw_notes]
            }
            if claim:
                held = orjson.loads(claim)
                update |= {"claimed_by": held["by"], "claimed_at": held["at"]}
            out.append(Task.model_validate(task.model_dump() | update))
        return out

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
        if not raw:
            return None
        return (await self._decorate(tenant_id, [Task.model_validate_json(raw)]))[0]

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
        return await self._decorate(tenant_id, sorted(tasks, key=lambda t: (t.due_by, t.task_id)))


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
