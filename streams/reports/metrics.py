"""Prometheus gauges of the headline outcome figures, by tenant, strategy, arm and currency.

Gauges, not counters: each refresh recomputes the figures from the committed
summaries, so a restart or a replay cannot inflate them. A figure that cannot
be computed (no holdout, n too small) has no series rather than a made-up 0.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Gauge

from recaudo.streams.reports.model import Difference, OutcomeReport

LABELS = ["tenant", "strategy", "arm", "currency"]


class OutcomeMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.per_debtor = Gauge(
            "recaudo_outcome_incremental_recovered_per_debtor",
            "Recovered per treated debtor minus per holdout debtor, minor units; "
            "bound is estimate, low or high (95% Welch interval).",
            [*LABELS, "bound"],
            registry=registry,
        )
        self.per_contact = Gauge(
            "recaudo_outcome_incremental_recovered_per_contact",
            "Incremental recovered per contact vs the holdout, minor units; bound as above.",
            [*LABELS, "bound"],
            registry=registry,
        )
        self.recovery_rate = Gauge(
            "recaudo_outcome_recovery_rate",
            "Recovered / owed at enrolment, by arm (holdout included).",
            LABELS,
            registry=registry,
        )
        self.opt_out_rate = Gauge(
            "recaudo_outcome_opt_out_rate",
            "Share of enrolled debtors who opted out of any channel, by arm.",
            LABELS,
            registry=registry,
        )
        self.contacts = Gauge(
            "recaudo_outcome_contacts",
            "Contacts sent to enrolled debtors, by arm.",
            LABELS,
            registry=registry,
        )
        self.debtors = Gauge(
            "recaudo_outcome_debtors",
            "Enrolled debtors, by arm.",
            LABELS,
            registry=registry,
        )
        self._set: dict[str, set[tuple[Gauge, tuple[str, ...]]]] = {}

    def update(self, report: OutcomeReport) -> None:
        """Replace the tenant's series with this report's (grouped by arm)."""
        now: set[tuple[Gauge, tuple[str, ...]]] = set()

        def put(gauge: Gauge, labels: tuple[str, ...], value: float | None) -> None:
            if value is not None:
                gauge.labels(*labels).set(value)
                now.add((gauge, labels))

        def put_diff(gauge: Gauge, labels: tuple[str, ...], diff: Difference) -> None:
            for bound, value in (
                ("estimate", diff.estimate),
                ("low", diff.low),
                ("high", diff.high),
            ):
                put(gauge, (*labels, bound), value)

        for g in report.groups:
            labels: tuple[str, ...] = (report.tenant_id, g.strategy or "", g.arm, g.currency)
            put(self.recovery_rate, labels, g.recovery_rate)
            put(self.opt_out_rate, labels, g.opt_out_rate)
            put(self.contacts, labels, g.contacts)
            put(self.debtors, labels, g.debtors)
            if g.vs_holdout is not None:
                put_diff(self.per_debtor, labels, g.vs_holdout.incremental_recovered_per_debtor)
                put_diff(self.per_contact, labels, g.vs_holdout.incremental_recovered_per_contact)
        for gauge, labels in self._set.get(report.tenant_id, set()) - now:
            gauge.remove(*labels)
        self._set[report.tenant_id] = now
