"""Baseline for the pipeline benchmark: a bare Faust agent that forwards records.

Same broker, same partitions, same batching and awaited sends as the decide
agent, and nothing else: the ratio to it is the cost of deciding.
``BENCH_READER``: ``take_events`` (Faust's own batching, the baseline) or
``agent_batches`` (the workers' reader, ``streams.agent_batches``), to price
Faust's per-record stream iteration on its own. ``BENCH_TRANSPORT``: ``faust``
(the baseline) or ``recaudo``, the workers' transport (``streams.transport``:
records handed to the streams without tasks), to price that on its own.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Sequence
from typing import Any, cast

import faust

from recaudo.stack import bare_faust_app
from recaudo.streams.agent_batches import agent_batches
from recaudo.streams.transport import app_class

# The bare app's consumer waits Faust's default 1500 ms for a fetch to fill.
TRANSPORTS: dict[str, type[faust.App]] = {"faust": faust.App, "recaudo": app_class(1500)}

app = bare_faust_app(
    os.environ["BENCH_APP_ID"],
    os.environ["BENCH_BROKER_URL"],
    os.environ["BENCH_DATADIR"],
    int(os.environ.get("BENCH_PARTITIONS", "4")),
    TRANSPORTS[os.environ.get("BENCH_TRANSPORT", "faust")],
)
raw: dict[str, Any] = {"key_type": bytes, "value_type": bytes}
source = app.topic(os.environ["BENCH_IN"], **raw)
sink = app.topic(os.environ["BENCH_OUT"], **raw)
READER = os.environ.get("BENCH_READER", "take_events")


def batches(stream: faust.StreamT[bytes]) -> AsyncIterator[Sequence[faust.EventT]]:
    if READER == "agent_batches":
        return agent_batches(stream, 200, 0.01)
    return cast(faust.Stream[bytes], stream).take_events(200, 0.01)


@app.agent(source)
async def forward(stream: faust.StreamT[bytes]) -> None:
    async for events in batches(stream):
        futures = [
            await sink.send(key=e.message.key, value=e.message.value, force=True) for e in events
        ]
        await asyncio.gather(*futures)


if __name__ == "__main__":
    faust.Worker(app, loglevel="warning").execute_from_commandline()
