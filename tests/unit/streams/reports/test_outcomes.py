"""Report figures on hand-computed groups: means, intervals, rates, cost, currencies."""

from __future__ import annotations

import pytest

from recaudo.contracts.state import OutcomeSummary
from recaudo.streams.reports.model import GroupRow
from recaudo.streams.reports.outcomes import compute_report, parse_dimensions

Z = 1.959964


def s(arm: str, rec: int, **kw: object) -> OutcomeSummary:
    values = {"strat": "exp1", "cur": "USD", "owed": 1000, "bkt": "1-30", "arm": arm, "rec": rec}
    return OutcomeSummary.model_validate({**values, **kw})


def portfolio() -> list[tuple[str, OutcomeSummary]]:
    champion = [
        s("champion", 100, n=2, cost=20, opt=True, prom=1, kept=1, rpc=True, cured=True),
        s("champion", 300, n=3, cost=30, prom=2, kept=1, rpc=True),
        s("champion", 200, n=1, cost=10),
        s("champion", 0, n=2, cost=20, prom=1),
    ]
    challenger = [s("challenger", 400, n=1, cost=10), s("challenger", 200, n=1, cost=10)]
    holdout = [s("holdout", 0), s("holdout", 100), s("holdout", 50)]
    items = [*champion, *challenger, *holdout]
    return [(f"d{i}", item) for i, item in enumerate(items)]


def row(rows: list[GroupRow], arm: str, currency: str = "USD") -> GroupRow:
    (found,) = [r for r in rows if r.arm == arm and r.currency == currency]
    return found


def test_champion_against_holdout_by_hand() -> None:
    report = compute_report("acme", portfolio(), ["arm"])
    champ = row(report.groups, "champion")
    assert (champ.debtors, champ.contacts, champ.owed, champ.recovered, champ.cost) == (
        4,
        8,
        4000,
        600,
        80,
    )
    assert champ.recovery_rate == pytest.approx(0.15)
    assert champ.recovered_per_debtor == pytest.approx(150)
    assert champ.recovered_per_contact == pytest.approx(75)
    assert champ.opt_out_rate == pytest.approx(0.25)
    assert champ.promise_kept_rate == pytest.approx(0.5)
    assert champ.right_party_contact_rate == pytest.approx(0.5)
    assert champ.cure_rate == pytest.approx(0.25)
    vs = champ.vs_holdout
    assert vs is not None
    assert vs.holdout_debtors == 3
    # 150 - 50 with the pooled se sqrt(11000 * 7/12) and t(0.975, 4.45 df) (see test_stats).
    t = 2.668204
    half = t * (11000 * 7 / 12) ** 0.5
    per_debtor = vs.incremental_recovered_per_debtor
    assert (per_debtor.estimate, per_debtor.low, per_debtor.high) == pytest.approx(
        (100, 100 - half, 100 + half), rel=1e-6
    )
    # Per contact: 100 / 2 contacts per debtor = 50. Delta method: treated debtors'
    # y - 50 c = [0, 150, 150, -100], s^2 15000; pooled with the holdout's 2500:
    # (3 * 15000 + 2 * 2500) / 5 = 10000; se = sqrt(10000 * 7/12) / 2 contacts.
    half_c = t * (10000 * 7 / 12) ** 0.5 / 2
    per_contact = vs.incremental_recovered_per_contact
    assert (per_contact.estimate, per_contact.low, per_contact.high) == pytest.approx(
        (50, 50 - half_c, 50 + half_c), rel=1e-6
    )
    # Net of contact cost: [80, 270, 190, -20] against the holdout: 130 - 50 = 80.
    assert vs.net_incremental_recovered_per_debtor.estimate == pytest.approx(80)
    wider = vs.always_valid_per_debtor
    assert wider.estimate == pytest.approx(100)
    assert wider.low is not None
    assert per_debtor.low is not None
    assert wider.low < per_debtor.low
    assert vs.incremental_recovered == pytest.approx(400)
    assert vs.cost_per_incremental_unit == pytest.approx(80 / 400)
    assert vs.opt_out_rate_diff.estimate == pytest.approx(0.25)
    assert vs.complaint_rate_diff.estimate == pytest.approx(0.0)
    assert row(report.groups, "holdout").vs_holdout is None


def test_challenger_against_champion() -> None:
    report = compute_report("acme", portfolio(), ["arm"])
    (cmp,) = report.comparisons
    assert (cmp.arm, cmp.baseline_arm, cmp.debtors, cmp.baseline_debtors) == (
        "challenger",
        "champion",
        2,
        4,
    )
    # 300 - 150; s^2 20000 (n 2) and 50000/3 (n 4): se = sqrt(10000 + 4166.67).
    half = Z * (10000 + 50000 / 12) ** 0.5
    d = cmp.recovered_per_debtor_diff
    assert (d.estimate, d.low, d.high) == pytest.approx((150, 150 - half, 150 + half), rel=1e-6)


