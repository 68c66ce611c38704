"""What a delivery receipt means to the decision core: an address that can no
longer be used, a reward for the learners, a debtor who engaged."""

from __future__ import annotations

from recaudo.contracts.events import DeliveryStatus

# Statuses after which a contact can no longer be sent to that address.
HARD_FAILURES = {DeliveryStatus.BOUNCED, DeliveryStatus.FAILED, DeliveryStatus.UNDELIVERED}
# One reward for every channel: the debtor acted (a click, a call answered — the voice
# channel's reply —, a reply, a promise or a payment within the reward window) is a
# success; a contact that could not arrive, or silence past the window, is a failure;
# an opt-out or complaint counts as OPT_OUT_WEIGHT failures (streams.decision.replies). Opens
# and reads do not count: mail clients open by themselves, and a read is not an act.
REWARDS: dict[DeliveryStatus, bool] = {
    DeliveryStatus.CLICKED: True,
    DeliveryStatus.ANSWERED: True,
    DeliveryStatus.FAILED: False,
    DeliveryStatus.UNDELIVERED: False,
    DeliveryStatus.BOUNCED: False,
}
ENGAGED = frozenset({DeliveryStatus.CLICKED, DeliveryStatus.ANSWERED})
