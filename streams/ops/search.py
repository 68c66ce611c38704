"""Find a debtor the way a person knows them: name, phone, e-mail, account reference.

Phones are compared by digits (``+1 (212) 555-0188`` finds ``+12125550188``),
the rest case-insensitively as a substring. An exact debtor id or reference
ranks first, then names, then the rest.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from recaudo.streams.ops.cards import DebtorCard

LIMIT = 20
_DIGITS = re.compile(r"\D")


@dataclass(frozen=True, slots=True)
class SearchHit:
    card: DebtorCard
    matched: str  # debtor_id, reference, name, phone or email
    rank: int


def _match(card: DebtorCard, text: str, digits: str) -> SearchHit | None:
    if text in (card.debtor_id.lower(), *(r.lower() for r in card.references)):
        field = "debtor_id" if text == card.debtor_id.lower() else "reference"
        return SearchHit(card, field, 0)
    if card.name and text in card.name.lower():
        return SearchHit(card, "name", 1)
    if len(digits) >= 4 and any(digits in _DIGITS.sub("", p) for p in card.phones):
        return SearchHit(card, "phone", 2)
    if "@" in text and any(text in e.lower() for e in card.emails):
        return SearchHit(card, "email", 2)
    if text in card.debtor_id.lower():
        return SearchHit(card, "debtor_id", 3)
    if any(text in r.lower() for r in card.references):
        return SearchHit(card, "reference", 3)
    if any(text in e.lower() for e in card.emails):
        return SearchHit(card, "email", 3)
    return None


def search(cards: Iterable[DebtorCard], query: str, limit: int = LIMIT) -> list[SearchHit]:
    """The best ``limit`` matches of ``query`` (at least 2 characters), best first."""
    text = query.strip().lower()
    if len(text) < 2:
        return []
    digits = _DIGITS.sub("", text) if not re.search(r"[a-z@]", text) else ""
    hits = [hit for card in cards if (hit := _match(card, text, digits)) is not None]
    hits.sort(key=lambda h: (h.rank, h.card.name or "", h.card.debtor_id))
    return hits[:limit]
