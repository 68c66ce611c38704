"""Operations assets: Grafana dashboards and Prometheus recording and alert rules.

The files are package data so an install carries them; ``promtool`` tests in
``dashboards/prometheus/rules_test.yml`` pin what each alert means.
"""

from pathlib import Path

HERE = Path(__file__).parent
RULES = HERE / "prometheus" / "recaudo.rules.yml"
RULES_TEST = HERE / "prometheus" / "rules_test.yml"
DASHBOARD = HERE / "grafana" / "recaudo.json"

__all__ = ["DASHBOARD", "HERE", "RULES", "RULES_TEST"]
