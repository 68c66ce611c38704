"""Tenant policy files: validation, cadences, templates, experiments, overrides."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

import pytest

from recaudo.contracts.events import Channel
from recaudo.foundation.errors import PolicyError
from recaudo.rules import caps_for, evaluate
from recaudo.rules.policy import default_policy, load_policy, parse_policy
from recaudo.rules.tenants import TenantPolicies
from tests.unit.rules.conftest import NY, ProposalFactory, item, local

BASE = """
version = "v7"
name = "acme"
default_language = "es"
[[cadence]]
id = "soft"
min_dpd = 1
max_dpd = 10
channels = ["sms", "email"]
template = "soft"
[[cadence]]
id = "soft-smb"
segment = "smb"
min_dpd = 1
max_dpd = 10
channels = ["email"]
template = "soft"
[[cadence]]
id = "hard"
min_dpd = 11
channels = ["voice"]
template = "hard"
[templates.soft]
es = "soft_es"
en = "soft_en"
[templates.hard]
es = "hard_es"
"""


def test_default_policy_is_shipped_and_valid() -> None:
    p = default_policy()
    assert p.version == "2025.1"
    step = p.cadence_step(30)
    assert step is not None
    assert step.id == "mid"
    assert step.channels[0] == Channel.WHATSAPP
    assert p.template_for(step, "pt-BR") == "past_due_v1_pt"


def test_cadence_step_prefers_segment_and_arm() -> None:
    p = parse_policy(BASE)
    assert p.cadence_step(0) is None
    assert p.cadence_step(5).id == "soft"  # type: ignore[union-attr]
    assert p.cadence_step(5, "smb").id == "soft-smb"  # type: ignore[union-attr]
    assert p.cadence_step(500, "smb").id == "hard"  # type: ignore[union-attr]
    d = default_policy()
    assert d.cadence_step(3, arm="challenger").id == "early-challenger"  # type: ignore[union-attr]
    assert d.cadence_step(3, arm="champion").id == "early"  # type: ignore[union-attr]


def test_template_falls_back_to_base_then_default_language() -> None:
    p = parse_policy(BASE)
    soft = p.cadence_step(5)
    hard = p.cadence_step(50)
    assert soft is not None
    assert hard is not None
    assert p.template_for(soft, "en-US") == "soft_en"
    assert p.template_for(hard, "en") == "hard_es"
    assert hard.step_id == "hard"


def test_assignment_is_deterministic_weighted_and_holds_out() -> None:
    p = default_policy()
    assert p.assign("acme", "d-1") == p.assign("acme", "d-1")
    arms = Counter(p.assign("acme", f"d-{i}").arm for i in range(4000))
    assert 0.03 < arms["holdout"] / 4000 < 0.07
    assert 0.72 < arms["champion"] / 4000 < 0.80
    assert 0.15 < arms["challenger"] / 4000 < 0.23
    held = next(
        p.assign("acme", f"d-{i}") for i in range(4000) if p.assign("acme", f"d-{i}").holdout
    )
    assert held.arm == "holdout"
    assert held.strategy == "cadence-2025q1"
    # Another tenant's debtor with the same id is hashed independently.
    differs = sum(p.assign("acme", f"d-{i}") != p.assign("globex", f"d-{i}") for i in range(200))
    assert differs > 20


@pytest.mark.parametrize(
    ("patch", "message"),
    [
        (
            ('template = "hard"', 'template = "nope"'),
            "cadence[2] (hard).template: 'nope' is not in",
        ),
        (('max_dpd = 10\nchannels = ["sms"', 'max_dpd = 0\nchannels = ["sms"'), "cadence.0"),
        (("min_dpd = 11", "min_dpd = -1"), "cadence.2.min_dpd"),
        (('name = "acme"', 'name = "acme"\nfoo = 1'), "foo: Extra inputs are not permitted"),
    ],
)
def test_invalid_policies_name_the_field(patch: tuple[str, str], message: str) -> None:
    with pytest.raises(PolicyError) as info:
        parse_policy(BASE.replace(*patch), "acme.toml")
    assert str(info.value).startswith("acme.toml: invalid policy")
    assert message in str(info.value)


@pytest.mark.parametrize(
    ("field", "url"),
    [
        ("payment_url", "https://p.example/{foo}"),
        ("payment_url", "https://p.example/{account_id.__class__}"),
        ("payment_url", "https://p.example/{payment_reference[0]}"),
        ("payment_url", "https://p.example/{contact_id!r}"),
        ("payment_url", "https://p.example/{contact_id"),
        ("unsubscribe_url", "https://u.example/{account_id}"),
    ],
)
def test_a_sender_url_holds_only_the_names_it_is_filled_with(field: str, url: str) -> None:
    # A click fills the payment page long after the policy loaded (and a decision
    # the unsubscribe link): a name neither can fill is refused now, naming it.
    with pytest.raises(PolicyError, match=f"sender.{field}"):
        parse_policy(BASE + f'\n[sender]\n{field} = "{url}"\n', "acme.toml")
    fine = "https://p.example/{account_id}?r={payment_reference}&c={contact_id}&a={{x}}"
    policy = parse_policy(BASE + f'\n[sender]\npayment_url = "{fine}"\n', "acme.toml")
    assert policy.sender.payment_url == fine


def test_a_legal_rule_cannot_be_loosened() -> None:
    text = (
        BASE
        + """
