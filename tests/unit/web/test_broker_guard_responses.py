"""The broker guard's refusals carry documented codes (an undocumented one was a 500)."""

from __future__ import annotations

import orjson

from recaudo.web.broker_guard import restarted, unconfirmed
from recaudo.web.problems import CODES


def test_refusals_are_503_with_documented_codes_and_retry_after() -> None:
    cases = ((unconfirmed(), "broker_unavailable"), (restarted(), "broker_restarted"))
    for response, code in cases:
        assert response.status == 503
        assert response.headers["Retry-After"]
        assert response.body is not None
        body = orjson.loads(bytes(response.body))  # type: ignore[arg-type]
        assert body["error"]["code"] == code
        assert code in CODES
