"""Dispatch: from a decided contact command to the provider's send, at most once.

The decision stage marks a contact ``pending`` in the ``ContactLedger`` (``ledger``)
and publishes its ``ContactCommand`` on ``contacts``. The ``DispatchStage``
(``stage``) parses each command and hands it to the worker's dispatcher
(``runtime``: providers from credentials, or a dry run), whose ``Dispatcher``
(``dispatcher``) claims the contact in the ledger, sends it through the channel's
providers and publishes what happened on ``deliveries``. A command not due yet,
or whose providers are all down, is held by ``Redispatch`` (``redispatch``) until
the schedule timer puts it back on ``contacts``.

Import each part from its module: the decision stage needs the ledger without
loading every provider's HTTP client.
"""

__all__: list[str] = []
