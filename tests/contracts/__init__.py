"""Contract suites: every implementation of a kind runs through the same checks.

Like river's ``check_estimator``: one suite per kind (provider adapters,
webhook verifiers, jurisdiction profiles, learners); each finds its members by
scanning the package, so a new one cannot skip its suite.
"""
