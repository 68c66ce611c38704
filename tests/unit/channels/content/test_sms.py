"""SMS segment counting against the published 3GPP TS 23.038/23.040 limits."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from recaudo.channels.content.sms import (
    GSM7,
    GSM7_BASIC,
    GSM7_EXTENSION,
    UCS2,
    normalise,
    segments,
)


@pytest.mark.parametrize(
    ("text", "encoding", "count"),
    [
        ("a" * 160, GSM7, 1),  # 160 septets fit one message
        ("a" * 161, GSM7, 2),  # concatenated: 153 per part
        ("a" * 306, GSM7, 2),
        ("a" * 307, GSM7, 3),
        ("a" * 459, GSM7, 3),
        ("a" * 460, GSM7, 4),
        ("é" * 160, GSM7, 1),  # é is in the GSM basic table
        ("€" * 80, GSM7, 1),  # extension table: escape + char = 2 septets
        ("€" * 81, GSM7, 2),
        ("ó" * 70, UCS2, 1),  # ó is not GSM-7: UCS-2, 70 units
        ("ó" * 71, UCS2, 2),  # concatenated: 67 per part
        ("ó" * 134, UCS2, 2),
        ("ó" * 135, UCS2, 3),
        ("a" * 69 + "😀", UCS2, 2),  # the emoji is a surrogate pair: 71 units
    ],
)
def test_published_segment_limits(text: str, encoding: str, count: int) -> None:
    result = segments(text)
    assert (result.encoding, result.count) == (encoding, count)


def test_an_escape_is_never_split_from_its_character() -> None:
    # 152 plain septets then a 2-septet "€": the second part starts with the escape.
    text = "a" * 152 + "€" + "a" * 10
    assert segments(text).units == 164
    assert segments(text).count == 2


def test_babels_no_break_spaces_do_not_force_ucs2() -> None:
    babel_brl = "R$\xa01.250,00 e 9:00\u202fPM"
    assert segments(babel_brl).encoding == UCS2
    assert segments(normalise(babel_brl)).encoding == GSM7


def _walked(text: str) -> tuple[str, int, int]:
    """The count character by character, as the specification describes it."""
    gsm = all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in text)
    if gsm:
        sizes, single, part = [2 if ch in GSM7_EXTENSION else 1 for ch in text], 160, 153
    else:
        sizes, single, part = [2 if ord(ch) > 0xFFFF else 1 for ch in text], 70, 67
    count, used = 1, 0
    if sum(sizes) > single:
        for size in sizes:
            if used + size > part:
                count, used = count + 1, 0
            used += size
    return (GSM7 if gsm else UCS2), count, sum(sizes)


@settings(max_examples=300)
@given(
    st.text(
        alphabet=st.sampled_from([*sorted(GSM7_BASIC | GSM7_EXTENSION), "ó", "😀", "ñ", "€"]),
        max_size=500,
    )
)
def test_the_set_based_count_matches_a_walk_over_every_character(text: str) -> None:
    result = segments(text)
    assert (result.encoding, result.count, result.units) == _walked(text)