def test_not_split_by_arm_pools_the_treated() -> None:
    report = compute_report("acme", portfolio(), [])
    assert [(r.arm, r.debtors, r.strategy) for r in report.groups] == [
        ("treated", 6, None),
        ("holdout", 3, None),
    ]
    assert report.comparisons == []


def test_currencies_never_mix() -> None:
    eur = [("e1", s("champion", 900, cur="EUR")), ("e2", s("champion", 700, cur="EUR"))]
    report = compute_report("acme", [*portfolio(), *eur], ["arm"])
    assert row(report.groups, "champion").recovered == 600
    euro = row(report.groups, "champion", "EUR")
    assert (euro.debtors, euro.recovered) == (2, 1600)
    vs = euro.vs_holdout
    assert vs is not None
    assert vs.holdout_debtors == 0
    assert vs.incremental_recovered_per_debtor.status == "no baseline"
    assert vs.cost_per_incremental_unit is None


def test_holdout_of_one_is_too_small() -> None:
    items = [("h", s("holdout", 10)), ("a", s("champion", 50)), ("b", s("champion", 70))]
    vs = row(compute_report("acme", items, ["arm"]).groups, "champion").vs_holdout
    assert vs is not None
    assert vs.incremental_recovered_per_debtor.status == "n too small"
    assert vs.incremental_recovered_per_debtor.estimate == pytest.approx(50)
    assert vs.incremental_recovered_per_debtor.low is None
    assert vs.incremental_recovered_per_contact.status == "no contacts"


def test_cost_per_unit_is_none_when_nothing_incremental() -> None:
    items = [(f"h{i}", s("holdout", 100)) for i in range(3)]
    items += [(f"t{i}", s("champion", 80, n=1, cost=5)) for i in range(3)]
    vs = row(compute_report("acme", items, ["arm"]).groups, "champion").vs_holdout
    assert vs is not None
    assert vs.incremental_recovered == pytest.approx(-60)
    assert vs.cost_per_incremental_unit is None


def test_segment_and_bucket_cells_have_their_own_holdout() -> None:
    items = [
        ("a", s("champion", 100, seg="prime", bkt="31-60")),
        ("b", s("champion", 100, seg="prime", bkt="31-60")),
        ("c", s("holdout", 0, seg="prime", bkt="31-60")),
        ("d", s("holdout", 0, seg="prime", bkt="31-60")),
        ("e", s("champion", 5, seg="subprime", bkt="1-30")),
        ("f", s("holdout", 1000, bkt="1-30")),
    ]
    report = compute_report("acme", items, ["segment", "bucket"])
    keys = [(r.segment, r.bucket, r.arm, r.debtors) for r in report.groups]
    assert keys == [
        ("", "1-30", "holdout", 1),
        ("prime", "31-60", "treated", 2),
        ("prime", "31-60", "holdout", 2),
        ("subprime", "1-30", "treated", 1),
    ]
    prime = report.groups[1].vs_holdout
    assert prime is not None
    assert prime.incremental_recovered_per_debtor.estimate == pytest.approx(100)
    subprime = report.groups[3].vs_holdout
    assert subprime is not None
    assert subprime.incremental_recovered_per_debtor.status == "no baseline"


def test_channel_rows_share_cost_by_contacts_or_by_weights() -> None:
    items = [
        ("a", s("champion", 0, n=3, by_ch={"sms": 2, "email": 1}, cost=30, rpc=True)),
        ("b", s("champion", 0, n=1, by_ch={"sms": 1}, cost=6, opt=True)),
    ]
    plain = compute_report("acme", items, ["arm", "channel"]).channels
    assert [(c.channel, c.debtors, c.contacts) for c in plain] == [("email", 1, 1), ("sms", 2, 3)]
    assert [c.cost for c in plain] == pytest.approx([10, 26])
    assert [(c.right_party_contact_rate, c.opt_out_rate) for c in plain] == [
        (1.0, 0.0),
        (0.5, 0.5),
    ]
    weighted = compute_report("acme", items, ["channel"], channel_weights={"sms": 4, "email": 1})
    assert [c.cost for c in weighted.channels] == pytest.approx([30 / 9, 30 * 8 / 9 + 6])


def test_a_debtor_seen_twice_counts_once() -> None:
    items = portfolio()
    report = compute_report("acme", [*items, items[0]], ["arm"])
    assert report.debtors == len(items)
    assert row(report.groups, "champion").debtors == 4


def test_parse_dimensions_names_the_bad_one() -> None:
    assert parse_dimensions(["arm,segment", "bucket", "arm"]) == ["arm", "segment", "bucket"]
    assert parse_dimensions(["strategy"]) == ["arm"]
    with pytest.raises(ValueError, match="'dpd'"):
        parse_dimensions(["arm,dpd"])
