"""One answer per number, asked again only when it no longer decides.

An answer covers a consent date when it still tells whether the number was
disconnected since then (``ReassignedCheck.covers``) and is younger than the
database's monthly update (``MAX_AGE``). Every "now" is the injected clock's,
so a backtest replays the same checks.
"""

from __future__ import annotations

import datetime as dt
import logging

from recaudo.channels.reassigned.base import ReassignedNumbers
from recaudo.foundation.clock import Clock
from recaudo.rules.reassigned import MAX_AGE, ReassignedCheck

log = logging.getLogger(__name__)


class ReassignedCache:
    def __init__(
        self, source: ReassignedNumbers, clock: Clock, *, max_age: dt.timedelta = MAX_AGE
    ) -> None:
        self._source = source
        self._clock = clock
        self._max_age = max_age
        self._checks: dict[str, ReassignedCheck] = {}

    def last(self, number: str) -> ReassignedCheck | None:
        """The latest answer held for ``number`` (its last-check date included)."""
        return self._checks.get(number)

    async def check(self, number: str, consent: dt.date) -> ReassignedCheck:
        """The answer for ``number`` since ``consent``: the cached one while it covers
        the consent and is fresh, else a new query."""
        now = self._clock.now()
        held = self._checks.get(number)
        if held is not None and held.fresh(now, self._max_age) and held.covers(consent):
            return held
        result = await self._source.disconnected_since(number, consent)
        check = ReassignedCheck(result=result, date=consent, checked_at=now)
        self._checks[number] = check
        # The audit of the query itself; the verdict carries it as a reason.
        log.info(
            "rnd checked %s since %s: %s",
            number[-4:].rjust(len(number), "*"),
            consent.isoformat(),
            result,
        )
        return check
