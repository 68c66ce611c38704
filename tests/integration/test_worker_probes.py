"""The worker's probe server (``recaudo.probes.probe_app``) answers errors in the
web's JSON shape: an unknown path, a method, an ``Expect`` it does not meet.

Served over a real socket by the same app the worker starts; the checks are
functions here, as the worker's would be, so readiness is driven both ways.
"""

from __future__ import annotations

import orjson
import pytest
from aiohttp.test_utils import TestClient, TestServer
from prometheus_client import CollectorRegistry

from recaudo.probes import probe_app
from recaudo.web.problems import CODES
from tests.integration.web.test_odd_headers import send

pytestmark = pytest.mark.integration


async def test_probe_errors_are_json_and_the_probes_still_answer() -> None:
    ready = {"redis": True}

    async def redis_ready() -> bool:
        return ready["redis"]

    app = probe_app(CollectorRegistry(), {"redis": redis_ready}, {"dry_run": True})
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        assert (await client.get("/healthz")).status == 200
        readyz = await client.get("/readyz")
        assert readyz.status == 200
        assert await readyz.json() == {"ready": True, "checks": {"redis": True}, "dry_run": True}
        ready["redis"] = False
        readyz = await client.get("/readyz")
        assert readyz.status == 503  # its documented body, kept as is
        assert (await readyz.json())["checks"] == {"redis": False}
        assert "recaudo_http_requests" in await (await client.get("/metrics")).text()

        missing = await client.get("/nope")
        assert missing.status == 404
        assert (await missing.json())["error"]["code"] == "not_found"
        wrong = await client.post("/metrics")
        assert wrong.status == 405
        assert wrong.headers["Allow"] == "GET,HEAD"
        assert (await wrong.json())["error"]["code"] == "method_not_allowed"

        for path in ("/healthz", "/nope"):
            for value in (b"200-ok", b"\xff\xfe"):
                answer = await send(client.server, "GET", path, {"Expect": value})
                head, _, body = answer.partition(b"\r\n\r\n")
                assert head.startswith(b"HTTP/1.1 417 "), (path, value, answer[:300])
                error = orjson.loads(body)["error"]
                assert error["code"] == "expectation_failed"
                assert CODES[error["code"]][0] == 417
                assert error["parameter"] == "Expect"
