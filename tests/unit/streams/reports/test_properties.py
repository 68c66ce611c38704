"""Properties any report must keep, whatever the portfolio."""

from __future__ import annotations

import random

from hypothesis import given
from hypothesis import strategies as st

from recaudo.contracts.state import OutcomeSummary
from recaudo.streams.reports.outcomes import Dimension, compute_report

summaries = st.builds(
    OutcomeSummary,
    arm=st.sampled_from(["holdout", "champion", "challenger"]),
    strat=st.just("exp"),
    seg=st.sampled_from([None, "prime"]),
    bkt=st.sampled_from(["1-30", "91+"]),
    cur=st.sampled_from(["USD", "EUR"]),
    owed=st.integers(0, 10_000),
    rec=st.integers(0, 10_000),
    n=st.integers(0, 5),
    cost=st.integers(0, 100),
    opt=st.booleans(),
)
portfolios = st.lists(summaries, max_size=40).map(
    lambda xs: [(f"d{i}", s) for i, s in enumerate(xs)]
)


@given(portfolios, st.randoms())
def test_order_and_redelivery_do_not_change_the_report(
    items: list[tuple[str, OutcomeSummary]], rnd: random.Random
) -> None:
    shuffled = [*items, *items[: len(items) // 2]]
    rnd.shuffle(shuffled)
    groupings: list[list[Dimension]] = [[], ["arm"], ["arm", "segment", "bucket", "channel"]]
    for by in groupings:
        assert compute_report("t", shuffled, by) == compute_report("t", items, by)


@given(portfolios)
def test_groups_partition_the_debtors_per_currency(items: list[tuple[str, OutcomeSummary]]) -> None:
    report = compute_report("t", items, ["arm", "segment", "bucket"])
    assert sum(g.debtors for g in report.groups) == report.debtors == len(items)
    for cur in ("USD", "EUR"):
        rows = [g for g in report.groups if g.currency == cur]
        assert sum(g.recovered for g in rows) == sum(s.rec for _, s in items if s.cur == cur)
    for g in report.groups:
        vs = g.vs_holdout
        if vs is None:
            continue
        d = vs.incremental_recovered_per_debtor
        if d.low is not None and d.high is not None and d.estimate is not None:
            assert d.low <= d.estimate <= d.high
