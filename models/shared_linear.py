"""An online logistic regression (River) that several workers train together.

Parameters are checkpointed as JSON (weights and intercept), never pickled, so
a checkpoint read from Redis cannot run code. Workers merge by adding their
updates (``merged_with``) through a compare-and-set in Redis
(``models.online``), so the model is the sum of every worker's learning, never
the last writer's copy. ``PropensityModel`` and ``RollRiskModel`` are the two
shared models; each says only what its features are.
"""

from __future__ import annotations

import hashlib
from typing import Any, Self

import orjson
from river import linear_model, optim, utils

from recaudo.foundation.errors import ModelStateError

SCHEMA = 1
#: The intercept's name among the flattened parameters (no feature is named so).
_INTERCEPT = "\x00intercept"


class SharedLogistic:
    """``score_x`` is P(label | x) for the feature dict ``x``."""

    name = "shared"
    #: The starting intercept: what an untrained model says.
    INTERCEPT_INIT = 0.0

    def __init__(self, lr: float = 0.05, l2: float = 1e-4) -> None:
        self.lr = lr
        self.l2 = l2
        self._model = linear_model.LogisticRegression(
            optimizer=optim.SGD(lr), l2=l2, intercept_init=self.INTERCEPT_INIT, intercept_lr=lr
        )
        self.n_seen = 0
        self.generation = 0
        self._base_hash = "init"
        self._learned_since = 0
        # The parameters this worker last synced with the shared model (see merged_with).
        self._base = self._flat()

    def score_x(self, x: dict[str, float]) -> float:
        return float(self._model.predict_proba_one(x)[True])

    def learn_x(self, x: dict[str, float], label: bool) -> None:
        self._model.learn_one(x, bool(label))
        self.n_seen += 1
        self._learned_since += 1

    @property
    def version(self) -> str:
        """``<name>-v<generation>@<checkpoint hash>[+<updates since>]`` for decision records."""
        suffix = f"+{self._learned_since}" if self._learned_since else ""
        return f"{self.name}-v{self.generation}@{self._base_hash}{suffix}"

    @property
    def learned_since(self) -> int:
        """Labels learned here since the last checkpoint (not yet in the shared model)."""
        return self._learned_since

    def params(self) -> dict[str, Any]:
        return {
            "kind": self.name,
            "schema": SCHEMA,
            "generation": self.generation,
            "lr": self.lr,
            "l2": self.l2,
            "n_seen": self.n_seen,
            "intercept": float(self._model.intercept),
            "weights": {str(k): float(v) for k, v in sorted(self._model.weights.items())},
        }

    def to_json(self) -> bytes:
        """The current parameters as canonical JSON (sorted keys)."""
        return orjson.dumps(self.params(), option=orjson.OPT_SORT_KEYS)

    def checkpoint(self) -> bytes:
        """Start generation + 1 and return its JSON; ``version`` then names this checkpoint."""
        self.generation += 1
        body = self.to_json()
        self._base_hash = _digest(body)
        self._learned_since = 0
        self._base = self._flat()
        return body

    def merged_with(self, stored: Self | None) -> Self:
        """The shared model plus what this worker learned since it last synced.

        Each worker adds its own update (its parameters minus those it started
        from) to what is stored, so the updates of all workers add up and none
        overwrites another's: the merge, not the last writer, makes the model.
        """
        theirs = stored._flat() if stored is not None else dict(self._base)
        mine = self._flat()
        names = theirs.keys() | mine.keys() | self._base.keys()
        merged = {k: theirs.get(k, 0.0) + mine.get(k, 0.0) - self._base.get(k, 0.0) for k in names}
        out = type(self)(lr=self.lr, l2=self.l2)
        out._model.intercept = merged.pop(_INTERCEPT)
        out._model._weights = utils.VectorDict(merged)
        out.n_seen = (stored.n_seen if stored is not None else 0) + self._learned_since
        out.generation = max(stored.generation if stored is not None else 0, self.generation)
        return out

    def _flat(self) -> dict[str, float]:
        flat = {str(k): float(v) for k, v in self._model.weights.items()}
        flat[_INTERCEPT] = float(self._model.intercept)
        return flat

    @classmethod
    def from_json(cls, raw: bytes | str) -> Self:
        try:
            d = orjson.loads(raw)
            if d["kind"] != cls.name or d["schema"] != SCHEMA:
                raise ModelStateError(f"not a {cls.name} v{SCHEMA} checkpoint")
            model = cls(lr=float(d["lr"]), l2=float(d["l2"]))
            model._model.intercept = float(d["intercept"])
            model._model._weights = utils.VectorDict(
                {str(k): float(v) for k, v in d["weights"].items()}
            )
            model.n_seen = int(d["n_seen"])
            model.generation = int(d["generation"])
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
            if isinstance(exc, ModelStateError):
                raise
            raise ModelStateError(f"bad {cls.name} checkpoint: {exc}") from exc
        model._base_hash = _digest(orjson.dumps(d, option=orjson.OPT_SORT_KEYS))
        model._base = model._flat()
        return model


def _digest(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()[:10]
