"""Reply intent: legal opt-out rules first, then a naive Bayes text model (River).

Opt-out is legally significant, so a deterministic matcher (the caller's
``legal_opt_out``, e.g. ``channels.opt_out.detect_opt_out``) is asked first and
its "yes" is final: the classifier is not even consulted. The classifier only
labels what the rules did not claim. It may still say ``opt_out`` on wording
the rules missed; that errs towards contacting less, never more.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from typing import Any, Literal

import orjson
from river import feature_extraction, naive_bayes

from recaudo.contracts.events import Intent
from recaudo.foundation.errors import ModelStateError
from recaudo.models.intent_phrases import SEED_PHRASES

SCHEMA = 1
LegalOptOut = Callable[[str, str | None], bool]
Source = Literal["rules", "model"]


class IntentClassifier:
    name = "intent"

    def __init__(self, seed: bool = True, alpha: float = 0.5) -> None:
        self.alpha = alpha
        self._bow = feature_extraction.BagOfWords(
            lowercase=True, strip_accents=True, ngram_range=(1, 2)
        )
        self._nb = naive_bayes.MultinomialNB(alpha=alpha)
        self.n_seen = 0
        if seed:
            self.learn_many(
                (text, intent) for intent, texts in SEED_PHRASES.items() for text in texts
            )

    def learn(self, text: str, intent: Intent) -> None:
        self._nb.learn_one(self._bow.transform_one(text), intent.value)
        self.n_seen += 1

    def learn_many(self, labelled: Iterable[tuple[str, Intent]]) -> None:
        for text, intent in labelled:
            self.learn(text, intent)

    def predict(self, text: str) -> tuple[Intent, float]:
        """The model's own answer, ignoring the legal rules (use ``classify``)."""
        x = self._bow.transform_one(text)
        proba = self._nb.predict_proba_one(x) if x else {}
        if not proba:
            return Intent.OTHER, 0.0
        label, p = max(proba.items(), key=lambda kv: (kv[1], kv[0]))
        return Intent(label), float(p)

    def classify(
        self, text: str, language: str | None, legal_opt_out: LegalOptOut
    ) -> tuple[Intent, float, Source]:
        """(intent, confidence, source). The legal opt-out matcher always runs first."""
        if legal_opt_out(text, language):
            return Intent.OPT_OUT, 1.0, "rules"
        intent, p = self.predict(text)
        return intent, p, "model"

    def to_json(self) -> bytes:
        body: dict[str, Any] = {
            "kind": self.name,
            "schema": SCHEMA,
            "alpha": self.alpha,
            "n_seen": self.n_seen,
            "class_counts": dict(sorted(self._nb.class_counts.items())),
            # Bigrams are tuples: stored as [feature, counts] pairs, a bigram as a list.
            "feature_counts": sorted(
                (
                    [list(f) if isinstance(f, tuple) else f, dict(sorted(c.items()))]
                    for f, c in self._nb.feature_counts.items()
                ),
                key=lambda pair: orjson.dumps(pair[0]),
            ),
            "class_totals": dict(sorted(self._nb.class_totals.items())),
        }
        return orjson.dumps(body, option=orjson.OPT_SORT_KEYS)

    @property
    def version(self) -> str:
        return f"{self.name}-v{SCHEMA}@{hashlib.sha256(self.to_json()).hexdigest()[:10]}"

    @classmethod
    def from_json(cls, raw: bytes | str) -> IntentClassifier:
        try:
            d = orjson.loads(raw)
            if d["kind"] != cls.name or d["schema"] != SCHEMA:
                raise ModelStateError(f"not an {cls.name} v{SCHEMA} checkpoint")
            model = cls(seed=False, alpha=float(d["alpha"]))
            model.n_seen = int(d["n_seen"])
            model._nb.class_counts.update({str(k): v for k, v in d["class_counts"].items()})
            for f, counts in d["feature_counts"]:
                key = tuple(str(t) for t in f) if isinstance(f, list) else str(f)
                model._nb.feature_counts[key].update(counts)
            model._nb.class_totals.update({str(k): v for k, v in d["class_totals"].items()})
        except (orjson.JSONDecodeError, KeyError, TypeError, AttributeError) as exc:
            raise ModelStateError(f"bad {cls.name} checkpoint: {exc}") from exc
        return model
