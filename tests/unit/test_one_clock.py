"""One clock: nothing on the decision path reads the wall clock on its own.

Every "now", cache age, window and expiry that can change a decision comes from
the injected clock (``recaudo.foundation.clock``), so the worker, the backtest
and the demo decide alike at any speed and load. Wall time is for metrics,
latency and log stamps: each such read is listed below with its reason, and a
new one fails this test until it is justified here or moved to the clock.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
#: The decision path: the domains and the entry points that drive them.
SCANNED = (
    "recaudo/contracts",
    "streams",
    "models",
    "rules",
    "channels",
    "recaudo/backtest",
    "recaudo/web",
)
SINGLE_FILES = ("recaudo/rebuild.py", "recaudo/worker.py", "recaudo/demo.py")
WALL_READS = {
    ("time", "time"),
    ("time", "time_ns"),
    ("time", "monotonic"),
    ("time", "monotonic_ns"),
    ("datetime", "now"),
    ("datetime", "utcnow"),
    ("datetime", "today"),
    ("date", "today"),
    ("loop", "time"),
}
ALLOWED: dict[tuple[str, str], str] = {
    ("streams/decision/log.py", "time.time"): "decision latency metric (wall seconds)",
    ("recaudo/contracts/outputs.py", "datetime.now"): "utcnow(): the webhook service's default "
    "clock when built without one; the web app passes the settings' clock",
    ("streams/reports/source.py", "time.monotonic"): "report cache age: what a manager "
    "reads, never a decision",
    ("streams/reports/source.py", "time.time"): "report 'as of' stamp",
    ("streams/ops/cards.py", "time.monotonic"): "the ops page's debtor-card cache age: "
    "what an agent reads, never a decision",
    ("channels/breaker.py", "time.monotonic"): "a provider's health is real time",
    ("channels/outbound/delivery.py", "time.monotonic"): "an endpoint's request latency "
    "(metric and delivery log); its schedule and backoff run on the clock",
    ("channels/webhooks/sns.py", "datetime.now"): "a real signature's validity window",
    ("channels/webhooks/mailgun.py", "time.time"): "a real signature's replay window",
    ("channels/webhooks/sendgrid.py", "time.time"): "a real signature's replay window",
    ("channels/webhooks/standard.py", "time.time"): "a real signature's replay window",
    ("channels/webhooks/vonage.py", "time.time"): "a real signature's replay window",
    ("channels/webhooks/vonage_voice.py", "time.time"): "a real signature's replay window",
    ("channels/providers/vonage.py", "time.time"): "a real token's issue time (Vonage "
    "checks it against its own clock)",
    ("channels/payments/mercadopago.py", "time.time"): "a real signature's replay window",
    ("recaudo/demo.py", "time.time"): "the origin of the demo's scaled clock: wall "
    "seconds are what it scales",
    (
        "recaudo/demo.py",
        "time.monotonic",
    ): "how often the demo prints and how long it runs, in wall seconds",
    ("channels/content/preview.py", "datetime.now"): "`recaudo template preview` renders "
    "a sample as of today",
    ("recaudo/backtest/driver.py", "time.time"): "the broker-like receive stamp, read "
    "only for the decision latency metric",
    # The sandbox is scanned too: in the demo it is the world, so the event times it
    # stamps come from its clock; only the signatures' own timestamps read the wall.
    ("channels/sandbox/signing.py", "time.time"): "a real signature's timestamp (our "
    "verifiers check it against the wall)",
    ("channels/sandbox/payments_api.py", "time.time"): "Stripe's and Mercado Pago's "
    "signature timestamps (our verifiers check them against the wall)",
    ("channels/sandbox/vonage_api.py", "time.time"): "a real token's expiry and issue time "
    "(checked against the wall)",
    ("channels/sandbox/core.py", "time.monotonic"): "how long ``drain`` waits, in wall seconds",
}


def wall_reads(path: Path) -> set[str]:
    """``module.attr`` for every reference to a wall-clock reader in ``path``."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Attribute):
            continue
        owner = node.value
        name = (
            owner.id
            if isinstance(owner, ast.Name)
            else owner.attr
            if isinstance(owner, ast.Attribute)
            else None
        )
        if name is None:
            continue
        if (name, node.attr) in WALL_READS or (name.endswith("loop") and node.attr == "time"):
            found.add(f"{name}.{node.attr}")
    return found


def decision_path_files() -> list[Path]:
    files = [p for folder in SCANNED for p in (ROOT / folder).rglob("*.py")]
    return files + [ROOT / f for f in SINGLE_FILES]


def test_the_decision_path_reads_time_only_from_the_injected_clock() -> None:
    found = {
        (str(path.relative_to(ROOT)), read)
        for path in decision_path_files()
        for read in wall_reads(path)
    }
    unexplained = sorted(found - set(ALLOWED))
    assert unexplained == [], "read the injected clock, or justify the wall read in ALLOWED"
    assert sorted(set(ALLOWED) - found) == [], "an allowed read is gone: remove it from ALLOWED"


def test_the_scan_sees_every_kind_of_wall_read(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import time, datetime as dt, asyncio\n"
        "a = time.monotonic()\nb = dt.datetime.now(dt.UTC)\n"
        "c = asyncio.get_running_loop()\nloop = c\nd = loop.time()\nclock = time.time\n",
        encoding="utf-8",
    )
    assert wall_reads(sample) == {"time.monotonic", "datetime.now", "loop.time", "time.time"}
