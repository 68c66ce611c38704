"""The Reassigned Numbers Database's API (api.reassigned.us, administered by SomosGov).

``POST /b/public/api/idToken`` with ``{"refreshToken"}`` answers ``{"idToken"}``;
``POST /api/tn`` with header ``Authorization: <idToken>`` and
``{"tnList": [{"tn": "10 digits", "date": "YYYY-MM-DD", "companyId"}]}``
answers ``{"replies": [{"tn", "disconnected": "yes"|"no"|"no_data", ...}]}``.
The official specification is behind the subscriber portal; this shape is the
one public client code agrees on (see the issue 26 report).
"""

from __future__ import annotations

import datetime as dt

import aiohttp
from pydantic import SecretStr

from recaudo.channels.providers.http import call
from recaudo.foundation.errors import PermanentProviderError
from recaudo.rules.reassigned import RndResult

DEFAULT_BASE_URL = "https://api.reassigned.us"
RESULTS: dict[str, RndResult] = {"yes": "yes", "no": "no", "no_data": "no_data"}


def ten_digits(number: str) -> str:
    """The database keys US numbers by their 10 NANP digits (no +1)."""
    digits = number.lstrip("+")
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    if len(digits) != 10 or not digits.isdigit():
        raise ValueError(f"not a NANP number: {number!r}")
    return digits


class RndClient:
    """``ReassignedNumbers`` over HTTP; the id token is fetched once and reused."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        refresh_token: SecretStr,
        company_id: str,
        *,
        base_url: str = DEFAULT_BASE_URL,
        timeout_s: float = 15.0,
    ) -> None:
        self._session = session
        self._refresh = refresh_token
        self._company = company_id
        self._base = base_url.rstrip("/")
        self._timeout_s = timeout_s
        self._token: str | None = None

    async def _id_token(self) -> str:
        if self._token is None:
            reply = await call(
                self._session,
                "POST",
                f"{self._base}/b/public/api/idToken",
                timeout_s=self._timeout_s,
                json={"refreshToken": self._refresh.get_secret_value()},
            )
            token = reply.json().get("idToken") if reply.status == 200 else None
            if not isinstance(token, str) or not token:
                raise PermanentProviderError(f"rnd idToken refused: HTTP {reply.status}")
            self._token = token
        return self._token

    async def disconnected_since(self, number: str, date: dt.date) -> RndResult:
        tn = ten_digits(number)
        body = {"tnList": [{"tn": tn, "date": date.isoformat(), "companyId": self._company}]}
        for _ in range(2):
            token = await self._id_token()
            reply = await call(
                self._session,
                "POST",
                f"{self._base}/api/tn",
                timeout_s=self._timeout_s,
                json=body,
                headers={"Authorization": token},
            )
            if reply.status == 401:
                # The id token expires (about an hour): fetch a new one, once.
                self._token = None
                continue
            replies = reply.json().get("replies") if reply.status == 200 else None
            if not replies:
                break
            answer = RESULTS.get(str(replies[0].get("disconnected", "")).lower())
            if answer is None:
                break
            return answer
        raise PermanentProviderError(f"rnd query refused: HTTP {reply.status}")
