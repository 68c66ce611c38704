from __future__ import annotations

import pytest

from recaudo.contracts.events import Intent
from recaudo.foundation.errors import ModelStateError
from recaudo.models.intent import IntentClassifier

CLF = IntentClassifier()


def never(text: str, language: str | None) -> bool:
    return False


@pytest.mark.parametrize(
    ("text", "language", "intent"),
    [
        ("Pagaré el lunes sin falta", "es", Intent.PROMISE_TO_PAY),
        ("I will pay next friday", "en", Intent.PROMISE_TO_PAY),
        ("Ya pagué la semana pasada", "es", Intent.PAID_ALREADY),
        ("I already paid yesterday", "en", Intent.PAID_ALREADY),
        ("Esta deuda no es mía", "es", Intent.DISPUTE),
        ("I don't owe this money", "en", Intent.DISPUTE),
        ("Número equivocado", "es", Intent.WRONG_PARTY),
        ("perdí mi trabajo, no tengo dinero", "es", Intent.HARDSHIP),
        ("please call me back this afternoon", "en", Intent.CALLBACK_REQUEST),
    ],
)
def test_model_labels_spanish_and_english(text: str, language: str, intent: Intent) -> None:
    got, confidence, source = CLF.classify(text, language, never)
    assert (got, source) == (intent, "model")
    assert 0.0 < confidence <= 1.0


def test_legal_opt_out_rules_win_over_the_model() -> None:
    calls: list[tuple[str, str | None]] = []

    def legal(text: str, language: str | None) -> bool:
        calls.append((text, language))
        return "cancelar" in text.lower()

    # The model is sure this is a promise to pay; the legal matcher says opt-out.
    text = "pagaré el viernes, cancelar mensajes"
    assert CLF.predict(text)[0] is Intent.PROMISE_TO_PAY
    assert CLF.classify(text, "es", legal) == (Intent.OPT_OUT, 1.0, "rules")
    assert calls == [(text, "es")]
    # Model opt-out on wording the rules missed stays opt-out (errs towards fewer contacts).
    assert CLF.classify("no me escriban más", "es", never)[0] is Intent.OPT_OUT


def test_learning_from_labelled_replies_changes_the_answer() -> None:
    clf = IntentClassifier()
    text = "depositaré el sábado en la sucursal"
    for _ in range(5):
        clf.learn(text, Intent.PROMISE_TO_PAY)
    assert clf.predict(text)[0] is Intent.PROMISE_TO_PAY


def test_checkpoint_round_trip() -> None:
    back = IntentClassifier.from_json(CLF.to_json())
    assert back.to_json() == CLF.to_json()
    assert back.version == CLF.version
    for text in ("ya pagué", "call me later", "no debo eso", "hola"):
        assert back.predict(text) == CLF.predict(text)
    with pytest.raises(ModelStateError):
        IntentClassifier.from_json(b'{"kind": "intent"}')


def test_empty_text_is_other_with_no_confidence() -> None:
    assert CLF.classify("", None, never) == (Intent.OTHER, 0.0, "model")
