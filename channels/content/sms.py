"""SMS length the way handsets and carriers count it (3GPP TS 23.038 / 23.040).

A body that fits the GSM 7-bit default alphabet is sent as GSM-7: 160 septets
in one message, 153 per part when concatenated (the 6-octet UDH takes 7
septets). Characters of the extension table (``^{}[]~\\|€`` and form feed) are
an escape plus a character: two septets. Anything else forces UCS-2: 70 UTF-16
code units alone, 67 per part. A concatenated GSM-7 part never ends on a lone
escape, so a split falls before it.
"""

from __future__ import annotations

from dataclasses import dataclass

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")
# Babel separates currency and digits with no-break spaces (U+00A0, U+202F):
# as plain spaces they keep a message in GSM-7 instead of doubling its cost.
_SPACES = str.maketrans({"\u00a0": " ", "\u202f": " ", "\u2009": " ", "\u2007": " "})

GSM7, UCS2 = "GSM-7", "UCS-2"


@dataclass(frozen=True, slots=True)
class Segments:
    encoding: str
    count: int
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2)


def normalise(text: str) -> str:
    return text.translate(_SPACES)


GSM7_ALL = GSM7_BASIC | GSM7_EXTENSION


def is_gsm7(text: str) -> bool:
    return GSM7_ALL.issuperset(text)


def segments(text: str) -> Segments:
    """How many SMS parts ``text`` takes, and in which encoding.

    Counted over the distinct characters first (set operations, once per
    message rendered); a character-by-character walk only when the text
    needs more than one part.
    """
    chars = set(text)
    if GSM7_ALL.issuperset(chars):
        wide, single, part = chars & GSM7_EXTENSION, 160, 153
        encoding = GSM7
    else:
        # UTF-16: characters outside the BMP (emoji) take a surrogate pair, never split.
        wide, single, part = {ch for ch in chars if ord(ch) > 0xFFFF}, 70, 67
        encoding = UCS2
    units = len(text) + sum(text.count(ch) for ch in wide)
    if units <= single:
        return Segments(encoding, 1, units)
    sizes = [2 if ch in wide else 1 for ch in text]
    return Segments(encoding, _count(sizes, single, part), units)


def _count(sizes: list[int], single: int, part: int) -> int:
    total = sum(sizes)
    if total <= single:
        return 1
    count, used = 1, 0
    for size in sizes:
        if used + size > part:
            count, used = count + 1, 0
        used += size
    return count
