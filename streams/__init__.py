"""The orchestrator: the Faust pipeline (ingest, decide, schedule, dispatch) and
its wiring of rules, models and channels. The event contract it runs on is the
ground floor, ``recaudo.contracts``.

Every input topic is keyed by ``debtor_id`` so one debtor's events are ordered on
one partition and handled by one worker at a time; per-debtor state lives in
Redis, not in Faust tables, so workers are stateless and scale out freely.
"""

__all__: list[str] = []
