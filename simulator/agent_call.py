"""How one simulated debtor answers a collector's phone call: the outcome a person records.

A backtest's simulated team (``recaudo.backtest.work_queue``) calls the debtor
behind a task and closes the task with what happened. The call follows the
debtor's hidden story as a contact does (``world_contact``): only a reached
persuadable is moved to pay, a lost cause sometimes promises and never pays,
nothing is left to agree once the debt is paid. A person redials through the
day (``agent_attempts``) and persuades better than a message
(``agent_persuade_mult``); a deal short of the whole amount due is a plan whose
first instalment is paid. Draws are seeded by ``(seed, call_id)``.
"""

from __future__ import annotations

import math
import random
from enum import StrEnum

from recaudo.contracts.events import Channel
from recaudo.models.slots import CHANNELS
from recaudo.simulator.world_config import DebtorType
from recaudo.simulator.world_contact import Context, local_day
from recaudo.simulator.world_state import Item, Kind, Planned, WorldState

_VOICE = CHANNELS.index(Channel.VOICE)
_TYPES = tuple(DebtorType)


class CallOutcome(StrEnum):
    """A task's resolution as a collector writes it."""

    PROMISE = "promise"
    PLAN = "plan"
    NO_AGREEMENT = "no_agreement"
    NO_ANSWER = "no_answer"
    WRONG_PARTY = "wrong_party"
    NOTHING_DUE = "nothing_due"


def agent_call(
    ctx: Context, state: WorldState, i: int, call_id: str, t0: int
) -> tuple[CallOutcome, list[Item]]:
    """The outcome of a person's call to debtor ``i`` at ``t0`` and the payment it causes."""
    cfg, pop, table = ctx.cfg, ctx.pop, ctx.table
    rng = random.Random(f"{ctx.seed}:{call_id}")
    due = int(state.due_left[i])
    if due <= 0:
        return CallOutcome.NOTHING_DUE, []
    if pop.bad_address[i, _VOICE]:
        return CallOutcome.NO_ANSWER, []
    reach = float(table.reach[i][_VOICE])
    if rng.random() >= 1 - (1 - reach) ** cfg.agent_attempts:
        return CallOutcome.NO_ANSWER, []
    if pop.wrong_party[i]:
        return CallOutcome.WRONG_PARTY, []
    kind = _TYPES[int(pop.type[i])]
    run_day = (t0 - ctx.start_ms) // 86_400_000
    dpd = int(pop.dpd0[i]) + max(0, run_day - int(pop.enrol_day[i]))
    persuade = min(1.0, float(pop.persuade[i]) * cfg.agent_persuade_mult)
    persuaded = (
        kind is DebtorType.PERSUADABLE
        and t0 >= state.pending_ms[i]
        and rng.random() < persuade * math.exp(-dpd / cfg.persuade_depth_days)
    )
    false_promise = kind is DebtorType.LOST_CAUSE and rng.random() < cfg.false_promise_prob
    if not persuaded and not false_promise:
        return CallOutcome.NO_AGREEMENT, []
    full = rng.random() < cfg.full_payment_share
    amount = due if full else max(1, round(due * rng.uniform(0.3, 0.8)))
    days_ahead = rng.randint(1, 7)
    day = max(0, local_day(ctx, i, t0))
    region = int(table.region[i])
    state.pending_ms[i] = max(
        int(state.pending_ms[i]), int(pop.midnights[region, day + days_ahead + 1])
    )
    state.promises[i] += 1
    items: list[Item] = []
    if not false_promise and rng.random() < float(pop.promise_keep[i]):
        ms = int(pop.midnights[region, day + days_ahead]) + rng.randrange(
            9 * 3_600_000, 21 * 3_600_000
        )
        items.append((max(ms, t0 + 60_000), f"{call_id}:payment", Kind.PAYMENT, i,
                      Planned(amount, call_id, promised=True)))  # fmt: skip
    return (CallOutcome.PROMISE if full else CallOutcome.PLAN), items
