"""The FCC Reassigned Numbers Database's query API, as the sandbox answers it.

``POST /b/public/api/idToken`` trades the refresh token for an id token;
``POST /api/tn`` answers each ``tnList`` item ``yes`` when the number was
permanently disconnected on or after its ``date``, ``no`` when not, and
``no_data`` for a date before 2021-01-27, when providers began keeping the
data (FCC DA 21-1649).
"""

from __future__ import annotations

import datetime as dt
import secrets

import orjson
from aiohttp import web

from recaudo.channels.reassigned.rnd import ten_digits

DATA_SINCE = dt.date(2021, 1, 27)
REFRESH_TOKEN = "rnd-sandbox-refresh"
COMPANY_ID = "RECAUDO"


class RndSandbox:
    """Disconnections the test declares, and the two routes that read them."""

    def __init__(self) -> None:
        self.disconnected: dict[str, dt.date] = {}
        self.queries: list[dict[str, str]] = []
        self._tokens: set[str] = set()

    def disconnect(self, number: str, on: dt.date) -> None:
        """Record ``number``'s most recent permanent disconnection."""
        self.disconnected[ten_digits(number)] = on

    def add_routes(self, router: web.UrlDispatcher) -> None:
        router.add_post("/b/public/api/idToken", self._id_token)
        router.add_post("/api/tn", self._query)

    async def _id_token(self, request: web.Request) -> web.Response:
        body = orjson.loads(await request.read() or b"{}")
        if body.get("refreshToken") != REFRESH_TOKEN:
            return web.json_response({"message": "invalid refresh token"}, status=401)
        token = secrets.token_urlsafe(24)
        self._tokens.add(token)
        return web.json_response({"idToken": token})

    async def _query(self, request: web.Request) -> web.Response:
        if request.headers.get("Authorization") not in self._tokens:
            return web.json_response({"message": "Unauthorized"}, status=401)
        body = orjson.loads(await request.read() or b"{}")
        replies = []
        for item in body.get("tnList", []):
            tn, date = str(item["tn"]), dt.date.fromisoformat(str(item["date"]))
            self.queries.append({"tn": tn, "date": date.isoformat()})
            replies.append(
                {
                    "tn": tn,
                    "disconnected": self._answer(tn, date),
                    "companyId": item.get("companyId", COMPANY_ID),
                    "dateProvided": date.isoformat(),
                }
            )
        return web.json_response({"replies": replies})

    def _answer(self, tn: str, date: dt.date) -> str:
        last = self.disconnected.get(tn)
        if last is not None and last >= date:
            return "yes"
        return "no_data" if date < DATA_SINCE else "no"
