"""The self-service page's words in each language it speaks (es, en, pt).

Kept as data, not gettext catalogues: three short languages, reviewed together,
and a missing key fails the unit test rather than showing an English word.
"""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    "es": {
        "title": "Pague o acuerde su pago",
        "due_h": "Saldo a pagar",
        "reference": "Referencia",
        "pay_full": "Pagar el total ahora",
        "plan_h": "Pagar en cuotas",
        "plan_legend": "Elija un plan:",
        "plan_option": "{count} cuotas de {each}, la primera el {first}",
        "plan_button": "Elegir este plan",
        "promise_h": "Prometer una fecha de pago",
        "promise_label": "Pagaré el total el día:",
        "promise_button": "Prometer esta fecha",
        "first_h": "Primera cuota",
        "pay_now": "Pagar la primera cuota ahora",
        "plan_done": "Plan aceptado: {count} cuotas de {each}, la primera el {first}.",
        "promise_done": "Gracias. Anotamos su promesa de pago para el {date}.",
        "paid": "Gracias. Recibimos su pago; puede tardar unos minutos en reflejarse.",
        "nothing_due": "No tiene saldo pendiente en esta cuenta.",
        "footer": "Pago seguro con nuestro proveedor de pagos. Nunca le pediremos su clave.",
    },
    "en": {
        "title": "Pay or arrange your payment",
        "due_h": "Amount due",
        "reference": "Reference",
        "pay_full": "Pay in full now",
        "plan_h": "Pay in instalments",
        "plan_legend": "Choose a plan:",
        "plan_option": "{count} payments of {each}, the first on {first}",
        "plan_button": "Choose this plan",
        "promise_h": "Promise a payment date",
        "promise_label": "I will pay in full on:",
        "promise_button": "Promise this date",
        "first_h": "First instalment",
        "pay_now": "Pay the first instalment now",
        "plan_done": "Plan accepted: {count} payments of {each}, the first on {first}.",
        "promise_done": "Thank you. We noted your promise to pay on {date}.",
        "paid": "Thank you. We received your payment; it may take a few minutes to show.",
        "nothing_due": "Nothing is due on this account.",
        "footer": "Secure payment with our payment provider. We will never ask for your password.",
    },
    "pt": {
        "title": "Pague ou combine seu pagamento",
        "due_h": "Valor a pagar",
        "reference": "Referência",
        "pay_full": "Pagar o total agora",
        "plan_h": "Pagar em parcelas",
        "plan_legend": "Escolha um plano:",
        "plan_option": "{count} parcelas de {each}, a primeira em {first}",
        "plan_button": "Escolher este plano",
        "promise_h": "Prometer uma data de pagamento",
        "promise_label": "Vou pagar o total em:",
        "promise_button": "Prometer esta data",
        "first_h": "Primeira parcela",
        "pay_now": "Pagar a primeira parcela agora",
        "plan_done": "Plano aceito: {count} parcelas de {each}, a primeira em {first}.",
        "promise_done": "Obrigado. Registramos sua promessa de pagamento para {date}.",
        "paid": "Obrigado. Recebemos seu pagamento; pode levar alguns minutos para aparecer.",
        "nothing_due": "Não há valor pendente nesta conta.",
        "footer": "Pagamento seguro com nosso provedor de pagamentos. Nunca pediremos sua senha.",
    },
}


def texts_for(language: str) -> tuple[str, dict[str, str]]:
    """The page's language (``es-CO`` -> ``es``; one it does not speak -> ``en``)."""
    lang = language.split("-")[0].lower()
    return (lang, TEXTS[lang]) if lang in TEXTS else ("en", TEXTS["en"])
