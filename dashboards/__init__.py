"""Operations assets: Grafana dashboards, Prometheus recording and alert rules,
and the built-in operations page (a debtor's decision timeline).

The files are package data so an install carries them; ``promtool`` tests in
``dashboards/prometheus/rules_test.yml`` pin what each alert means.
"""

from pathlib import Path

HERE = Path(__file__).parent
RULES = HERE / "prometheus" / "recaudo.rules.yml"
RULES_TEST = HERE / "prometheus" / "rules_test.yml"
DASHBOARD = HERE / "grafana" / "recaudo.json"
OPS_PAGE = HERE / "ops" / "index.html"

__all__ = ["DASHBOARD", "HERE", "OPS_PAGE", "RULES", "RULES_TEST"]
