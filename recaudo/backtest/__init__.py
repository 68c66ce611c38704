"""``recaudo backtest``: the live decision path on event time.

The same ``DecisionStage``, ``DispatchStage`` and ``ScheduleTimer`` the worker
runs, against real Redis and the sandbox providers, moved by a simulated clock
over a dated event log or a simulated portfolio that reacts to every contact.
Only the broker is left out: records go from stage to stage in memory, in the
order the broker would deliver one debtor's records.
"""

from recaudo.backtest.driver import Backtest, BacktestResult
from recaudo.backtest.sources import EventLog, EventSource

__all__ = ["Backtest", "BacktestResult", "EventLog", "EventSource"]
