"""Synthetic decision logs with known logging probabilities and a known reward function.

The truth a test compares against is exact: ``expected_reward(x, a)`` is the
mean payment for each (context, action), so a deterministic challenger's true
value on the sampled contexts is the mean of ``expected_reward(x_i, pi(x_i))``.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from dataclasses import dataclass

from recaudo.contracts.events import Channel, Money, PaymentEvent, PaymentMethod
from recaudo.contracts.outputs import Action, Decision, Reason
from recaudo.models.offpolicy import SKIP, SKIP_RULE_ID, LoggedChoice
from recaudo.rules.policy import TenantPolicy, parse_policy

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
STEPS: dict[str, tuple[str, ...]] = {
    "early": ("sms", "email", "whatsapp"),
    "late": ("voice", "email", "sms"),
}
#: Base chance of paying per option; contacting beats skipping, voice is best late.
BASE = {SKIP: 0.05, "sms": 0.12, "email": 0.08, "whatsapp": 0.16, "voice": 0.22}


def policy_toml(
    mode: str, min_value: float = 0.0, steps: dict[str, tuple[str, ...]] = STEPS
) -> str:
    """A valid challenger policy file: one step per entry of ``steps``, 31 days each."""
    cadence = []
    for i, (sid, chans) in enumerate(steps.items()):
        upper = f"max_dpd = {i * 31 + 30}\n" if i < len(steps) - 1 else ""
        cadence.append(
            f'[[cadence]]\nid = "{sid}"\nmin_dpd = {i * 31}\n{upper}'
            f'channels = {json.dumps(list(chans))}\ntemplate = "t"\n'
        )
    return (
        'version = "test"\nname = "challenger"\n\n'
        + "\n".join(cadence)
        + f'\n[templates.t]\nes = "t_es"\n\n[targeting]\nmode = "{mode}"\nmin_value = {min_value}\n'
    )


def policy(
    mode: str, min_value: float = 0.0, steps: dict[str, tuple[str, ...]] = STEPS
) -> TenantPolicy:
    return parse_policy(policy_toml(mode, min_value, steps))


def expected_reward(features: dict[str, float | str], action: str) -> float:
    """The true mean payment for this context and action."""
    dpd = float(features["dpd"])
    amount = float(features["amount_due_minor"])
    chance = BASE[action] * (1.5 if dpd <= 30 else 0.8)
    return chance * amount


@dataclass(frozen=True)
class Synthetic:
    choices: list[LoggedChoice]
    rewards: list[float]


def synthetic_log(n: int, seed: int, explore: float = 0.3) -> Synthetic:
    """A logging policy: greedy (skip small debts, else the best offered channel) with
    ``explore`` spread uniformly over the offered options; rewards drawn from the truth."""
    rng = random.Random(seed)
    choices: list[LoggedChoice] = []
    rewards: list[float] = []
    for i in range(n):
        dpd = rng.randint(1, 90)
        step = "early" if dpd <= 30 else "late"
        amount = rng.choice((5_000, 20_000, 40_000, 80_000))
        offered = [c for c in STEPS[step] if rng.random() < 0.7] or [STEPS[step][0]]
        offered.append(SKIP)
        greedy = SKIP if amount < 20_000 else max(offered[:-1], key=lambda c: BASE[c])
        options = {o: explore / len(offered) + (1 - explore) * (o == greedy) for o in offered}
        taken = rng.choices(list(options), weights=list(options.values()))[0]
        features: dict[str, float | str] = {
            "dpd": dpd,
            "step": step,
            "amount_due_minor": amount,
            "currency": "USD",
            "value": amount / 1000,
        }
        # Partial payments around the true mean: the reward model can explain most
        # of the reward, the situation DR is for.
        reward = expected_reward(features, taken) * (0.5 + rng.random())
        choices.append(
            LoggedChoice(f"d{i}", f"debtor{i}", f"acct{i}", T0, options, taken, features, "acme")
        )
        rewards.append(reward)
    return Synthetic(choices, rewards)


def decision(
    decision_id: str,
    options: dict[str, float],
    taken: str,
    *,
    debtor_id: str = "debtor1",
    account_id: str | None = "acct1",
    decided_at: dt.datetime = T0,
    features: dict[str, float | str] | None = None,
    propensity: float | None = None,
) -> Decision:
    """A decision record as the live strategy writes it."""
    contact = taken != SKIP
    return Decision(
        decision_id=decision_id,
        tenant_id="acme",
        debtor_id=debtor_id,
        account_id=account_id,
        action=Action.CONTACT if contact else Action.SUPPRESS,
        reasons=() if contact else (Reason(rule_id=SKIP_RULE_ID),),
        channel=Channel(taken) if contact else None,
        contact_id=f"c-{decision_id}" if contact else None,
        options=options,
        propensity=options.get(taken, 0.0) if propensity is None else propensity,
        features=features
        if features is not None
        else {"dpd": 10, "step": "early", "amount_due_minor": 30_000, "currency": "USD"},
        policy_version="test",
        strategy="default",
        arm="champion",
        trigger_event_id=f"e-{decision_id}",
        trigger_type="account",
        decided_at=decided_at,
        latency_s=0.01,
    )


def payment(
    event_id: str,
    paid_at: dt.datetime,
    amount: int,
    *,
    debtor_id: str = "debtor1",
    account_id: str = "acct1",
    reversal_of: str | None = None,
    currency: str = "USD",
    tenant_id: str = "acme",
) -> PaymentEvent:
    return PaymentEvent(
        event_id=event_id,
        tenant_id=tenant_id,
        occurred_at=paid_at,
        debtor_id=debtor_id,
        payment_id=f"p-{event_id}",
        account_id=account_id,
        amount=Money(amount_minor=amount, currency=currency),
        method=next(iter(PaymentMethod)),
        paid_at=paid_at,
        reversal_of=reversal_of,
    )
