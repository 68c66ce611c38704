"""Faust's Kafka transport with a configurable consumer fetch wait.

Faust fixes ``fetch_max_wait_ms`` at 1500. Kafka answers a fetch as soon as
data arrives, so that only bounds idle polling; the tansu dev broker instead
holds the fetch for most of the wait, which turned into ~0.5 s of latency per
hop in our measurements (bench/README.md). Dev, demo and tests lower it.
"""

from __future__ import annotations

from typing import Any

import faust
from faust.transport.drivers import aiokafka as faust_kafka


def app_class(fetch_max_wait_ms: int) -> type[faust.App]:
    class ConsumerThread(faust_kafka.AIOKafkaConsumerThread):
        def _create_worker_consumer(self, transport: Any) -> Any:
            consumer = super()._create_worker_consumer(transport)
            # Read by AIOKafkaConsumer.start() when it builds its fetcher.
            consumer._fetch_max_wait_ms = fetch_max_wait_ms
            return consumer

    class LowLatencyConsumer(faust_kafka.Consumer):
        def _new_consumer_thread(self) -> ConsumerThread:
            return ConsumerThread(self, loop=self.loop, beacon=self.beacon)

    class Transport(faust_kafka.Transport):
        Consumer = LowLatencyConsumer

    class App(faust.App):
        def _new_transport(self) -> Any:
            return Transport(self.conf.broker_consumer, self)

    return App
