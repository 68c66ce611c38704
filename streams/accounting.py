"""Outcome accounting: what each debtor's treatment (or holdout) produced.

Kept in the debtor's state (``DebtorState.out``) and so committed atomically
with the processed event ids: a replayed batch skips events already counted,
and a restart resumes from the committed figures. The reports
(``streams.reports``) add these summaries up against the holdout.
"""

from __future__ import annotations

from recaudo.contracts.events import Channel
from recaudo.contracts.ports import AssignmentLike
from recaudo.contracts.state import OutcomeSummary
from recaudo.streams.state import DebtorState

BUCKETS = ((30, "1-30"), (60, "31-60"), (90, "61-90"))


def dpd_bucket(dpd: int) -> str:
    for upper, name in BUCKETS:
        if dpd <= upper:
            return name
    return "91+"


def owed(state: DebtorState) -> int:
    return sum(a.due for a in state.accounts.values())


def enrol(state: DebtorState, at: float, assignment: AssignmentLike, dpd: int, cur: str) -> None:
    """The first time the debtor owes: fix its group, segment and bucket for the reports.

    ``at`` is the enrolling snapshot's time (event time), not when it was processed.
    """
    if state.out is not None or owed(state) <= 0:
        return
    state.out = OutcomeSummary(
        since=at,
        arm=assignment.arm,
        strat=assignment.strategy,
        seg=state.seg,
        bkt=dpd_bucket(dpd),
        owed=owed(state),
        cur=cur,
    )


def paid(state: DebtorState, amount_minor: int, at: float) -> None:
    """A payment (negative: a reversal) made at ``at``; cured when nothing is owed any more.

    Counted when made after enrolment (both event times), so the figure does not
    depend on whether the payment or the enrolling snapshot arrived first.
    """
    out = state.out
    if out is None:
        return
    out.cured = owed(state) <= 0
    if at <= out.since:
        return
    out.rec += amount_minor


def contacted(state: DebtorState, channel: Channel, cost: float) -> None:
    out = state.out
    if out is None:
        return
    out.n += 1
    out.by_ch = {**out.by_ch, channel.value: out.by_ch.get(channel.value, 0) + 1}
    out.cost += round(cost)


def opted_out(state: DebtorState, complaint: bool = False) -> None:
    if state.out is not None:
        state.out.opt = True
        state.out.cmp = state.out.cmp or complaint


def engaged(state: DebtorState) -> None:
    """The right party answered: a reply, a click, a conversation."""
    if state.out is not None:
        state.out.rpc = True


def promised(state: DebtorState) -> None:
    if state.out is not None:
        state.out.prom += 1


def promise_kept(state: DebtorState) -> None:
    if state.out is not None:
        state.out.kept += 1
