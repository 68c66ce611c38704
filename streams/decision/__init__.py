"""The decision core, as composed parts: one event and a debtor's state in,
decisions and commands out.

``decider`` routes each event kind to its handler (``accounts``, ``payments``,
``deliveries``, ``replies``, ``releases``, ``tasks``); the handlers share the
``planner`` (propose -> rules -> learners -> contact, defer or skip), the
``log`` (audit records, with explicit enrichers), ``cancellation``,
``learning`` (learner rewards and uplift observations) and ``policies``,
handed to each as one ``toolkit``. The assistant (``assistant``, ``answers``,
``promises``) and the courtesy ``reminders`` are parts of the same kind. Each
part receives the toolkit and the other parts it calls in its constructor;
``Decider`` builds them. Submodules are imported by name, so
this file imports nothing.
"""

__all__: list[str] = []
