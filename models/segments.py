"""Online segmentation: sequential k-means (River) over a debtor's risk numbers.

Segments pool the bandit prior and feed the propensity model. A lender's own
``AccountEvent.segment`` wins when present; otherwise the debtor is put in the
nearest of ``k`` online centres, named ``k0`` .. ``k<k-1>``. Centres are
checkpointed as JSON like every global model.
"""

from __future__ import annotations

import hashlib
import math
from typing import Any

import orjson
from river import cluster

from recaudo.foundation.errors import ModelStateError

SCHEMA = 1


def segment_x(days_past_due: int, balance_minor: int) -> dict[str, float]:
    """Scaled inputs: delinquency depth and size of the debt, both in roughly 0..1."""
    return {
        "dpd": math.log1p(max(0, days_past_due)) / 6.0,
        "bal": math.log1p(max(0, balance_minor) / 100.0) / 10.0,
    }


class OnlineSegmenter:
    name = "segments"

    def __init__(self, k: int = 4, halflife: float = 0.05, seed: int = 7) -> None:
        self.k = k
        self.halflife = halflife
        self.seed = seed
        self._km = cluster.KMeans(n_clusters=k, halflife=halflife, mu=0.5, sigma=0.2, seed=seed)

    def assign(self, days_past_due: int, balance_minor: int, given: str | None = None) -> str:
        """The debtor's segment, without learning from it."""
        if given:
            return given
        return f"k{self._km.predict_one(segment_x(days_past_due, balance_minor))}"

    def learn_assign(self, days_past_due: int, balance_minor: int, given: str | None = None) -> str:
        """Move the nearest centre towards this debtor, and return the segment."""
        idx = self._km.learn_predict_one(segment_x(days_past_due, balance_minor))
        return given or f"k{idx}"

    def centres(self) -> dict[str, dict[str, float]]:
        return {
            str(i): {k: float(v) for k, v in sorted(c.items())}
            for i, c in sorted(self._km.centers.items())
        }

    def to_json(self) -> bytes:
        body: dict[str, Any] = {
            "kind": self.name,
            "schema": SCHEMA,
            "k": self.k,
            "halflife": self.halflife,
            "seed": self.seed,
            "centres": self.centres(),
        }
        return orjson.dumps(body, option=orjson.OPT_SORT_KEYS)

    @property
    def version(self) -> str:
        return f"{self.name}-v{SCHEMA}@{hashlib.sha256(self.to_json()).hexdigest()[:10]}"

    @classmethod
    def from_json(cls, raw: bytes | str) -> OnlineSegmenter:
        try:
            d = orjson.loads(raw)
            if d["kind"] != cls.name or d["schema"] != SCHEMA:
                raise ModelStateError(f"not a {cls.name} v{SCHEMA} checkpoint")
            seg = cls(k=int(d["k"]), halflife=float(d["halflife"]), seed=int(d["seed"]))
            for i, centre in d["centres"].items():
                target = seg._km.centers[int(i)]
                target.clear()
                target.update({str(k): float(v) for k, v in centre.items()})
        except (orjson.JSONDecodeError, KeyError, TypeError) as exc:
            raise ModelStateError(f"bad {cls.name} checkpoint: {exc}") from exc
        except ValueError as exc:
            if isinstance(exc, ModelStateError):
                raise
            raise ModelStateError(f"bad {cls.name} checkpoint: {exc}") from exc
        return seg
