"""How one simulated debtor answers one contact: receipts, reply, promise, payment, opt-out.

Every draw here comes from a stream named for what it decides (failure, reach,
complaint, opt-out, persuasion, payment, ...) and seeded by ``(seed, debtor,
n)``, n the debtor's count of earlier accepted contacts (``Draws``). The same
contact to the same world always has the same consequences, and two strategies
that contact a debtor for the n-th time share its luck: whether a reached
persuadable pays depends on the same uniform draw under both, only the
probabilities (channel, hour, fatigue, depth) differ. Common random numbers
of this kind make paired comparisons of strategies on one seed far less noisy
than independent draws per contact id did, without changing any expectation.
Attention falls and opt-out risk rises with the contacts of the last 7 and 14
days; only a reached persuadable is moved to pay; a reached sleeping dog may
cancel its own self-cure.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass

import numpy as np

from recaudo.contracts.events import (
    Channel,
    DeliveryStatus,
    Money,
    Promise,
    ResponseEvent,
)
from recaudo.contracts.outputs import ContactCommand
from recaudo.models.slots import CHANNELS, slot_of
from recaudo.simulator.paydays import day_weights, from_ms, sample_day, to_ms
from recaudo.simulator.population import Population
from recaudo.simulator.portfolio import AccountTable
from recaudo.simulator.receipts import receipt
from recaudo.simulator.texts import (
    OPT_OUT,
    OPT_OUT_ALL,
    OTHER,
    PAID_ALREADY,
    WRONG_PARTY,
    pick,
    promise_text,
)
from recaudo.simulator.world_config import DebtorType, WorldConfig
from recaudo.simulator.world_state import DAY_MS, Effect, Item, Kind, Planned, Ready, WorldState

#: Slot affinity for a send time outside every slot (night).
OFF_HOURS_AFFINITY = 0.15
_PHONE = (Channel.SMS, Channel.WHATSAPP, Channel.VOICE)
_TYPES = tuple(DebtorType)


@dataclass(frozen=True, slots=True)
class Context:
    seed: int
    cfg: WorldConfig
    table: AccountTable
    pop: Population
    start_ms: int


class _Out:
    """Collects the items of one contact."""

    def __init__(self, command: ContactCommand, t0: int, i: int) -> None:
        self.command, self.t0, self.i = command, t0, i
        self.items: list[Item] = []

    def delivery(self, status: DeliveryStatus, after_s: float, permanent: bool = False,
                 error: str | None = None, effect: Effect = Effect.NONE) -> None:  # fmt: skip
        ms = self.t0 + max(1000, round(after_s * 1000))
        event = receipt(self.command, ms, status, permanent, error)
        self.items.append((ms, event.event_id, Kind.READY, self.i, Ready(event, effect)))

    def reply(self, text: str, after_s: float, promise: Promise | None = None,
              effect: Effect = Effect.NONE) -> int:  # fmt: skip
        c = self.command
        ms = self.t0 + max(1000, round(after_s * 1000))
        event = ResponseEvent(
            event_id=f"{c.contact_id}:reply",
            tenant_id=c.tenant_id,
            occurred_at=from_ms(ms),
            debtor_id=c.debtor_id,
            account_id=c.account_id,
            contact_id=c.contact_id,
            channel=c.channel,
            text=text,
            promise=promise,
        )
        self.items.append((ms, event.event_id, Kind.READY, self.i, Ready(event, effect)))
        return ms


def _preferences(ctx: Context, i: int, t0: int) -> tuple[int, int, list[float], list[float]]:
    """Preferred channel and slot now, and reach/affinity with the drift applied."""
    t, p = ctx.table, ctx.pop
    ch, slot = int(t.preferred_channel[i]), int(t.preferred_slot[i])
    reach = [float(x) for x in t.reach[i]]
    aff = [float(x) for x in t.slot_affinity[i]]
    if t0 >= p.drift_ms[i]:
        new_ch, new_slot = int(p.drift_channel[i]), int(p.drift_slot[i])
        reach[ch], reach[new_ch] = reach[new_ch], reach[ch]
        aff[slot], aff[new_slot] = aff[new_slot], aff[slot]
        ch, slot = new_ch, new_slot
    return ch, slot, reach, aff


def local_day(ctx: Context, i: int, ms: int) -> int:
    """Index (from the run's first local date) of the debtor's local day at ``ms``."""
    row = ctx.pop.midnights[int(ctx.table.region[i])]
    return int(np.searchsorted(row, ms, side="right")) - 1


def _pay_ms(ctx: Context, i: int, rng: random.Random, day: int, max_days: int, mean: float) -> int:
    """A local daytime instant on a day drawn from a decaying, payday-boosted hazard."""
    r = int(ctx.table.region[i])
    weights = day_weights(
        day, max_days, ctx.pop.paydays[r], ctx.pop.first_dates[r].weekday(),
        int(ctx.pop.weekly_payday[i]), mean, ctx.cfg.payday_boost,
    )  # fmt: skip
    k = sample_day(rng, weights)
    row = ctx.pop.midnights[r]
    return int(row[min(day + k, len(row) - 1)]) + rng.randrange(9 * 3_600_000, 21 * 3_600_000)


class Draws:
    """Independent random streams for one contact, one per decision it draws for,
    seeded by world seed, debtor and the debtor's contact count (module docstring)."""

    def __init__(self, seed: int, i: int, n: int) -> None:
        self._base = f"{seed}:{i}:{n}"
        self._streams: dict[str, random.Random] = {}

    def __call__(self, purpose: str) -> random.Random:
        stream = self._streams.get(purpose)
        if stream is None:
            stream = self._streams[purpose] = random.Random(f"{self._base}:{purpose}")
        return stream


def react(
    ctx: Context, state: WorldState, i: int, command: ContactCommand, sent_at: dt.datetime
) -> list[Item]:
    """The items one accepted contact schedules for debtor ``i``."""
    cfg, table, pop = ctx.cfg, ctx.table, ctx.pop
    draw = Draws(ctx.seed, i, int(state.contacts[i]))
    t0 = to_ms(sent_at)
    c7, c14 = state.recent_contacts(i, t0, 7), state.recent_contacts(i, t0, 14)
    state.contact_times.setdefault(i, []).append(t0)
    state.contacts[i] += 1
    out = _Out(command, t0, i)
    channel = command.channel
    ch = CHANNELS.index(channel)
    voice = channel is Channel.VOICE
    if pop.bad_address[i, ch]:
        status = DeliveryStatus.BOUNCED if channel is Channel.EMAIL else DeliveryStatus.FAILED
        out.delivery(status, draw("timing").uniform(2, 30), permanent=True, error="invalid_address")
        return out.items
    failure = draw("failure")
    if failure.random() < cfg.transient_failure[ch]:
        if voice:
            out.delivery(failure.choice((DeliveryStatus.BUSY, DeliveryStatus.NO_ANSWER)), 30)
        else:
            out.delivery(DeliveryStatus.UNDELIVERED, failure.uniform(5, 600), error="unreachable")
        return out.items
    pref_ch, pref_slot, reach, aff = _preferences(ctx, i, t0)
    slot = slot_of(sent_at, table.timezone(i))
    affinity = OFF_HOURS_AFFINITY if slot is None else aff[slot]
    attention = reach[ch] * affinity * cfg.fatigue_attention**c7
    reached = draw("reach").random() < attention
    timing = draw("timing")
    if voice:
        miss = timing.choice((DeliveryStatus.NO_ANSWER, DeliveryStatus.VOICEMAIL))
        out.delivery(DeliveryStatus.ANSWERED if reached else miss, timing.uniform(10, 40))
    else:
        out.delivery(DeliveryStatus.DELIVERED, timing.uniform(2, 60))
        if reached and channel is Channel.EMAIL:
            out.delivery(DeliveryStatus.OPENED, timing.uniform(60, 4 * 3600))
        elif reached and channel is Channel.WHATSAPP:
            out.delivery(DeliveryStatus.READ, timing.uniform(30, 3 * 3600))
    language = table.language(i)
    kind = _TYPES[int(pop.type[i])]
    if channel in _PHONE and pop.wrong_party[i]:
        wrong = draw("wrong_party")
        if reached and wrong.random() < 0.4:
            out.reply(pick(wrong, WRONG_PARTY, language), wrong.uniform(60, 3600))
        return out.items
    refused = t0 >= state.opted_out_ms[i, ch]
    # Opt-out and complaint: fatigue, the wrong channel or hour, and sleeping dogs raise them.
    p_out = float(table.opt_out_rate[i]) * (
        1 + cfg.opt_out_per_contact_7d * c7 + cfg.opt_out_per_contact_14d * c14
    )
    p_out *= cfg.sleeping_dog_opt_out_mult if kind is DebtorType.SLEEPING_DOG else 1.0
    p_out *= (2.0 if ch != pref_ch else 1.0) * (1.5 if slot != pref_slot else 1.0)
    p_out *= 1.0 if reached else 0.3
    p_complaint = min(1.0, p_out * cfg.complaint_ratio * (10.0 if refused else 1.0))
    complaint = draw("complaint")
    if complaint.random() < p_complaint:
        out.delivery(
            DeliveryStatus.COMPLAINED, complaint.uniform(300, 6 * 3600), effect=Effect.COMPLAINT
        )
    if kind is DebtorType.SLEEPING_DOG and draw("harm").random() < cfg.sleeping_dog_harm * (
        1.0 if reached else 1 / 3
    ):
        state.soured_ms[i] = min(int(state.soured_ms[i]), t0)
    if refused:
        return out.items
    opt_out = draw("opt_out")
    if opt_out.random() < min(1.0, p_out):
        every = opt_out.random() < cfg.opt_out_all_share
        text = pick(opt_out, OPT_OUT_ALL if every else OPT_OUT, language)
        ms = out.reply(text, opt_out.uniform(30, 3600), effect=Effect.OPT_OUT)
        if every:
            state.opted_out_ms[i, :] = np.minimum(state.opted_out_ms[i, :], ms)
        else:
            state.opted_out_ms[i, ch] = min(int(state.opted_out_ms[i, ch]), ms)
        return out.items
    day = max(0, local_day(ctx, i, t0))  # the debtor's calendar: paydays, promise dates
    run_day = (t0 - ctx.start_ms) // DAY_MS  # the lender's feed: enrolment, depth
    enrolled = run_day >= int(pop.enrol_day[i])
    due = int(state.due_left[i])
    other = draw("other_reply")
    if reached and enrolled and due <= 0 and other.random() < cfg.other_reply_prob:
        out.reply(pick(other, PAID_ALREADY, language), other.uniform(120, 6 * 3600))
    if not reached or not enrolled or due <= 0:
        return out.items
    dpd = int(pop.dpd0[i]) + run_day - int(pop.enrol_day[i])
    persuaded = (
        kind is DebtorType.PERSUADABLE
        and t0 >= state.pending_ms[i]
        and draw("persuade").random()
        < float(pop.persuade[i]) * math.exp(-dpd / cfg.persuade_depth_days)
    )
    false_promise = (
        kind is DebtorType.LOST_CAUSE and draw("false_promise").random() < cfg.false_promise_prob
    )
    if not persuaded and not false_promise:
        if other.random() < cfg.other_reply_prob:
            out.reply(pick(other, OTHER, language), other.uniform(120, 6 * 3600))
        return out.items
    click = draw("click")
    if channel in (Channel.SMS, Channel.EMAIL) and click.random() < 0.6:
        out.delivery(DeliveryStatus.CLICKED, click.uniform(60, 3 * 3600))
    rng = draw("payment")
    full = rng.random() < cfg.full_payment_share
    amount = due if full else max(1, round(due * rng.uniform(0.3, 0.8)))
    if false_promise or rng.random() < cfg.promise_share:
        days_ahead = rng.randint(1, 7)
        due_on = ctx.pop.first_dates[int(table.region[i])] + dt.timedelta(days=day + days_ahead)
        money = Money(amount_minor=amount, currency=table.currency(i))
        reply_ms = out.reply(
            promise_text(rng, language, due_on), rng.uniform(60, 2 * 3600),
            promise=Promise(amount=money, due_on=due_on), effect=Effect.PROMISE,
        )  # fmt: skip
        end_ms = int(pop.midnights[int(table.region[i]), day + days_ahead + 1])
        state.pending_ms[i] = max(int(state.pending_ms[i]), end_ms)
        kept = not false_promise and rng.random() < float(pop.promise_keep[i])
        if kept:
            # Most pay on the day promised, some earlier.
            early = days_ahead > 1 and rng.random() < 0.3
            pay_day = day + days_ahead - (rng.randint(1, days_ahead - 1) if early else 0)
            ms = int(pop.midnights[int(table.region[i]), pay_day])
            ms += rng.randrange(9 * 3_600_000, 21 * 3_600_000)
            ms = max(ms, reply_ms + 60_000)
            out.items.append((ms, f"{command.contact_id}:payment", Kind.PAYMENT, i,
                              Planned(amount, command.contact_id, promised=True)))  # fmt: skip
        return out.items
    ms = _pay_ms(ctx, i, rng, day, 14, cfg.pay_mean_delay_days)
    if ms <= t0 + 600_000:
        ms = t0 + rng.randrange(600_000, 3 * 3_600_000)
    state.pending_ms[i] = max(int(state.pending_ms[i]), ms + DAY_MS)
    out.items.append((ms, f"{command.contact_id}:payment", Kind.PAYMENT, i,
                      Planned(amount, command.contact_id, promised=False)))  # fmt: skip
    return out.items
