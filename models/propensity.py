"""Propensity to pay after a contact: an online logistic regression (River).

Labels arrive late (``models.attribution``): a payment inside the attribution
window after a contact makes that contact a success, the window expiring a
failure. Shared across workers as ``models.shared_linear`` says (JSON
checkpoints, updates merged by compare-and-set).
"""

from __future__ import annotations

from recaudo.models.features import ContactFeatures
from recaudo.models.shared_linear import SCHEMA, SharedLogistic

__all__ = ["SCHEMA", "PropensityModel"]


class PropensityModel(SharedLogistic):
    """``score`` is P(payment within the window | contact with these features)."""

    name = "propensity"
    # A negative starting intercept: most contacts are not followed by a
    # payment, so an untrained model should say "unlikely", not 0.5.
    INTERCEPT_INIT = -2.0

    def score(self, features: ContactFeatures) -> float:
        return self.score_x(features.to_x())

    def learn(self, features: ContactFeatures, label: bool) -> None:
        self.learn_x(features.to_x(), label)
