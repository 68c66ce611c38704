"""Redis calls made in the same event-loop turn, sent together as one pipeline.

A batch of records fans out into one coroutine per debtor, and each awaits a
few Redis calls of its own. Awaited one by one, every call is a round trip and
a connection-pool checkout, and redis-py spends more CPU on that than Redis on
the command. Queued here instead, the calls the batch's coroutines make before
any of them waits leave in one pipeline: one checkout, one write, one read
(the auto-pipelining of ioredis and Lettuce).

Scripts go as EVALSHA, loaded once per process (a NOSCRIPT reply loads the
script and re-sends just those calls): redis-py's pipelines would ask
``SCRIPT EXISTS`` before every execute, a round trip each time. On Redis
Cluster they go as EVAL, which a cluster pipeline routes by the key's slot
(a node may lack a script loaded through another).

Calls in one pipeline are independent: whoever needs one call's effect before
another awaits the first. A connection error fails every call of the pipeline.

On a single server the pipeline is written on a pooled connection directly:
packed by hiredis's C packer (byte for byte what redis-py writes, at a third
of its cost) and read back under one timeout for the whole batch, where
redis-py's pipeline packs in Python and arms a timeout per reply. Replies go
through the client's own response callbacks, so they parse as redis-py's
would. A cluster keeps redis-py's cluster pipeline, which routes by slot.
"""

from __future__ import annotations

import asyncio
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import hiredis
import redis.asyncio as aioredis
from redis.commands.core import AsyncScript
from redis.exceptions import NoScriptError, ResponseError

from recaudo.foundation.redis_client import is_cluster

Arg = bytes | str | int | float


@dataclass(slots=True)
class _Call:
    args: tuple[Arg, ...]
    future: asyncio.Future[Any]
    script: AsyncScript | None = None


@dataclass
class BatchStats:
    """What went to Redis through a batcher: round trips and commands by name."""

    round_trips: int = 0
    commands: Counter[str] = field(default_factory=Counter)


class RedisBatch:
    def __init__(self, client: aioredis.Redis) -> None:
        self._redis = client
        self._cluster = is_cluster(client)
        self._queue: list[_Call] = []
        self._sending: set[asyncio.Task[None]] = set()
        self.stats = BatchStats()

    def call(self, *args: Arg) -> asyncio.Future[Any]:
        """One command, e.g. ``call("GET", key)``; its reply as redis-py parses it."""
        return self._enqueue(_Call(args, asyncio.get_running_loop().create_future()))

    async def calls(self, commands: Sequence[tuple[Arg, ...]]) -> list[Any]:
        """Several commands in the pipeline of this turn; their replies in order."""
        return list(await asyncio.gather(*(self.call(*args) for args in commands)))

    def script(self, script: AsyncScript, keys: list[str], args: list[Arg]) -> asyncio.Future[Any]:
        """A registered script (``client.register_script``) on ``keys`` with ``args``."""
        future = asyncio.get_running_loop().create_future()
        if self._cluster:
            text = script.script if isinstance(script.script, str | bytes) else bytes(script.script)
            return self._enqueue(_Call(("EVAL", text, len(keys), *keys, *args), future))
        sha_args = ("EVALSHA", script.sha, len(keys), *keys, *args)
        return self._enqueue(_Call(sha_args, future, script))

    def _enqueue(self, call: _Call) -> asyncio.Future[Any]:
        if not self._queue:
            # Runs after every coroutine already scheduled had its turn: the
            # calls they make on the way join this pipeline.
            asyncio.get_running_loop().call_soon(self._flush)
        self._queue.append(call)
        return call.future

    def _flush(self) -> None:
        calls, self._queue = self._queue, []
        task = asyncio.ensure_future(self._send(calls))
        self._sending.add(task)
        task.add_done_callback(self._sending.discard)

    async def _send(self, calls: list[_Call]) -> None:
        try:
            replies = await self._execute(calls)
            missing = [i for i, r in enumerate(replies) if isinstance(r, NoScriptError)]
            if missing:
                # A restarted or flushed Redis forgot the scripts: load and re-send.
                for script in {id(c.script): c.script for c in calls if c.script}.values():
                    assert script is not None
                    script.sha = await self._redis.script_load(script.script)
                again = [calls[i] for i in missing]
                for call in again:
                    assert call.script is not None
                    call.args = ("EVALSHA", call.script.sha, *call.args[2:])
                for i, reply in zip(missing, await self._execute(again), strict=True):
                    replies[i] = reply
        except asyncio.CancelledError:
            for call in calls:
                call.future.cancel()
            raise
        except Exception as exc:
            for call in calls:
                if not call.future.done():
                    call.future.set_exception(exc)
            return
        for call, reply in zip(calls, replies, strict=True):
            if call.future.done():
                continue  # its caller was cancelled
            if isinstance(reply, Exception):
                call.future.set_exception(reply)
            else:
                call.future.set_result(reply)

    async def _execute(self, calls: list[_Call]) -> list[Any]:
        self.stats.round_trips += 1
        for call in calls:
            self.stats.commands[str(call.args[0])] += 1
        if not self._cluster:
            return await self._execute_direct(calls)
        async with self._redis.pipeline(transaction=False) as pipe:
            for call in calls:
                pipe.execute_command(*call.args)
            return list(await pipe.execute(raise_on_error=False))

    async def _execute_direct(self, calls: list[_Call]) -> list[Any]:
        """One write and one read on a pooled connection; error replies as values."""
        pool = self._redis.connection_pool
        callbacks = self._redis.response_callbacks
        conn = await pool.get_connection()
        try:
            await conn.send_packed_command(
                b"".join(hiredis.pack_command(_packable(call.args)) for call in calls)
            )
            replies: list[Any] = []
            async with asyncio.timeout(conn.socket_timeout):
                for call in calls:
                    try:
                        # inf: no timeout per reply, the batch's bounds them all.
                        reply = await conn.read_response(timeout=math.inf)
                    except ResponseError as exc:
                        replies.append(exc)
                        continue
                    callback = callbacks.get(str(call.args[0]))
                    replies.append(reply if callback is None else callback(reply))
            return replies
        except BaseException:
            # A reply left unread would answer the next user of the connection.
            await conn.disconnect(nowait=True)
            raise
        finally:
            await pool.release(conn)


def _packable(args: tuple[Arg, ...]) -> Any:
    """hiredis's stub types ``pack_command`` as taking a one-element tuple."""
    return args


_ATTRIBUTE = "_recaudo_batch"


def batcher(client: aioredis.Redis) -> RedisBatch:
    """The one batcher of ``client``, shared by every store built on it.

    Kept on the client itself: every Redis call of the hot path asks for it,
    and an attribute read is a fraction of a weak-keyed dictionary lookup
    (which builds a weak reference per lookup). It goes with the client.
    """
    batch: RedisBatch | None = getattr(client, _ATTRIBUTE, None)
    if batch is None:
        batch = RedisBatch(client)
        setattr(client, _ATTRIBUTE, batch)
    return batch
