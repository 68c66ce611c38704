"""A small built-in set of labelled replies, Spanish and English, to seed the intent model.

Enough for the classifier to say something sensible on day one; it keeps
learning from replies that agents label. Legal opt-out is NOT decided from
these: a deterministic matcher runs first (see ``models.intent``).
"""

from __future__ import annotations

from recaudo.contracts.events import Intent

SEED_PHRASES: dict[Intent, tuple[str, ...]] = {
    Intent.PROMISE_TO_PAY: (
        "I will pay on friday",
        "I can pay next week",
        "will make the payment tomorrow",
        "I'll pay 50 dollars on the 15th",
        "I promise to pay at the end of the month",
        "paying tomorrow morning",
        "pagaré el viernes",
        "puedo pagar la próxima semana",
        "mañana hago el pago",
        "le pago a fin de mes",
        "prometo pagar el día 15",
        "voy a pagar mañana",
    ),
    Intent.DISPUTE: (
        "I don't owe this",
        "this debt is not mine, I dispute it",
        "the amount is wrong",
        "I never opened this account",
        "I dispute this charge",
        "this is a mistake, I do not owe anything",
        "no debo eso",
        "esa deuda no es mía",
        "el monto está mal",
        "nunca abrí esa cuenta",
        "no reconozco esta deuda",
        "es un error, no debo nada",
    ),
    Intent.OPT_OUT: (
        "stop",
        "stop texting me",
        "unsubscribe",
        "do not contact me again",
        "remove me from your list",
        "baja",
        "no me escriban más",
        "no me contacten",
        "dejen de llamarme",
        "quiero darme de baja",
    ),
    Intent.WRONG_PARTY: (
        "wrong number",
        "you have the wrong person",
        "I am not the person you are looking for",
        "this person does not live here",
        "número equivocado",
        "se equivocó de persona",
        "no soy esa persona",
        "esa persona no vive aquí",
    ),
    Intent.PAID_ALREADY: (
        "I already paid",
        "I paid yesterday",
        "payment was made last week",
        "already settled this",
        "ya pagué",
        "pagué ayer",
        "ya hice el pago la semana pasada",
        "ya está pagado",
    ),
    Intent.HARDSHIP: (
        "I lost my job and cannot pay",
        "I am sick and have no money",
        "can't afford it right now",
        "I need a payment plan, money is tight",
        "perdí mi trabajo y no puedo pagar",
        "estoy enfermo y no tengo dinero",
        "no me alcanza el dinero",
        "necesito un plan de pagos, estoy sin trabajo",
    ),
    Intent.CALLBACK_REQUEST: (
        "call me back please",
        "can you call me later",
        "please call me this afternoon",
        "I want to talk to someone",
        "llámenme por favor",
        "pueden llamarme más tarde",
        "llámeme en la tarde",
        "quiero hablar con alguien",
    ),
    Intent.OTHER: (
        "hello",
        "who is this",
        "ok",
        "thanks",
        "what is this about",
        "hola",
        "quién es",
        "gracias",
        "de qué se trata",
        "buenas tardes",
    ),
}
