"""Standard Webhooks signatures, made by the ``standardwebhooks`` library itself.

During a rotation an endpoint has two live secrets and the header carries a
``v1,`` signature for each (space-separated, as the specification allows), so
a receiver verifies with either while it switches over.
"""

from __future__ import annotations

import base64
import datetime as dt
import secrets
from collections.abc import Sequence

import standardwebhooks


def new_secret() -> str:
    """A fresh ``whsec_`` secret: 32 random bytes, base64 (24 is the spec's minimum)."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


class Signer:
    def __init__(self, live_secrets: Sequence[str]) -> None:
        if not live_secrets:
            raise ValueError("an endpoint needs at least one secret")
        self._hooks = [standardwebhooks.Webhook(s) for s in live_secrets]

    def headers(self, msg_id: str, at: dt.datetime, body: str) -> dict[str, str]:
        """The three headers for ``body`` sent as message ``msg_id`` at ``at``."""
        signatures = " ".join(h.sign(msg_id=msg_id, timestamp=at, data=body) for h in self._hooks)
        return {
            "webhook-id": msg_id,
            "webhook-timestamp": str(int(at.timestamp())),
            "webhook-signature": signatures,
            "content-type": "application/json",
        }
