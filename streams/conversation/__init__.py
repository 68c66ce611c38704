"""The reply assistant: what a debtor's reply asks, and the answer it gets.

``parse`` reads a reply (legal asks by rule first), ``slots`` finds the
promised date and amount, ``state`` is the little the assistant remembers in
the debtor's state, ``plans`` the instalment arithmetic, ``promises`` applies
payments to promises and instalments, ``handoff`` opens and closes tasks for
people, and ``assistant`` turns an ask into audited decisions: a reply on the
channel the debtor wrote from, a promise, a plan, or a task. Submodules are imported by
name: ``streams.state`` imports ``state`` from here, so this file imports
nothing.
"""

__all__: list[str] = []
