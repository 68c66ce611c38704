"""Online learners (River): channel/hour bandits, propensity to pay, segments,
reply intent. Their per-debtor state is plain numbers in Redis, never pickles.

"Models" here means learners, not data records: event schemas live in ``streams``.
"""

__all__: list[str] = []
