"""Consumer lag per topic and partition, read from the Faust consumer when scraped.

Lag is the broker's high-water mark minus the group's committed offset for
each partition this worker owns: records written and not yet processed for
good. A partition with no commit yet is left out rather than guessed.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector


class ConsumerLag(Collector):
    def __init__(self, app: Any) -> None:
        self._app = app  # a faust.App; its consumer exists only once the worker runs

    def collect(self) -> Iterator[GaugeMetricFamily]:
        family = GaugeMetricFamily(
            "recaudo_consumer_lag",
            "Records on the broker not yet committed by this worker, per owned partition.",
            labels=["topic", "partition"],
        )
        for topic, partition, lag in self.partitions():
            family.add_metric([topic, str(partition)], float(lag))
        yield family

    def partitions(self) -> list[tuple[str, int, int]]:
        try:
            consumer = self._app.consumer
            assigned = sorted(consumer.assignment())
        except Exception:  # not started, or between rebalances: nothing owned to report
            return []
        out = []
        for tp in assigned:
            # Faust keeps the offset it last committed (the next one to read);
            # there is no public accessor for it.
            committed = consumer._committed_offset.get(tp)
            try:
                highwater = consumer.highwater(tp)
            except Exception:
                highwater = None
            if committed is None or highwater is None:
                continue
            out.append((tp.topic, tp.partition, max(0, int(highwater) - int(committed))))
        return out
