"""Recaudo: real-time decisioning for debt collection.

This package holds the process-level pieces (settings, CLI, HTTP API, the
embedded dev stack) and the ground floor every domain imports, ``contracts``
(the event contract, per-debtor state, ports). The domain lives in the sibling
top-level packages: ``rules`` (compliance), ``channels`` (providers),
``models`` (online learners), ``streams`` (the Faust agents that run them).
"""

__all__ = ["__version__"]

__version__ = "0.1.0"
