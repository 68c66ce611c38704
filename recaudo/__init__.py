"""Recaudo: real-time decisioning for debt collection.

This package holds the process-level pieces (settings, CLI, HTTP API, the
embedded dev stack). The domain lives in the sibling top-level packages:
``streams`` (event contract and Faust agents), ``rules`` (compliance),
``channels`` (providers), ``models`` (online learners).
"""

__all__ = ["__version__"]

__version__ = "0.1.0"
