"""Opt-out by deterministic rules, before any model sees the text.

An opt-out is legally significant (TCPA/CTIA keywords, GDPR objection, local
collection law), so it is matched by rules that can be read and audited, and
the reply classifier never overrides a match. The rules err towards
stopping: a missed opt-out is a violation, an extra one costs one channel.

Three kinds of rule: a keyword that is the whole message (``STOP``,
``BAJA``, ``CANCELAR``), a keyword that starts it (``STOP texting me``), and
phrases anywhere (``no me llamen más``). Text is compared case-, accent- and
punctuation-insensitively. Universal keywords and English phrases always
apply (debtors answer a Spanish text with ``STOP``); ``language`` adds that
language's phrases, and ``None`` applies every language.
"""

from __future__ import annotations

import re
import unicodedata

# Whole-message keywords, any language. "cancel"/"cancelar"/"end" only alone:
# "cancelar la deuda" means paying it off.
EXACT = frozenset(
    {
        "stop", "stopall", "stop all", "unsubscribe", "cancel", "end", "quit", "optout",
        "opt out", "revoke", "remove", "baja", "cancelar", "alto", "parar", "pare", "para",
        "sair", "descadastrar", "arret", "arreter", "desinscrire", "stopp", "basta",
        "no mas", "nao quero",
    }
)  # fmt: skip
# Keywords that opt out when they start the message.
LEADING = frozenset(
    {"stop", "stopall", "unsubscribe", "optout", "baja", "alto", "parar", "sair", "revoke"}
)
PHRASES: dict[str, tuple[str, ...]] = {
    "en": (
        "stop texting", "stop calling", "stop messaging", "stop contacting", "stop emailing",
        "stop sending", "do not contact", "dont contact", "do not call", "dont call",
        "do not text", "dont text", "remove me", "take me off", "unsubscribe", "opt out",
        "opt me out", "leave me alone", "no more messages", "cease and desist",
        "quit texting", "quit calling", "quit messaging", "quit contacting",
    ),
    "es": (
        "no me contacten", "no me llamen", "no me escriban", "no me envien", "no me manden",
        "dejen de llamar", "dejen de escribir", "dejen de enviar", "dejen de molestar",
        "dejen de contactar", "darme de baja", "dar de baja", "denme de baja", "no molestar",
        "no quiero recibir", "no quiero mas mensajes", "eliminar mi numero", "borrar mi numero",
        "borren mi numero", "no mas mensajes", "no mas llamadas", "no vuelvan a escribir",
        "no vuelvan a llamar", "no vuelvan a contactar", "no vuelvan a enviar",
    ),
    "pt": (
        "nao quero receber", "parar de enviar", "pare de enviar", "parem de enviar",
        "pare de ligar", "parem de ligar", "descadastrar", "sair da lista", "nao me ligue",
        "nao me liguem", "nao me mande", "nao me mandem", "remover meu numero",
        "pare de me mandar", "parem de me mandar", "pare de me enviar", "parem de me enviar",
        "pare de me ligar", "parem de me ligar",
    ),
    "fr": ("arretez", "ne plus recevoir", "desabonner", "ne m appelez plus"),
}  # fmt: skip
# Words that widen an opt-out to every channel.
ALL_MARKERS = (
    "stopall", "stop all", "all channels", "todos los canales", "baja total", "baja todo",
    "baja de todo", "todo", "todos", "tudo", "todos os canais", "everything", "tout",
)  # fmt: skip

_PUNCT = re.compile(r"[^a-z0-9 ]+")
_SPACES = re.compile(r"\s+")


def normalise(text: str) -> str:
    """Lower-case, strip accents and punctuation, collapse spaces."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    ascii_only = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SPACES.sub(" ", _PUNCT.sub(" ", ascii_only.replace("'", ""))).strip()


def _phrases(language: str | None) -> tuple[str, ...]:
    if language is None:
        return tuple(p for group in PHRASES.values() for p in group)
    primary = language.split("-")[0].lower()
    return PHRASES["en"] + (PHRASES.get(primary, ()) if primary != "en" else ())


def detect_opt_out(text: str | None, language: str | None = None) -> bool:
    """True when the reply asks to stop being contacted (on the channel it came on)."""
    if not text:
        return False
    norm = normalise(text)
    if not norm:
        return False
    if norm in EXACT:
        return True
    if norm.split(" ", 1)[0] in LEADING:
        return True
    # Phrases match at a word start, so "dejen de escribir" also catches "escribirme".
    padded = f" {norm} "
    return any(f" {phrase}" in padded for phrase in _phrases(language))


def detect_opt_out_all(text: str | None, language: str | None = None) -> bool:
    """True when the reply is an opt-out that names every channel (``STOP ALL``)."""
    if not detect_opt_out(text, language):
        return False
    padded = f" {normalise(text or '')} "
    return any(f" {marker} " in padded for marker in ALL_MARKERS)


#: Disputes named in so many words; a legal intent, so matched by rules when a
#: reply must be applied without the classifier (an ambiguous sender).
DISPUTE_PHRASES = (
    "i dispute", "dispute this", "dispute the debt", "not my debt", "dont owe", "do not owe",
    "never opened", "disputo", "no es mi deuda", "no debo", "no reconozco", "nao reconheco",
    "do not recognize", "dont recognize", "do not recognise", "dont recognise",
    "nao devo", "contesto",
)  # fmt: skip


def detect_dispute(text: str | None) -> bool:
    """True when the reply disputes the debt in words a rule can match."""
    if not text:
        return False
    padded = f" {normalise(text)} "
    return any(f" {phrase} " in padded for phrase in DISPUTE_PHRASES)
