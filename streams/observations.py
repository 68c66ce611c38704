"""Uplift observations kept with the debtor until their attribution window closes.

A cadence step is an observation: contacted (treated) or left alone (the
holdout, or a random skip; control). Its label is the share of the amount due
paid inside the window, read from the debtor's outcome summary when the window
has closed, and handed to the shared uplift sums (``models.uplift``).
"""

from __future__ import annotations

import datetime as dt

from recaudo.contracts.state import UpliftOpen
from recaudo.models.uplift import Observation
from recaudo.streams.state import DebtorState

#: Open observations kept per debtor; older ones give way (their label is lost, not wrong).
KEEP = 8


def open_observation(
    state: DebtorState, account_id: str, context: str, treated: bool, at: dt.datetime
) -> None:
    account = state.accounts.get(account_id)
    if account is None or state.out is None:
        return
    state.obs.append(
        UpliftOpen(at=at.timestamp(), ctx=context, t=treated, r0=state.out.rec, d0=account.due)
    )
    state.obs = state.obs[-KEEP:]


def closed_observations(
    state: DebtorState, now: dt.datetime, attribution_s: float
) -> list[Observation]:
    """Label and remove the observations whose window has closed."""
    if not state.obs or state.out is None:
        return []
    keep, closed = [], []
    for obs in state.obs:
        if now.timestamp() - obs.at < attribution_s:
            keep.append(obs)
            continue
        share = min(1.0, max(0.0, (state.out.rec - obs.r0) / obs.d0)) if obs.d0 > 0 else 0.0
        opened = dt.datetime.fromtimestamp(obs.at, dt.UTC)
        closed.append(Observation(obs.ctx, obs.t, share, opened))
    state.obs = keep
    return closed
