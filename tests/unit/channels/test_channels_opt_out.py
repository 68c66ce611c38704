"""Opt-out, cease and dispute rules: keywords found wherever they are in a reply,
however it is written, and the words with an everyday sense only as commands."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from recaudo.channels.opt_out import (
    ANYWHERE,
    detect_cease,
    detect_dispute,
    detect_opt_out,
    detect_opt_out_all,
    normalise,
)

#: The issue's replies: none was read as an opt-out before.
ISSUE = [
    ("I already paid. STOP", "en"), ("Ya pagué. BAJA", "es"), ("Já paguei. PARE", "pt"),
    ("Por favor BAJA", "es"), ("S\u200bTOP", "en"),
]  # fmt: skip
ISSUE_ALL = [("I already told you: STOP ALL", "en"), ("já pedi para parar, SAIR TUDO", "pt")]
OPT_OUTS = [
    *ISSUE, *ISSUE_ALL,
    ("STOP", None), ("stop", "es"), ("Stop.", "en"), ("BAJA", "es"), ("baja", None),
    ("CANCELAR", "es"), ("ALTO", "es"), ("UNSUBSCRIBE", "en"), ("PARAR", "pt"), ("SAIR", "pt"),
    ("Sair", None), ("STOPALL", None), ("stop texting me please", "en"),
    ("Por favor no me llamen más", "es"), ("Dejen de escribirme", None),
    ("quiero darme de baja", "es"), ("Não quero receber mensagens", "pt"), ("  ¡BAJA!  ", "es"),
    ("STOP", "pt-BR"), ("remove me from your list", "es"),
    # The words with an everyday sense, said as a command or about our messages.
    ("Thanks. I already paid. END", "en"), ("ok, QUIT", "en"), ("Ya pagué. ALTO ya", "es"),
    ("Para, por favor.", "pt"), ("cancel all the texts", "en"), ("alto a los mensajes", "es"),
    # However it is written: full width, curly apostrophes, a variation selector.
    ("\uff33\uff34\uff2f\uff30", "en"), ("don\u2019t text me again", "en"), ("ST\ufe0fOP", "en"),
    ("please cease and desist, I paid", "en"),
]  # fmt: skip
#: An audit's replies, each missed before (read as a callback or answered with
#: the help menu): "don't call" said every other way, in the three languages.
NOT_CALLED_AGAIN = [
    ("Never call me again", "en"), ("don't ever call me again", "en"),
    ("Don't you dare call me again", "en"), ("Dont u call me", "en"),
    ("I don't want any more texts", "en"), ("unsub", "en"), ("stp", "en"), ("S T O P", "en"),
    ("deje de llamarme", "es"), ("deja de llamarme", "es"), ("para de llamarme", "es"),
    ("dejen d llamarme", "es"), ("No me hablen más", "es"), ("no me marquen más", "es"),
    ("dejen de marcarme", "es"), ("no me sigan llamando", "es"),
    ("nunca mais me liguem", "pt"), ("não me liga", "pt"), ("nao me liga mais", "pt"),
    ("não quero mais receber mensagens", "pt"), ("Não quero mais ligações", "pt"),
    ("não entrem em contato comigo", "pt"), ("Não me contate mais", "pt"),
    ("para de me mandar mensagem", "pt"), ("Para de me ligar", "pt"), ("me tira da lista", "pt"),
    ("deixem de me ligar", "pt"), ("remova meu número", "pt"), ("Me removam da lista", "pt"),
    # In another language than the one on file: the request binds all the same.
    ("dejen de llamarme", "en"), ("não me ligue mais", "en"), ("não me ligue mais", "es"),
    ("no me llamen", "en"),
]  # fmt: skip
NOT_OPT_OUTS = [
    ("Pagaré el viernes", "es"), ("cancelar la deuda hoy", "es"), ("I can pay 50 next week", "en"),
    ("¿Cuánto debo?", "es"), ("Ok", None), ("", None), ("Vou pagar amanhã", "pt"), ("no", "es"),
    # Whole words only: "stopped", "backend", "pared" and "sairam" hold a keyword.
    ("I stopped working in May", "en"), ("the backend sent it twice", "en"),
    ("la pared del banco", "es"), ("eles sairam cedo", "pt"),
    # "para" is a preposition; "end", "quit", "alto", "no más" have everyday senses.
    ("pago el viernes, para el 15", "es"), ("vou pagar para não ficar devendo", "pt"),
    ("I'll pay at the end of the month", "en"), ("I quit my job, can't pay now", "en"),
    ("el monto es muy alto", "es"), ("no más de 50 mil por ahora", "es"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "language"), OPT_OUTS)
def test_opt_out_words(text: str, language: str | None) -> None:
    assert detect_opt_out(text, language)


@pytest.mark.parametrize(("text", "language"), NOT_CALLED_AGAIN)
def test_stop_calling_said_any_way_in_any_language(text: str, language: str) -> None:
    assert detect_opt_out(text, language)


@pytest.mark.parametrize(("text", "language"), NOT_OPT_OUTS)
def test_not_opt_out(text: str, language: str | None) -> None:
    assert not detect_opt_out(text, language)


@pytest.mark.parametrize(("text", "language"), ISSUE_ALL)
def test_all_and_tudo_widen_to_every_channel(text: str, language: str) -> None:
    assert detect_opt_out_all(text, language)


def test_opt_out_all_scope() -> None:
    assert detect_opt_out_all("STOP ALL")
    assert detect_opt_out_all("baja de todo", "es")
    assert detect_opt_out_all("Please cease communication with me", "en")  # a cease
    assert not detect_opt_out_all("STOP")
    assert not detect_opt_out_all("I already paid. STOP", "en")
    assert not detect_opt_out_all("pagaré todo")  # not an opt-out at all


def test_one_normal_form() -> None:
    """NFKC, format characters out, case and accents folded, punctuation a space."""
    assert normalise("\uff39a  PAGUÉ…\u200b ¡N\u00adO me LLAMEN!") == "ya pague no me llamen"
    assert normalise("Don\u2019t  text-me\u2060") == normalise("dont TEXT me") == "dont text me"


@pytest.mark.parametrize(
    "text",
    [
        "I paid last week. Cease and desist or I call a lawyer",
        "ya pagué, cese y desista de comunicarse conmigo",
        "Por favor, cessem toda comunicação comigo",
    ],
)
def test_cease_inside_a_longer_reply(text: str) -> None:
    assert detect_cease(text)
    assert detect_opt_out_all(text)


@pytest.mark.parametrize(
    "text",
    [
        "Hello, I DON'T OWE THIS, check your records",
        "Hola. No debo nada, ya les dije",
        "já falei: NÃO DEVO isso",
        "esa deuda no es mía!!",
        "I am disputing this",
        "please verify this debt first",
        "I never had an account with you",
        "nunca tuve esa cuenta",
    ],
)
def test_dispute_inside_a_longer_reply(text: str) -> None:
    assert detect_dispute(text)


def _vocabulary() -> list[str]:
    """The words of the corpus's replies that are neither opt-outs nor cease requests."""
    path = Path(__file__).resolve().parents[2] / "fixtures" / "replies.jsonl"
    rows = [orjson.loads(line) for line in path.read_bytes().splitlines() if line.strip()]
    return sorted(
        {w for r in rows if r["ask"] not in ("opt_out", "cease") for w in r["text"].split()}
    )


