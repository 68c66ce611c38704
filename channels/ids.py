"""Deterministic event ids from provider ids, valid under the event contract.

The same provider event always yields the same ``event_id``, so downstream
de-duplication by ``event_id`` also catches what slips past ours.
"""

from __future__ import annotations

import hashlib
import re

_VALID = re.compile(r"^[A-Za-z0-9._:@/-]{1,128}$")


def event_id(*parts: str) -> str:
    joined = ":".join(parts)
    if _VALID.match(joined):
        return joined
    return f"{parts[0]}:h:{hashlib.sha256(joined.encode()).hexdigest()[:40]}"
