"""What a simulated debtor does after a contact: delivery, attention, reply, payment.

``sample_outcome`` is the behaviour model in plain numbers (the offline
benchmark calls it hundreds of thousands of times); ``react`` wraps it for the
demo: given a ``ContactCommand`` it returns the resulting input events, seeded
by the contact id so the same command always gets the same reaction.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from recaudo.models.slots import CHANNELS, slot_of_hour
from recaudo.simulator.portfolio import DebtorBehaviour
from recaudo.streams.events import (
    AccountEvent,
    Channel,
    DeliveryEvent,
    DeliveryStatus,
    Intent,
    Money,
    PaymentEvent,
    PaymentMethod,
    Promise,
    ResponseEvent,
)
from recaudo.streams.outputs import ContactCommand

ReactionEvent = DeliveryEvent | ResponseEvent | PaymentEvent
#: Slot affinity used for a send time outside every slot (night): debtors mostly ignore it.
OFF_HOURS_AFFINITY = 0.15

REPLIES: dict[Intent, dict[str, tuple[str, ...]]] = {
    Intent.OPT_OUT: {"es": ("BAJA", "no me escriban más"), "en": ("STOP", "stop texting me")},
    Intent.PROMISE_TO_PAY: {
        "es": ("pago el viernes", "mañana le pago"),
        "en": ("I will pay on friday", "paying next week"),
    },
    Intent.HARDSHIP: {
        "es": ("perdí mi trabajo, no puedo pagar",),
        "en": ("I lost my job and can't pay now",),
    },
    Intent.CALLBACK_REQUEST: {"es": ("llámenme en la tarde",), "en": ("call me back later",)},
    Intent.DISPUTE: {"es": ("no debo eso",), "en": ("I don't owe this",)},
    Intent.WRONG_PARTY: {"es": ("número equivocado",), "en": ("wrong number",)},
    Intent.OTHER: {"es": ("quién es?",), "en": ("who is this?",)},
}
_NO_PAY_REPLIES = (
    (Intent.HARDSHIP, 0.35),
    (Intent.CALLBACK_REQUEST, 0.25),
    (Intent.OTHER, 0.25),
    (Intent.DISPUTE, 0.1),
    (Intent.WRONG_PARTY, 0.05),
)


@dataclass(frozen=True, slots=True)
class Outcome:
    """The sampled result of one contact, in plain numbers."""

    delivered: bool
    permanent_failure: bool = False
    engaged: bool = False
    opted_out: bool = False
    reply: Intent | None = None
    paid_minor: int = 0
    pay_after_h: float = 0.0
    promise_days: int | None = None


def engage_probability(
    b: DebtorBehaviour, channel: Channel, slot: int | None, contacts_so_far: int
) -> float:
    affinity = OFF_HOURS_AFFINITY if slot is None else b.slot_affinity[slot]
    fatigue = 0.93 ** min(contacts_so_far, 30)
    return b.reach[CHANNELS.index(channel)] * affinity * fatigue


def pay_probability(b: DebtorBehaviour, days_past_due: int, amount_due_minor: int) -> float:
    """P(paying once reached): falls with delinquency depth and with the size of the bill."""
    depth = math.exp(-days_past_due / 150.0)
    size = 1.0 / (1.0 + amount_due_minor / 500_000.0)
    return b.pay_propensity * depth * size


def opt_out_probability(
    b: DebtorBehaviour, channel: Channel, slot: int | None, contacts_so_far: int
) -> float:
    """Annoyance: the wrong channel, the wrong hour and many contacts all raise it."""
    p = b.opt_out_rate * (1.0 + 0.15 * min(contacts_so_far, 20))
    if channel is not b.preferred_channel:
        p *= 2.5
    if slot is None or slot != b.preferred_slot:
        p *= 1.5
    return min(p, 1.0)


def sample_outcome(
    b: DebtorBehaviour,
    channel: Channel,
    slot: int | None,
    days_past_due: int,
    amount_due_minor: int,
    contacts_so_far: int,
    rng: random.Random,
) -> Outcome:
    fail = b.delivery_failure[CHANNELS.index(channel)]
    if rng.random() < fail:
        return Outcome(delivered=False, permanent_failure=fail >= 1.0)
    if rng.random() < opt_out_probability(b, channel, slot, contacts_so_far):
        return Outcome(delivered=True, engaged=True, opted_out=True, reply=Intent.OPT_OUT)
    if rng.random() >= engage_probability(b, channel, slot, contacts_so_far):
        return Outcome(delivered=True)
    if rng.random() < pay_probability(b, days_past_due, amount_due_minor):
        full = rng.random() < 0.7
        amount = amount_due_minor if full else int(amount_due_minor * rng.uniform(0.3, 0.8))
        if rng.random() < 0.5:
            delay_h = 24.0 * rng.expovariate(1.0 / b.pay_delay_days)
            return Outcome(delivered=True, engaged=True, paid_minor=amount, pay_after_h=delay_h)
        days = rng.randint(1, 7)
        kept = rng.random() < b.promise_keeping
        return Outcome(
            delivered=True,
            engaged=True,
            reply=Intent.PROMISE_TO_PAY,
            promise_days=days,
            paid_minor=amount if kept else 0,
            pay_after_h=24.0 * days - rng.uniform(0, 12) if kept else 0.0,
        )
    reply = None
    if rng.random() < 0.3:
        x, acc = rng.random(), 0.0
        for intent, p in _NO_PAY_REPLIES:
            acc += p
            if x < acc:
                reply = intent
                break
    return Outcome(delivered=True, engaged=True, reply=reply)


_ENGAGED_STATUS = {
    Channel.SMS: DeliveryStatus.DELIVERED,
    Channel.EMAIL: DeliveryStatus.OPENED,
    Channel.WHATSAPP: DeliveryStatus.READ,
    Channel.VOICE: DeliveryStatus.ANSWERED,
}


def react(
    command: ContactCommand,
    behaviour: DebtorBehaviour,
    account: AccountEvent,
    seed: int = 0,
    contacts_so_far: int = 0,
) -> list[ReactionEvent]:
    """The events this debtor produces after ``command``, in time order."""
    rng = random.Random(f"{seed}:{command.contact_id}")
    local_hour = command.send_at.astimezone(ZoneInfo(account.timezone)).hour
    slot = slot_of_hour(local_hour)
    out = sample_outcome(
        behaviour,
        command.channel,
        slot,
        account.days_past_due,
        account.amount_due.amount_minor,
        contacts_so_far,
        rng,
    )
    base = {
        "tenant_id": command.tenant_id,
        "debtor_id": command.debtor_id,
    }
    t0 = command.send_at
    events: list[ReactionEvent] = []

    def delivery(status: DeliveryStatus, after_s: float, permanent: bool = False) -> None:
        events.append(
            DeliveryEvent(
                event_id=f"{command.contact_id}:{status.value}",
                occurred_at=t0 + dt.timedelta(seconds=after_s),
                contact_id=command.contact_id,
                account_id=command.account_id,
                provider="sandbox",
                channel=command.channel,
                status=status,
                address=command.address,
                provider_error_code="invalid_address" if permanent else None,
                permanent=permanent,
                **base,
            )
        )

    if not out.delivered:
        status = (
            DeliveryStatus.BOUNCED if command.channel is Channel.EMAIL else DeliveryStatus.FAILED
        )
        delivery(status, 5, permanent=out.permanent_failure)
        return events
    delivery(DeliveryStatus.DELIVERED, 5)
    if out.engaged and command.channel is not Channel.SMS:
        delivery(_ENGAGED_STATUS[command.channel], rng.uniform(30, 3600))
    elif command.channel is Channel.VOICE:
        delivery(DeliveryStatus.NO_ANSWER, 30)
    if out.reply is not None:
        lang = "es" if account.language.startswith("es") else "en"
        promise = None
        if out.promise_days is not None:
            promise = Promise(
                amount=account.amount_due,
                due_on=(t0 + dt.timedelta(days=out.promise_days)).date(),
            )
        events.append(
            ResponseEvent(
                event_id=f"{command.contact_id}:reply",
                occurred_at=t0 + dt.timedelta(seconds=rng.uniform(3600, 4 * 3600)),
                account_id=command.account_id,
                contact_id=command.contact_id,
                channel=command.channel,
                text=rng.choice(REPLIES[out.reply][lang]),
                promise=promise,
                **base,
            )
        )
    if out.paid_minor > 0:
        paid_at = t0 + dt.timedelta(hours=max(out.pay_after_h, 0.1))
        events.append(
            PaymentEvent(
                event_id=f"{command.contact_id}:payment",
                occurred_at=paid_at,
                payment_id=f"p-{command.contact_id}",
                account_id=command.account_id,
                amount=Money(amount_minor=out.paid_minor, currency=account.amount_due.currency),
                method=PaymentMethod.BANK_TRANSFER,
                paid_at=paid_at,
                **base,
            )
        )
    return sorted(events, key=lambda e: e.occurred_at)
