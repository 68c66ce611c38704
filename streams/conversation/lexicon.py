"""The words the assistant understands, per language, in normalised form.

Normalised as ``channels.opt_out.normalise`` does (lower case, no accents, no
punctuation), so "Mañana", "manana" and "MAÑANA!" are one word. Every language's
words apply to every reply: debtors mix languages and the account's language
is only a default.
"""

from __future__ import annotations

WEEKDAYS: dict[str, int] = {
    # es
    "lunes": 0, "martes": 1, "miercoles": 2, "jueves": 3, "viernes": 4, "sabado": 5,
    "domingo": 6,
    # en
    "monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5,
    "sunday": 6, "mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6,
    # pt ("sabado" and "domingo" as in es)
    "segunda": 0, "terca": 1, "quarta": 2, "quinta": 3, "sexta": 4,
}  # fmt: skip

MONTHS: dict[str, int] = {
    "enero": 1, "febrero": 2, "marzo": 3, "abril": 4, "mayo": 5, "junio": 6, "julio": 7,
    "agosto": 8, "septiembre": 9, "setiembre": 9, "octubre": 10, "noviembre": 11,
    "diciembre": 12,
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
    "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
    "janeiro": 1, "fevereiro": 2, "marco": 3, "maio": 5, "junho": 6, "julho": 7,
    "setembro": 9, "outubro": 10, "novembro": 11, "dezembro": 12,
    "jan": 1, "feb": 2, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9,
    "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip

#: Days from today, longest phrase first when matched.
RELATIVE_DAYS: dict[str, int] = {
    "pasado manana": 2, "depois de amanha": 2, "day after tomorrow": 2,
    "hoy": 0, "today": 0, "hoje": 0, "tonight": 0, "esta noche": 0,
    "manana": 1, "tomorrow": 1, "amanha": 1, "tmrw": 1, "tomorow": 1,
}  # fmt: skip

END_OF_MONTH = ("fin de mes", "final de mes", "fin del mes", "end of the month", "end of month",
                "fim do mes", "final do mes")  # fmt: skip
NEXT_WEEK = ("proxima semana", "semana que viene", "next week", "semana que vem",
             "proxima semana")  # fmt: skip
#: "next Monday", "el próximo lunes", "la próxima sexta".
NEXT_WORDS = ("next", "proximo", "proxima", "que vem")
#: Words after which a number is a day of the month.
DAY_MARKERS = ("el", "dia", "the", "on", "hasta el", "antes del", "until", "by", "ate")
#: Said next to a day of the month: "el 30 de este mes", "el 5 del mes que viene".
THIS_MONTH = ("este mes", "this month", "deste mes", "desse mes", "esse mes", "neste mes",
              "nesse mes", "mes corriente", "current month")  # fmt: skip
NEXT_MONTH = ("mes que viene", "proximo mes", "siguiente mes", "mes siguiente", "mes entrante",
              "otro mes", "next month", "mes que vem", "mes seguinte", "following month",
              "outro mes")  # fmt: skip
IN_DAYS = ("en", "in", "em", "dentro de")
DAY_WORDS = ("dias", "days", "day", "dia")

#: Currency words and symbols: a number next to one is money.
MONEY_WORDS = ("pesos", "peso", "dolares", "dollars", "dollar", "bucks", "reais", "real",
               "soles", "usd", "cop", "mxn", "brl", "clp", "pen", "lucas", "luca")  # fmt: skip
THOUSANDS = {"mil": 1_000, "k": 1_000, "lucas": 1_000, "luca": 1_000}
MILLIONS = ("millones", "millon", "million", "millions", "milhoes", "milhao", "palo", "palos")
#: Verbs of paying: a bare number after one is the amount.
PAY_VERBS = ("pago", "pagare", "pagar", "pagaria", "abono", "abonare", "abonar", "deposito",
             "depositare", "transfiero", "consigno", "consignare", "pay", "will pay",
             "can pay", "paying", "send", "pagarei", "vou pagar", "posso pagar", "deposito",
             "transferir", "mando", "envio")  # fmt: skip
