"""Online learners (River): channel/hour bandits, propensity to pay, segments,
reply intent. Their per-debtor state is plain numbers in Redis, never pickles;
global models are checkpointed as JSON with a version string that every
decision record carries.

"Models" here means learners, not data records: event schemas live in ``streams``.
"""

from models.attribution import AttributionBook, Labelled
from models.bandit import ChannelBandit, Choice, DebtorArms, SegmentPrior
from models.checkpoint import CheckpointStore
from models.features import ContactFeatures
from models.intent import IntentClassifier
from models.metrics import ModelMetrics
from models.priors import ArmOutcome, SegmentPriorStore
from models.propensity import PropensityModel
from models.segments import OnlineSegmenter
from models.slots import ALL_ARMS, CHANNELS, SLOT_HOURS, Arm, next_in_slot, slot_of
from models.state import DebtorArmStore
from recaudo.errors import ModelStateError

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
    "SegmentPrior",
    "SegmentPriorStore",
    "next_in_slot",
    "slot_of",
]