VOCABULARY = _vocabulary()
#: Between two words: spaces and punctuation (an apostrophe joins, as in "don't").
SEPARATORS = (
    " ",
    "  ",
    ", ",
    ". ",
    "! ",
    "? ",
    ": ",
    "; ",
    "\n",
    " - ",
    "... ",
    " ¡",
    "¿",
    "(",
    ") ",
)
COMBINING_ACCENTS = "\u0300\u0301\u0302\u0303\u0308\u0327"
ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff\u00ad"


@st.composite
def garbled(draw: st.DrawFn, keyword: str) -> str:
    """The keyword in random case, with random accents and zero-width characters in it."""
    out = []
    for ch in keyword:
        if ch.isalpha():
            ch = ch.upper() if draw(st.booleans()) else ch
            ch += draw(st.sampled_from(("", *COMBINING_ACCENTS)))
        out.append(ch + draw(st.sampled_from(("", "", *ZERO_WIDTH))))
    return unicodedata.normalize(draw(st.sampled_from(("NFC", "NFD"))), "".join(out))


@pytest.mark.parametrize("language", sorted(ANYWHERE))
@given(data=st.data())
def test_a_keyword_anywhere_in_any_reply_is_never_missed(
    language: str, data: st.DataObject
) -> None:
    keyword = data.draw(st.sampled_from(ANYWHERE[language]))
    words = data.draw(st.lists(st.sampled_from(VOCABULARY), max_size=12))
    words = [data.draw(st.sampled_from((w, w.upper(), w.lower(), w.title()))) for w in words]
    words.insert(data.draw(st.integers(0, len(words))), data.draw(garbled(keyword)))
    text = words[0]
    for word in words[1:]:
        text += data.draw(st.sampled_from(SEPARATORS)) + word
    assert detect_opt_out(text, language), text
