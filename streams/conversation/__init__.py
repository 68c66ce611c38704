"""How the assistant reads a reply: what it asks, and what it remembers.

``parse`` reads a reply (legal asks by rule first), ``lexicon`` holds the
words, ``slots`` finds the promised date and amount, ``plans`` is the
instalment arithmetic, and ``state`` is the little the assistant remembers in
the debtor's state. The decisions taken on a reply (answers, promises, plans,
tasks) are parts of the decision core (``streams.decision``). Submodules are
imported by name: ``streams.state`` imports ``state`` from here, so this file
imports nothing.
"""

__all__: list[str] = []
