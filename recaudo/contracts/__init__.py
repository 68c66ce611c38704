"""Contracts: the ground floor every domain stands on.

The event and output records (``events``, ``outputs``, their field types in
``base``), the per-debtor state the domains read (``state``), broker records,
topics and codec, dead letters, and the ports: small protocols that import
nothing concrete from a domain. Imports run one way: foundation <- contracts
<- rules <- models, channels <- streams <- simulator and the entry points;
nothing here imports a domain (tests/unit/test_layering.py).
"""

__all__: list[str] = []
