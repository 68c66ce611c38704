"""What a webhook's dead letter keeps of what a provider sent: bounded.

A dead letter must fit one broker record (1 MiB by default) whatever a provider
sent, or its publish fails and the provider is told to retry, for days, what we
cannot use. The provider webhooks and the payment webhooks both cut here.
"""

from __future__ import annotations

import datetime as dt

from recaudo.contracts.dead_letters import DeadLetter, dead_letter

LETTER_BODY_MAX = 256 * 1024
LETTER_ID_MAX = 128


def webhook_letter(
    source: str,
    body: bytes,
    error: tuple[str, str],
    at: dt.datetime,
    *,
    key: str | None,
    tenant_id: str | None = None,
) -> DeadLetter:
    """The dead letter of what a provider posted to ``source``, bounded (``letter_parts``)."""
    kept, why = letter_parts(body, error[1])
    return dead_letter(source, kept, (error[0], why), at, key=key, tenant_id=tenant_id)


def letter_parts(body: bytes, why: str) -> tuple[bytes, str]:
    """The body and reason a dead letter carries: the body cut to ``LETTER_BODY_MAX``
    (the reason then says so) and the reason bounded alike."""
    if len(body) > LETTER_BODY_MAX:
        why = f"{why} (body cut to its first {LETTER_BODY_MAX} of {len(body)} bytes)"
        body = body[:LETTER_BODY_MAX]
    return body, why[:4096]


def clip(value: str | None) -> str | None:
    """A provider id, bounded for a dead letter's key and reason."""
    return None if value is None else value[:LETTER_ID_MAX]
