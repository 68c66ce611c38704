"""What simulated debtors write back, in Spanish, English and Portuguese.

Opt-out texts use words the service's legal rules match (``channels.opt_out``);
promise texts name the weekday the structured ``Promise`` falls due on.
"""

from __future__ import annotations

import datetime as dt
import random

WEEKDAYS: dict[str, tuple[str, ...]] = {
    "es": ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"),
    "en": ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"),
    "pt": ("segunda", "terça", "quarta", "quinta", "sexta", "sábado", "domingo"),
}
PROMISE: dict[str, tuple[str, ...]] = {
    "es": ("pago el {day}", "el {day} le pago", "le consigno el {day} sin falta"),
    "en": ("I will pay on {day}", "paying {day}", "will send the money {day}"),
    "pt": ("pago na {day}", "vou pagar na {day}", "na {day} eu pago"),
}
OPT_OUT: dict[str, tuple[str, ...]] = {
    "es": ("BAJA", "no me escriban más", "dejen de molestar", "STOP"),
    "en": ("STOP", "stop texting me", "remove me from your list"),
    "pt": ("SAIR", "parem de enviar", "não quero receber"),
}
#: Opt-outs that cover every channel (the legal rules widen them on "todo", "all", "tudo").
OPT_OUT_ALL: dict[str, tuple[str, ...]] = {
    "es": ("BAJA TODO", "baja de todo, no me contacten"),
    "en": ("STOP ALL",),
    "pt": ("SAIR TUDO",),
}
PAID_ALREADY: dict[str, tuple[str, ...]] = {
    "es": ("ya pagué", "ya hice el pago ayer"),
    "en": ("I already paid", "paid it yesterday"),
    "pt": ("já paguei", "paguei ontem"),
}
WRONG_PARTY: dict[str, tuple[str, ...]] = {
    "es": ("número equivocado", "no conozco a esa persona"),
    "en": ("wrong number", "I don't know this person"),
    "pt": ("número errado", "não conheço essa pessoa"),
}
OTHER: dict[str, tuple[str, ...]] = {
    "es": ("perdí mi trabajo, no puedo pagar", "llámenme en la tarde", "no debo eso", "quién es?"),
    "en": ("lost my job, can't pay now", "call me back later", "I don't owe this", "who is this?"),
    "pt": ("perdi meu emprego, não consigo pagar", "me liguem à tarde", "não devo isso", "quem é?"),
}  # fmt: skip


def lang_of(language: str) -> str:
    """The reply language for an account language tag; English where we have none."""
    head = language[:2]
    return head if head in PROMISE else "en"


def promise_text(rng: random.Random, language: str, due_on: dt.date) -> str:
    lang = lang_of(language)
    return rng.choice(PROMISE[lang]).format(day=WEEKDAYS[lang][due_on.weekday()])


def pick(rng: random.Random, texts: dict[str, tuple[str, ...]], language: str) -> str:
    return rng.choice(texts[lang_of(language)])
