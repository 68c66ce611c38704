"""Helpers for the channels tests (imported by conftest and tests by module name)."""

from __future__ import annotations

from dataclasses import dataclass, field

import orjson
from aiohttp import test_utils, web

from recaudo.channels.dedupe import Deduper
from recaudo.channels.directory import ContactDirectory
from recaudo.channels.status_machine import StatusMachine
from recaudo.channels.webhooks import WebhookService, add_webhook_routes
from recaudo.channels.webhooks.base import Verifier
from recaudo.embedded import free_port


@dataclass
class FakePublisher:
    """Unit-test stand-in for the broker: records, or fails while ``fail`` is set."""

    records: list[tuple[str, str, dict[str, object]]] = field(default_factory=list)
    fail: bool = False

    async def publish(self, topic: str, key: str, value: bytes) -> None:
        if self.fail:
            raise OSError("broker unavailable")
        self.records.append((topic, key, orjson.loads(value)))

    def on(self, topic: str) -> list[dict[str, object]]:
        return [value for t, _, value in self.records if t == topic]


@dataclass
class Hooks:
    """The webhook routes running on loopback, with what they published."""

    client: test_utils.TestClient[web.Request, web.Application]
    service: WebhookService
    publisher: FakePublisher
    base_url: str


async def start_hooks(
    verifiers: list[Verifier],
    publisher: FakePublisher,
    deduper: Deduper,
    machine: StatusMachine,
    directory: ContactDirectory,
    max_body_bytes: int = 1 << 20,
) -> Hooks:
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    service = WebhookService(
        verifiers,
        publisher=publisher,
        deduper=deduper,
        machine=machine,
        directory=directory,
        public_base_url=base_url,
        max_body_bytes=max_body_bytes,
    )
    app = web.Application()
    add_webhook_routes(app, service)
    client = test_utils.TestClient(test_utils.TestServer(app, host="127.0.0.1", port=port))
    await client.start_server()
    return Hooks(client, service, publisher, base_url)
