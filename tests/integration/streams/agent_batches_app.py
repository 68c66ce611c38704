"""A bare Faust app whose one agent reads ``streams.agent_batches``: each batch it
takes goes out as one record listing the (partition, offset) of its events, keyed
by the worker's name; ``BATCHES_DELAY_S`` is how long handling a batch takes.
With ``BATCHES_SECOND_DELAY_S`` set, a second agent reads the same topic, keyed
``<worker>+second``, each batch taking that long: a record two agents read is
acked once both have handled it.

Run by ``test_agent_batches.py`` as a worker process of its own.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

import faust
import orjson

from recaudo.stack import bare_faust_app
from recaudo.streams.agent_batches import agent_batches

app = bare_faust_app(
    os.environ["BATCHES_APP_ID"],
    os.environ["BATCHES_BROKER_URL"],
    os.environ["BATCHES_DATADIR"],
    int(os.environ["BATCHES_PARTITIONS"]),
    broker_commit_interval=0.2,
)
raw: dict[str, Any] = {"key_type": bytes, "value_type": bytes}
source = app.topic(os.environ["BATCHES_IN"], **raw)
sink = app.topic(os.environ["BATCHES_OUT"], **raw)


WORKER = os.environ["BATCHES_WORKER"].encode()
DELAY_S = float(os.environ["BATCHES_DELAY_S"])


async def forward(stream: faust.StreamT[bytes], worker: bytes, delay_s: float) -> None:
    async for events in agent_batches(stream, int(os.environ["BATCHES_MOST"]), 0.01):
        await asyncio.sleep(delay_s)
        taken = [[e.message.partition, e.message.offset] for e in events]
        sent = await sink.send(key=worker, value=orjson.dumps(taken), force=True)
        await sent


@app.agent(source, name="forward")
async def first(stream: faust.StreamT[bytes]) -> None:
    await forward(stream, WORKER, DELAY_S)


if "BATCHES_SECOND_DELAY_S" in os.environ:
    SECOND_DELAY_S = float(os.environ["BATCHES_SECOND_DELAY_S"])

    @app.agent(source, name="second")
    async def second(stream: faust.StreamT[bytes]) -> None:
        await forward(stream, WORKER + b"+second", SECOND_DELAY_S)


if __name__ == "__main__":
    faust.Worker(app, loglevel="warning").execute_from_commandline()
