"""What a debtor's reply asks for, and the promise in it.

Legal intents first, by the same deterministic rules the webhook path uses
(``channels.opt_out``): opt-out, cease-and-desist and dispute are never left
to a model. Then the assistant's own asks, by phrase lists in es/en/pt, in an
order that settles mixed replies ("no tengo plata, ¿me dan cuotas?" asks for a
plan, not only sympathy). The River classifier (``models.intent``) is a
fallback for what no phrase claims.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from recaudo.channels.opt_out import (
    detect_cease,
    detect_dispute,
    detect_opt_out,
    detect_opt_out_all,
    normalise,
)
from recaudo.contracts.events import Intent
from recaudo.streams.conversation.lexicon import PAY_VERBS
from recaudo.streams.conversation.slots import parse_slots


class Ask(StrEnum):
    OPT_OUT = "opt_out"
    CEASE = "cease"
    DISPUTE = "dispute"
    WRONG_PARTY = "wrong_party"
    HUMAN = "human"
    PAID_ALREADY = "paid_already"
    PLAN = "plan"
    PLAN_CHOICE = "plan_choice"
    HARDSHIP = "hardship"
    CALLBACK = "callback"
    PROMISE = "promise"
    PAY_LINK = "pay_link"
    BALANCE = "balance"
    HELP = "help"


#: Asks with legal weight: matched by rules, never missed (the corpus test checks).
LEGAL = frozenset({Ask.OPT_OUT, Ask.CEASE, Ask.DISPUTE})

#: The contract's intent for each ask (``ResponseEvent.intent``).
INTENT_OF: dict[Ask, Intent] = {
    Ask.OPT_OUT: Intent.OPT_OUT,
    Ask.CEASE: Intent.OPT_OUT,
    Ask.DISPUTE: Intent.DISPUTE,
    Ask.WRONG_PARTY: Intent.WRONG_PARTY,
    Ask.PAID_ALREADY: Intent.PAID_ALREADY,
    Ask.HARDSHIP: Intent.HARDSHIP,
    Ask.CALLBACK: Intent.CALLBACK_REQUEST,
    Ask.PROMISE: Intent.PROMISE_TO_PAY,
}

PHRASES: tuple[tuple[Ask, tuple[str, ...]], ...] = (
    (Ask.WRONG_PARTY, (
        "numero equivocado", "wrong number", "wrong person", "no soy", "not me", "nao sou",
        "numero errado", "no conozco a", "dont know", "do not know", "nao conheco",
        "se equivoco", "se equivocaron", "no vive aqui", "doesnt live here", "nao mora",
        "pessoa errada", "persona equivocada", "is not my", "no es mi numero",
    )),
    (Ask.HUMAN, (
        "hablar con una persona", "hablar con alguien", "hablar con un asesor", "asesor",
        "agente", "humano", "persona real", "representative", "real person", "a person",
        "a human", "talk to someone", "speak to someone", "speak with someone", "an agent",
        "agent", "atendente", "falar com alguem", "falar com uma pessoa", "um humano", "supervisor",
        # Represented by a lawyer: a person decides whether the debtor may still be
        # contacted (15 U.S.C. 1692c(a)(2), 12 CFR 1006.6(b)(2)), never an automated reply.
        "lawyer", "attorney", "abogado", "abogada", "advogado", "advogada", "represented by",
    )),
    (Ask.PAID_ALREADY, (
        "ya pague", "ya hice el pago", "ya cancele", "ya esta pagado", "ya realice el pago",
        "already paid", "i paid", "ive paid", "i have paid", "already made the payment",
        "ja paguei", "ja fiz o pagamento", "ja esta pago", "ja quitei", "pague ayer",
        "paid it yesterday", "paguei ontem",
    )),
    (Ask.PLAN, (
        "cuotas", "plan", "plan de pago", "plan de pagos", "a plazos", "en partes", "por partes",
        "acuerdo de pago", "financiar", "diferir", "payment plan", "installment", "instalment",
        "installments", "instalments", "in parts", "pay in part", "split the payment",
        "parcelas", "parcelar", "parcelamento", "dividir", "em partes", "acordo",
    )),
    (Ask.HARDSHIP, (
        "perdi mi trabajo", "perdi el trabajo", "sin trabajo", "desempleado", "desempleada",
        "enfermo", "enferma", "hospital", "no tengo dinero", "no tengo plata", "no me alcanza",
        "lost my job", "unemployed", "laid off", "sick", "cant afford", "cannot afford",
        "no money", "hardship", "desempregado", "desempregada", "perdi meu emprego",
        "perdi o emprego", "doente", "nao tenho dinheiro", "sem dinheiro", "no puedo pagar",
        "cant pay", "cannot pay", "nao consigo pagar", "nao posso pagar",
    )),
    (Ask.CALLBACK, (
        "llamenme", "llameme", "llamame", "me pueden llamar", "pueden llamarme", "me llaman",
        "llamarme", "call me", "give me a call", "me liga", "me liguem", "me ligue",
        "ligar para mim",
        "pode me ligar", "podem me ligar", "ring me",
    )),
)  # fmt: skip
#: Words that may turn a callback phrase around ("never call me").
NEGATIONS = ("dont", "do not", "never", "not", "no", "nunca", "nao", "jamas", "jamais", "deje de",
             "deja de", "dejen de", "dejen d", "para de", "parem de", "deixe de", "deixem de",
             "stop")  # fmt: skip
PAY_LINK = ("link", "enlace", "liga de pago", "como pago", "como puedo pagar", "donde pago",
            "donde puedo pagar", "how do i pay", "how can i pay", "where do i pay",
            "where can i pay",
            "boleto", "pix", "codigo de pago", "referencia de pago", "como pagar", "onde pago",
            "onde posso pagar", "pay online", "url")  # fmt: skip
BALANCE = ("cuanto debo", "saldo", "cuanto es", "cuanto le debo", "cuanto tengo que pagar",
           "monto", "deuda total", "how much", "what do i owe", "balance", "amount due",
           "what i owe", "quanto devo", "quanto e", "valor", "quanto tenho que pagar", "debito",
           "total")  # fmt: skip
PROMISE_WORDS = (*PAY_VERBS, "prometo", "promise", "prometo pagar", "cancelo", "quito", "pago")


@dataclass(frozen=True, slots=True)
class Parsed:
    ask: Ask
    due_on: dt.date | None = None
    amount_minor: int | None = None
    choice: int | None = None
    opt_out_all: bool = False
    # Who read it: "rules" (phrases, legal matchers) or "model" (the fallback).
    source: str = "rules"

    @property
    def intent(self) -> Intent:
        return INTENT_OF.get(self.ask, Intent.OTHER)


def _has(padded: str, phrases: tuple[str, ...]) -> bool:
    return any(f" {p} " in padded for p in phrases)


#: The classifier's answer for text: (intent, probability); ``models.intent``.
Model = Callable[[str], tuple[Intent, float]]
#: The model's intents the fallback takes, each from this probability up. Opt-out at
#: any probability: a wrong "stop" costs one channel, a missed one breaks the law.
MODEL_FLOOR: dict[Intent, tuple[Ask, float]] = {
    Intent.OPT_OUT: (Ask.OPT_OUT, 0.0),
    Intent.DISPUTE: (Ask.DISPUTE, 0.5),
    Intent.WRONG_PARTY: (Ask.WRONG_PARTY, 0.5),
    Intent.HARDSHIP: (Ask.HARDSHIP, 0.5),
    Intent.PAID_ALREADY: (Ask.PAID_ALREADY, 0.5),
    Intent.CALLBACK_REQUEST: (Ask.CALLBACK, 0.5),
    Intent.PROMISE_TO_PAY: (Ask.PROMISE, 0.5),
}


def parse_reply(
    text: str,
    language: str,
    today: dt.date,
    currency: str,
    awaiting_plan: bool = False,
    model: Model | None = None,
) -> Parsed:
    """The ask and its slots; ``today`` is the debtor's local date. What no rule
    claims goes to ``model``, whose legally significant answers err towards less
    contact (``MODEL_FLOOR``)."""
    parsed = _by_rules(text, language, today, currency, awaiting_plan)
    if parsed.ask is not Ask.HELP or model is None:
        return parsed
    intent, probability = model(text)
    ask, floor = MODEL_FLOOR.get(intent, (Ask.HELP, 0.0))
    if ask is Ask.HELP or probability < floor:
        return parsed
    return Parsed(ask, source="model")


def _by_rules(
    text: str, language: str, today: dt.date, currency: str, awaiting_plan: bool
) -> Parsed:
    norm = normalise(text)
    padded = f" {norm} "
    # Wherever they are in the reply, and whatever else it says ("I already paid.
    # STOP"): the widest first, a cease being an opt-out of every channel.
    if detect_cease(text):
        return Parsed(Ask.CEASE, opt_out_all=True)
    if detect_opt_out(text, language):
        return Parsed(Ask.OPT_OUT, opt_out_all=detect_opt_out_all(text, language))
    if detect_dispute(text):
        return Parsed(Ask.DISPUTE)
    if awaiting_plan:
        choice = _choice(norm)
        if choice is not None:
            return Parsed(Ask.PLAN_CHOICE, choice=choice)
    for ask, phrases in PHRASES:
        if _has(padded, phrases):
            if ask is Ask.CALLBACK and _has(padded, NEGATIONS):
                # "Don't call me before 5", "nunca me llamen al trabajo": never a call
                # placed on a reading that may be backwards; a person reads it.
                return Parsed(Ask.HUMAN)
            return Parsed(ask)
    slots = parse_slots(text, today, language, currency)
    wants_link = _has(padded, PAY_LINK)
    if slots.due_on is not None and not (wants_link and slots.due_on == today):
        return Parsed(Ask.PROMISE, slots.due_on, slots.amount_minor)
    if wants_link:
        return Parsed(Ask.PAY_LINK)
    if _has(padded, BALANCE):
        return Parsed(Ask.BALANCE)
    if slots.amount_minor is not None or _has(padded, PROMISE_WORDS):
        # A promise without its date: the assistant asks for the date.
        return Parsed(Ask.PROMISE, None, slots.amount_minor)
    return Parsed(Ask.HELP)


_CHOICE_WORDS = ("opcion", "opcao", "option", "la", "a", "el", "acepto", "aceptar", "quiero",
                 "prefiero", "escojo", "elijo", "i", "choose", "take", "accept", "aceito",
                 "quero", "numero", "number", "plan", "ok", "si", "sim", "yes", "de",
                 "the")  # fmt: skip


def _choice(norm: str) -> int | None:
    """A plan option picked by its number: "2", "opción 2", "acepto la 2"."""
    words = norm.split()
    numbers = [w for w in words if w.isdigit()]
    if len(numbers) != 1 or not 1 <= int(numbers[0]) <= 9:
        return None
    if all(w.isdigit() or w in _CHOICE_WORDS for w in words):
        return int(numbers[0])
    return None
