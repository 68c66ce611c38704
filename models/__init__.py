"""Online learners (River): channel/hour bandits, propensity to pay, roll risk
before a due date, segments, reply intent. Their per-debtor state is plain
numbers in Redis, never pickles; global models are checkpointed as JSON with a
version string that every decision record carries.

"Models" here means learners, not data records: event schemas live in ``streams``.
"""

from recaudo.foundation.errors import ModelStateError
from recaudo.models.attribution import AttributionBook, Labelled
from recaudo.models.bandit import ChannelBandit, Choice, DebtorArms, SegmentPrior
from recaudo.models.checkpoint import CheckpointStore
from recaudo.models.features import ContactFeatures
from recaudo.models.intent import IntentClassifier
from recaudo.models.metrics import ModelMetrics
from recaudo.models.priors import ArmOutcome, SegmentPriorStore
from recaudo.models.propensity import PropensityModel
from recaudo.models.roll_risk import RollFeatures, RollRiskModel
from recaudo.models.segments import OnlineSegmenter
from recaudo.models.slots import ALL_ARMS, CHANNELS, SLOT_HOURS, Arm, next_in_slot, slot_of
from recaudo.models.state import DebtorArmStore

__all__ = [
    "ALL_ARMS",
    "CHANNELS",
    "SLOT_HOURS",
    "Arm",
    "ArmOutcome",
    "AttributionBook",
    "ChannelBandit",
    "CheckpointStore",
    "Choice",
    "ContactFeatures",
    "DebtorArmStore",
    "DebtorArms",
    "IntentClassifier",
    "Labelled",
    "ModelMetrics",
    "ModelStateError",
    "OnlineSegmenter",
    "PropensityModel",
    "RollFeatures",
    "RollRiskModel",
    "SegmentPrior",
    "SegmentPriorStore",
    "next_in_slot",
    "slot_of",
]
