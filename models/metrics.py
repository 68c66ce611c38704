"""Rolling model quality as Prometheus metrics, on a registry passed in.

AUC and log-loss are computed over the last ``window`` labelled contacts with
River's rolling metrics, so a model that degrades shows it within a window,
not diluted by months of history. Bandit reward is exported per channel as
counters (rate() them in PromQL) plus a rolling reward rate.
"""

from __future__ import annotations

from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge
from river import metrics, stats, utils

from recaudo.contracts.events import Channel


class ModelMetrics:
    def __init__(self, registry: CollectorRegistry, window: int = 1000) -> None:
        self._window = window
        self.auc = Gauge(
            "recaudo_model_rolling_auc",
            "ROC AUC of the model's scores over the last labelled contacts",
            ["model"],
            registry=registry,
        )
        self.logloss = Gauge(
            "recaudo_model_rolling_logloss",
            "Log-loss of the model's scores over the last labelled contacts",
            ["model"],
            registry=registry,
        )
        self.label_count = Counter(
            "recaudo_model_labels",
            "Delayed labels received, by outcome",
            ["model", "label"],
            registry=registry,
        )
        self.contacts = Counter(
            "recaudo_bandit_outcomes",
            "Bandit outcomes recorded, by channel",
            ["channel"],
            registry=registry,
        )
        self.rewards = Counter(
            "recaudo_bandit_rewards",
            "Bandit outcomes that were rewards, by channel",
            ["channel"],
            registry=registry,
        )
        self.reward_rate = Gauge(
            "recaudo_bandit_rolling_reward_rate",
            "Share of rewarded outcomes over the last outcomes, by channel",
            ["channel"],
            registry=registry,
        )
        self._auc: dict[str, metrics.RollingROCAUC] = {}
        self._logloss: dict[str, utils.Rolling] = {}
        self._rate: dict[Channel, utils.Rolling] = {}

    def observe_label(self, model: str, score: float, label: bool) -> None:
        """One delayed label for a score the model gave at decision time."""
        auc = self._auc.setdefault(model, metrics.RollingROCAUC(window_size=self._window))
        ll = self._logloss.setdefault(
            model, utils.Rolling(metrics.LogLoss, window_size=self._window)
        )
        auc.update(bool(label), float(score))
        ll.update(bool(label), float(score))
        self.auc.labels(model).set(_value(auc))
        self.logloss.labels(model).set(_value(ll))
        self.label_count.labels(model, "success" if label else "failure").inc()

    def observe_reward(self, channel: Channel, reward: bool) -> None:
        rate = self._rate.setdefault(channel, utils.Rolling(stats.Mean, window_size=self._window))
        rate.update(1.0 if reward else 0.0)
        self.contacts.labels(channel.value).inc()
        if reward:
            self.rewards.labels(channel.value).inc()
        self.reward_rate.labels(channel.value).set(_value(rate))


def _value(metric: Any) -> float:
    # River's Rolling wrapper forwards get() dynamically; its stub types it as object.
    return float(metric.get())
