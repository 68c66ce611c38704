"""The pay page speaks es, en and pt with the same keys and placeholders."""

from __future__ import annotations

import string

from recaudo.web.pay_texts import TEXTS, texts_for


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_language_has_every_key_with_the_same_placeholders() -> None:
    english = TEXTS["en"]
    for language, texts in TEXTS.items():
        assert texts.keys() == english.keys(), language
        for key, text in texts.items():
            assert _fields(text) == _fields(english[key]), (language, key)


def test_a_language_is_its_base_and_unknown_ones_are_english() -> None:
    assert texts_for("es-CO")[0] == "es"
    assert texts_for("pt-BR")[0] == "pt"
    assert texts_for("fr")[0] == "en"