[[jurisdictions.US.caps]]
id = "us.reg_f.call_frequency"
limit = 20
window_days = 7
"""
    )
    with pytest.raises(PolicyError, match=r"jurisdictions\.US\.caps\.0\.id: .*legal rule"):
        parse_policy(text)


def test_unknown_jurisdiction_override_is_an_error() -> None:
    with pytest.raises(PolicyError, match="no compliance profile for 'ZZ'"):
        parse_policy(BASE + "[jurisdictions.ZZ]\n")


def test_missing_file_is_a_policy_error(tmp_path: object) -> None:
    with pytest.raises(PolicyError, match="cannot read"):
        load_policy("/nonexistent/policy.toml")


def test_tenant_adds_stricter_caps_and_tunes_defaults(proposal: ProposalFactory) -> None:
    text = (
        BASE
        + """
[[jurisdictions.US.caps]]
id = "acme.us.voice.weekly"
limit = 3
window_days = 7
channels = ["voice"]
[[jurisdictions.US.caps]]
id = "policy.daily_total"
limit = 1
window_days = 1
"""
    )
    p = parse_policy(text)
    caps = {c.id: c for c in caps_for("US-MA", Channel.VOICE, p)}
    assert caps["us.reg_f.call_frequency"].limit == 7  # the law stays
    assert caps["us-ma.940cmr.7.04.communications"].limit == 2
    assert caps["acme.us.voice.weekly"].rule.kind == "tenant"
    assert caps["policy.daily_total"].limit == 1
    assert caps["policy.daily_total"].rule.kind == "policy_default"
    assert "acme.us.voice.weekly" not in {c.id for c in caps_for("US", Channel.SMS, p)}
    # Tuned daily default: one email this morning blocks a call this afternoon.
    sent = item(local(NY, 2025, 6, 10, 9), channel=Channel.EMAIL)
    verdict = evaluate(proposal(history=(sent,)), p)
    assert verdict.defer_until == local(NY, 2025, 6, 11, 9)
    assert verdict.profile_version == "US-2021.11+acme@v7"


def test_tenant_hours_only_narrow_the_law(proposal: ProposalFactory) -> None:
    p = parse_policy(BASE + '[jurisdictions.US.hours]\nstart = "06:00"\nend = "20:00"\n')
    # 7:00 is in the tenant's hours but not in Reg F's: the law still wins.
    early = evaluate(proposal(at=local(NY, 2025, 6, 10, 7)), p)
    assert early.defer_until == local(NY, 2025, 6, 10, 8)
    late = evaluate(proposal(at=local(NY, 2025, 6, 10, 20, 30)), p)
    assert late.defer_until == local(NY, 2025, 6, 11, 8)
    assert late.reasons[0].rule_id == "tenant.us.hours"


def test_caps_for_unknown_jurisdiction_is_empty() -> None:
    assert caps_for("AR", Channel.SMS) == ()
    assert dt.timedelta(days=7) in {c.window for c in caps_for("CL", Channel.VOICE)}


def test_the_sender_signs_as_its_entity_in_the_debtors_jurisdiction() -> None:
    sender = default_policy().sender
    brazil = sender.for_jurisdiction("BR")
    assert (brazil.name, brazil.tax_id) == ("Recaudo Demo Brasil", "12.345.678/0001-95")
    assert "Sao Paulo" in (brazil.address or "")
    assert brazil.payment_url == sender.payment_url  # what the entity leaves unset is kept
    assert sender.for_jurisdiction("US-NY").address == sender.for_jurisdiction("US").address
    assert sender.for_jurisdiction("CO") == sender == sender.for_jurisdiction(None)


def test_the_default_policy_has_an_entity_for_every_region_the_demo_writes_to() -> None:
    from recaudo.simulator.portfolio import REGIONS

    sender = default_policy().sender
    tax_ids = {sender.for_jurisdiction(code).tax_id for code, *_ in REGIONS}
    assert len(tax_ids) == len({code.split("-")[0] for code, *_ in REGIONS})


def test_a_sender_entity_needs_a_jurisdiction_code() -> None:
    text = BASE + '[sender.jurisdictions.brazil]\ntax_id = "1"\n'
    with pytest.raises(PolicyError, match=r"sender\.jurisdictions"):
        parse_policy(text)


def test_a_policy_folder_that_is_not_there_stops_the_start(tmp_path: Path) -> None:
    """A mistyped or unmounted RECAUDO_POLICY_DIR must not run every tenant on the
    built-in policy; an existing folder without the tenant's file still does."""
    with pytest.raises(PolicyError, match=r"\(RECAUDO_POLICY_DIR\): no such directory"):
        TenantPolicies(["acme"], tmp_path / "missing")
    (tmp_path / "file").write_text("", encoding="utf-8")
    with pytest.raises(PolicyError, match="no such directory"):
        TenantPolicies(["acme"], tmp_path / "file")
    assert TenantPolicies(["acme"], tmp_path)("acme") is default_policy()
    assert TenantPolicies(["acme"], None)("acme") is default_policy()


def test_a_states_override_reaches_its_city_and_the_city_its_own(
    proposal: ProposalFactory,
) -> None:
    # jurisdictions.US-NY binds a New York City debtor too; US-NY-NYC binds no one else.
    p = parse_policy(
        BASE
        + """
[[jurisdictions.US-NY.caps]]
id = "acme.ny.voice.weekly"
limit = 2
window_days = 7
channels = ["voice"]
[[jurisdictions.US-NY-NYC.caps]]
id = "acme.nyc.sms.daily"
limit = 1
window_days = 1
channels = ["sms"]
"""
    )
    city = {c.id for c in caps_for("US-NY-NYC", Channel.VOICE, p)}
    assert {"acme.ny.voice.weekly", "us-ny-nyc.6rcny.5-77.communications"} <= city
    assert "acme.nyc.sms.daily" in {c.id for c in caps_for("US-NY-NYC", Channel.SMS, p)}
    assert "acme.nyc.sms.daily" not in {c.id for c in caps_for("US-NY", Channel.SMS, p)}
    with pytest.raises(PolicyError, match="no compliance profile for 'ZZ-AB-CDE'"):
        parse_policy(BASE + "[jurisdictions.ZZ-AB-CDE]\n")
