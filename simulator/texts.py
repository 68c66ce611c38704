"""What simulated debtors write back, in Spanish, English and Portuguese.

Opt-out texts use words the service's legal rules match (``channels.opt_out``);
promise texts name the weekday the structured ``Promise`` falls due on, half
of them with its day of the month too ("el viernes 13", "sexta dia 13", "on
Friday the 13th"), a number the service must read as a date, never as money.
"""

from __future__ import annotations

import datetime as dt
import random

from babel import Locale

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
#: The same promises with the day of the month: {day} the weekday, {dom} "13" or "13th".
PROMISE_DATED: dict[str, tuple[str, ...]] = {
    "es": ("pago el {day} {dom}", "el {day} {dom} le pago", "le consigno el {day} {dom} sin falta"),
    "en": ("I will pay on {day} the {dom}", "paying {day} {dom}",
           "will send the money {day} the {dom}"),
    "pt": ("pago {day} dia {dom}", "vou pagar na {day} {dom}", "{day}, dia {dom}, eu pago"),
}  # fmt: skip
_SUFFIX = {"one": "st", "two": "nd", "few": "rd", "other": "th"}
_ENGLISH = Locale("en")
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
    """One draw from six templates, as from three before (``choice`` rejects the same
    draws for three and six), so the dated ones change no other draw of the run."""
    lang = lang_of(language)
    template = rng.choice(PROMISE[lang] + PROMISE_DATED[lang])
    return template.format(day=WEEKDAYS[lang][due_on.weekday()], dom=day_of_month(lang, due_on))


def day_of_month(lang: str, day: dt.date) -> str:
    """ "13", or in English "13th" (CLDR's ordinal plural rules, through Babel)."""
    if lang != "en":
        return str(day.day)
    return f"{day.day}{_SUFFIX[_ENGLISH.ordinal_form(day.day)]}"


def pick(rng: random.Random, texts: dict[str, tuple[str, ...]], language: str) -> str:
    return rng.choice(texts[lang_of(language)])
