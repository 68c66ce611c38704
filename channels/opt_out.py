"""Opt-out, cease and dispute, read by deterministic rules before any model sees the text.

They are legal acts, so rules a person can read and audit match them, and the
reply classifier never overrides a match (``models.intent``). The rules err
towards stopping: a missed opt-out is a violation, an extra one costs a channel.

The texts read (US; applied to every debtor, beyond the US as policy):

- 47 CFR 64.1200(a)(10), added by FCC 24-24 (89 FR 15756), in force 11 April
  2025 (89 FR 82518): consent may be revoked "by any reasonable means"; "stop",
  "quit", "end", "revoke", "opt out", "cancel" or "unsubscribe" in reply to a
  text is one, and other words count when a reasonable person would read them
  as a revocation. So the keywords are words anywhere in a reply, not the reply.
- 47 CFR 64.1200(a)(12) (FCC 24-24, in force 4 April 2024): one text merely
  confirming the revocation, with no marketing, is allowed. Our policy is to
  send none (``streams.decision.replies.NO_CONFIRMATION``).
- 12 CFR 1006.6(e) (Regulation F): each electronic message says how to opt out
  of that address ("Reply STOP", ``rules.notices``); the CFPB's FAQ on it says a
  request that does not follow the instruction still counts.
- 12 CFR 1006.14(h)(1): a person's request that a medium not be used binds
  ("stop calling", comment 14(h)(1)-3). An opt-out stops the channel the reply
  came on; every channel when it says so (``ALL_MARKERS``) or asks to cease.

Four kinds of rule, each word's kind decided below with its reason: keywords
read anywhere as whole words (``STOP``, ``BAJA``, ``SAIR``); keywords with an
everyday sense that count as a sentence of their own (``Already paid. END``)
or with our messages as their object (``cancel the texts``); and phrases
(``no me llamen más``), matched at a word start. Keywords and phrases apply
whatever the language: a debtor may answer in another language than the one on
file, and the request binds all the same (``language`` is the port's signature,
``models.intent``; the rules do not narrow by it). Everything is compared after ``normalise``, lists
included, so they are written as people write them.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

# "don't" and "dont" are one word, with a curly apostrophe too (phones type those).
_APOSTROPHES = dict.fromkeys(map(ord, "'\u2019\u02bc\u2018`"), None)
_NOT_WORD = re.compile(r"[^a-z0-9]+")
# Where a sentence or clause ends: a keyword alone between two is a command.
_CLAUSE_END = re.compile(r"[.!?;:,¡¿\n\r]+")


def fold(text: str) -> str:
    """NFKC, without format characters (category Cf: zero-width spaces and joiners,
    soft hyphens, direction marks), case-folded, without accents and apostrophes.
    Punctuation stays: ``streams.conversation.slots`` reads "$50" and "15/12"."""
    visible = "".join(
        ch for ch in unicodedata.normalize("NFKC", text) if unicodedata.category(ch) != "Cf"
    )
    decomposed = unicodedata.normalize("NFKD", visible.casefold())
    plain = "".join(ch for ch in decomposed if unicodedata.category(ch) not in ("Mn", "Me"))
    return plain.translate(_APOSTROPHES)


def normalise(text: str) -> str:
    """``fold``, then every run of other than letters and digits is one space."""
    return _NOT_WORD.sub(" ", fold(text)).strip()


def _normalised(phrases: Iterable[str]) -> tuple[str, ...]:
    return tuple(normalise(p) for p in phrases)


#: Keywords read as whole words anywhere in a reply, by language (all apply to
#: every reply). Word boundaries spare "stopped", "nonstop", "sairam", "paro".
ANYWHERE: dict[str, tuple[str, ...]] = {
    # The FCC's words without an everyday sense in a reply to a collector. Cost:
    # "I'll stop by the branch" reads as an opt-out.
    "en": ("stop", "stopall", "unsubscribe", "unsub", "revoke", "opt out", "optout"),
    # "BAJA" is the carriers' opt-out word in Spanish ("dar de baja"). Cost: "si me
    # baja la cuota" (if you lower the instalment) reads as an opt-out.
    "es": ("baja", "desuscribir", "desuscribirme", "parar", "paren"),
    # "SAIR" is the carriers' word in Brazil; "parar", "pare", "parem" say stop.
    # Cost: "quero sair dessa dívida" (get out of this debt) reads as an opt-out.
    # "para" is not here: it is the commonest preposition of both languages.
    "pt": ("sair", "parar", "pare", "parem", "descadastrar", "descadastre", "descadastrem"),
}
_ANYWHERE = frozenset(_normalised(k for keys in ANYWHERE.values() for k in keys))

#: Keywords with an everyday sense, opt-outs only as a sentence of their own
#: ("END", "Ya pagué. ALTO"), allowing ``FILLERS``: "end of the month", "I quit
#: my job", "cancel my card", "cancelar la deuda" (pay it off), "el monto es muy
#: alto", "no más de 50", "basta con el mínimo", "não quero parcelar" are not.
ALONE = frozenset(
    _normalised(
        (
            "end", "quit", "cancel", "remove", "cancelar", "alto", "para", "basta", "no más",
            "não quero", "chega", "arrêt", "arrête", "arrêter", "désinscrire", "stopp", "stp",
        )
    )
)  # fmt: skip
#: Words a command may carry and stay alone: courtesy, "now" and "all".
FILLERS = frozenset(
    _normalised(
        (
            "please", "pls", "plz", "por", "favor", "porfa", "now", "ya", "já", "agora", "ahora",
            "ok", "okay", "all", "todo", "todos", "tudo", "everything", "tout",
        )
    )
)  # fmt: skip
#: Those same keywords count with our messages as their object: "cancel the texts",
#: "alto a los mensajes", "end all calls" (a medium, 12 CFR 1006.14(h)(1)).
_RISKY = ("end", "quit", "cancel", "cancelar", "alto")
_DETERMINERS = ("the", "these", "those", "all", "my", "your", "a", "los", "las", "mis", "sus",
                "estos", "estas", "esos", "esas", "todos", "todas", "os", "as", "meus", "minhas",
                "essas", "esses", "suas", "seus")  # fmt: skip
_MEDIA = ("texts?", "text messages?", "messages?", "msgs?", "sms", "calls?", "e?mails?",
          "notifications?", "mensajes?", "llamadas?", "correos?", "notificaciones",
          "mensage(?:m|ns)", "ligac(?:ao|oes)", "notificacoes")  # fmt: skip
_ABOUT_MESSAGES = re.compile(
    rf"\b(?:{'|'.join(_RISKY)})(?: (?:{'|'.join(_DETERMINERS)}))* (?:{'|'.join(_MEDIA)})\b"
)

#: Phrases, matched at a word start (the last word may go on: "dejen de escribir"
#: also reads "escribirme"), by language.
PHRASES: dict[str, tuple[str, ...]] = {
    "en": _normalised((
        "do not contact", "don't contact", "do not call", "don't call", "do not text",
        "don't text", "do not message", "don't message", "do not email", "don't email",
        "do not send", "don't send", "remove me", "remove my number", "delete my number",
        "take me off", "leave me alone", "no more messages", "no more texts", "no more calls",
        "no more emails", "quit texting", "quit calling", "quit messaging", "quit contacting",
        "don't want to receive", "do not want to receive", "don't want any more",
        "do not want any more", "never call", "never text", "never contact", "never message",
        "never email", "don't ever call", "do not ever call", "don't ever text",
        "don't ever contact", "don't you dare call", "don't you dare text",
        "don't you dare contact", "dont u call", "dont u text", "s t o p",
    )),
    "es": _normalised((
        "no me contacten", "no me llamen", "no me escriban", "no me envíen", "no me manden",
        "no me molesten", "no me vuelvan a llamar", "no me vuelvan a escribir",
        "no me vuelvan a contactar", "no me vuelvan a enviar", "no quiero que me llamen",
        "no quiero que me escriban", "no quiero que me contacten", "no quiero que me envíen",
        "no quiero que me manden", "dejen de llamar", "dejen de escribir", "dejen de enviar",
        "dejen de molestar", "dejen de contactar", "no molestar", "no quiero recibir",
        "no quiero más mensajes", "eliminar mi número", "borrar mi número", "borren mi número",
        "eliminen mi número", "quiten mi número", "sáquenme de", "no más mensajes",
        "no más llamadas", "no vuelvan a escribir", "no vuelvan a llamar",
        "no vuelvan a contactar", "no vuelvan a enviar", "basta de", "deje de llamar",
        "deje de escribir", "deje de enviar", "deje de molestar", "deje de contactar",
        "deje de marcar", "deja de llamar", "deja de escribir", "deja de enviar",
        "deja de molestar", "deja de contactar", "deja de marcar", "para de llamar",
        "para de escribir", "para de enviar", "para de molestar", "para de marcar",
        "dejen d llamar", "dejen d escribir", "dejen de marcar", "no me marquen", "no me hablen",
        "no me sigan llamando", "no me sigan escribiendo", "no me sigan enviando",
        "no me sigan mandando", "no me sigan molestando",
    )),
    "pt": _normalised((
        "não quero receber", "não quero mais mensagens", "não me ligue", "não me liguem",
        "não me mande", "não me mandem", "não me envie", "não me enviem", "não me escrevam",
        "não me contate", "não me contacte", "não me perturbem", "remover meu número",
        "tirem meu número", "me tire da lista", "me tirem da lista", "chega de", "basta de",
        "não me liga", "nunca mais me liga", "nunca mais me ligue", "não quero mais receber",
        "não quero mais ligações", "não entrem em contato", "não entre em contato",
        "para de me ligar", "para de me mandar", "para de me enviar", "para de me escrever",
        "deixem de me ligar", "deixe de me ligar", "deixem de me mandar", "deixe de me mandar",
        "me tira da lista", "remova meu número", "removam meu número", "me remova da lista",
        "me removam da lista",
    )),
    "fr": _normalised(("arrêtez", "ne plus recevoir", "désabonner", "ne m'appelez plus")),
}  # fmt: skip

#: Words that widen an opt-out to every channel ("STOP ALL", "SAIR TUDO").
ALL_MARKERS = _normalised(
    (
        "stopall", "stop all", "all channels", "todos los canales", "baja total", "baja todo",
        "baja de todo", "todo", "todos", "tudo", "todos os canais", "everything", "tout",
        "unsubscribe all", "opt out all", "end all", "quit all", "cancel all", "revoke all",
    )
)  # fmt: skip

#: Requests to cease all communication (15 U.S.C. 1692c(c)): an opt-out of every channel.
CEASE = _normalised(
    (
        "cease and desist", "cease all communication", "cease communication", "cease contact",
        "cease all contact", "cease contacting", "stop all communication", "stop all contact",
        "stop communicating", "stop contacting me about this debt", "cese y desista",
        "cesen toda comunicación", "cese de comunicación", "cesen todo contacto",
        "dejen de comunicarse conmigo", "cessem toda comunicação", "cessem todo contato",
        "parem de se comunicar comigo",
    )
)  # fmt: skip

#: Disputes named in so many words; a legal intent, so matched by rules when a
#: reply must be applied without the classifier (an ambiguous sender).
DISPUTE = _normalised(
    (
        "i dispute", "dispute this", "dispute the debt", "not my debt", "don't owe",
        "do not owe", "never opened", "never had this", "not mine", "disputo",
        "no es mi deuda", "no es mía", "no es mío", "no debo", "no reconozco",
        "no la reconozco", "nunca abrí", "não reconheço", "não é minha", "não é meu",
        "do not recognize", "don't recognize", "do not recognise", "don't recognise",
        "não devo", "contesto", "disputing", "verify this debt", "verify the debt",
        "validate this debt", "validate the debt", "debt validation", "never had an account",
        "nunca tuve esa cuenta", "nunca tuve cuenta", "nunca tive essa conta", "nunca tive conta",
    )
)  # fmt: skip


def _has(padded: str, phrases: Iterable[str]) -> bool:
    """A phrase at a word start of the padded normal form (its last word may go on)."""
    return any(f" {phrase}" in padded for phrase in phrases)


def _has_word(padded: str, words: Iterable[str]) -> bool:
    return any(f" {word} " in padded for word in words)


#: Every language's phrases, whatever the language on file: a request binds in
#: whatever language it is written ("dejen de llamarme" from a debtor on file in
#: English), and the ambiguous-sender path decides on these rules alone.
_PHRASES = tuple(p for group in PHRASES.values() for p in group)


def _said_alone(folded: str) -> bool:
    """A keyword of ``ALONE`` is a sentence or clause by itself (fillers aside)."""
    for clause in _CLAUSE_END.split(folded):
        words = [w for w in _NOT_WORD.sub(" ", clause).split() if w not in FILLERS]
        if " ".join(words) in ALONE:
            return True
    return False


def detect_opt_out(text: str | None, language: str | None = None) -> bool:
    """True when the reply asks to stop being contacted (on the channel it came on)."""
    if not text:
        return False
    folded = fold(text)
    padded = f" {_NOT_WORD.sub(' ', folded).strip()} "
    return (
        _has_word(padded, _ANYWHERE)
        or _has(padded, CEASE)
        or _said_alone(folded)
        or _ABOUT_MESSAGES.search(padded) is not None
        or _has(padded, _PHRASES)
    )


def detect_opt_out_all(text: str | None, language: str | None = None) -> bool:
    """True when the reply is an opt-out that names every channel (``STOP ALL``) or
    asks to cease all communication."""
    if not detect_opt_out(text, language):
        return False
    padded = f" {normalise(text or '')} "
    return _has_word(padded, ALL_MARKERS) or _has(padded, CEASE)


def detect_cease(text: str | None) -> bool:
    """True when the reply asks to cease all communication."""
    return bool(text) and _has(f" {normalise(text or '')} ", CEASE)


def detect_dispute(text: str | None) -> bool:
    """True when the reply disputes the debt in words a rule can match."""
    return bool(text) and _has(f" {normalise(text or '')} ", DISPUTE)
