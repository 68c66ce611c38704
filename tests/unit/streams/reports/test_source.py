"""The scan's key pattern and the channel cost weights, without Redis."""

from __future__ import annotations

from recaudo.foundation.keys import Keys
from recaudo.rules.tenants import TenantPolicies
from recaudo.streams.reports.source import _debtor_of, policy_channel_costs, state_pattern


def test_pattern_matches_only_the_tenants_state_keys() -> None:
    keys = Keys("rc")
    assert state_pattern(keys, "acme") == "rc:acme:{*}:state"
    # A tenant id with glob characters is matched literally.
    assert state_pattern(Keys("r*"), "a?[b]") == "r\\*:a\\?\\[b\\]:{*}:state"
    assert _debtor_of(keys, "acme", "rc:acme:{d-1}:state") == "d-1"
    assert _debtor_of(keys, "acme", "rc:acme:{d-1}:seen") is None
    assert _debtor_of(keys, "acme", "rc:acme-eu:{d-1}:state") is None
    assert _debtor_of(keys, "acm", "rc:acme:{d-1}:state") is None


def test_cost_weights_are_the_policy_channel_costs() -> None:
    weights = policy_channel_costs(TenantPolicies(["acme"], None))("acme")
    assert weights is not None
    assert (weights["sms"], weights["email"]) == (30.0, 1.0)
