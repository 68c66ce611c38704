"""Per-debtor Thompson sampling over (channel, local time slot) arms.

Each debtor's posterior is two small counters per arm (successes, failures),
packed as little-endian uint16 into one ~66-byte Redis value; a pickled River
``ThompsonSampling`` holding one ``proba.Beta`` object per arm is ~50 KB. The
debtor's counts are added to a Beta prior pooled from the debtor's segment
(``models.priors``), so a new debtor starts from what worked for its peers.

Sampling draws one Beta variate per allowed arm in a single vectorised numpy
call, seeded by the caller (e.g. from the decision id) so a replayed decision
picks the same arm (``models.seeded``: no generator is built per decision, and
arms that may not be chosen are not drawn at all); River's ``proba.Beta`` is
the same model one object per arm, too slow and too big to rebuild for every
decision.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from recaudo.contracts.events import Channel
from recaudo.foundation.errors import ModelStateError
from recaudo.models import seeded
from recaudo.models.slots import ALL_ARMS, CHANNELS, N_SLOTS, Arm, arm_index

_MAGIC = 0xA1
_HEADER = struct.Struct("<BB")
_MAX_U16 = 0xFFFF

#: Beta pseudo-counts (alpha, beta) of an arm nobody knows anything about.
BASE = (1.0, 4.0)

FloatArray = npt.NDArray[np.float64]
CountArray = npt.NDArray[np.uint16]
Allowed = Iterable[Channel | Arm | tuple[Channel, int]]


@dataclass(frozen=True, slots=True)
class DebtorArms:
    """One debtor's observed rewards: ``successes[i]``/``failures[i]`` for arm ``i``."""

    successes: CountArray
    failures: CountArray

    @classmethod
    def empty(cls, n_arms: int = len(ALL_ARMS)) -> DebtorArms:
        return cls(np.zeros(n_arms, np.uint16), np.zeros(n_arms, np.uint16))

    @property
    def contacts(self) -> int:
        return int(self.successes.sum(dtype=np.int64) + self.failures.sum(dtype=np.int64))

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, DebtorArms)
            and np.array_equal(self.successes, other.successes)
            and np.array_equal(self.failures, other.failures)
        )

    def __hash__(self) -> int:
        return hash((self.successes.tobytes(), self.failures.tobytes()))


@dataclass(frozen=True, slots=True)
class SegmentPrior:
    """Beta pseudo-counts per arm, pooled from a segment (see ``from_counts``)."""

    alpha: FloatArray
    beta: FloatArray

    @classmethod
    def base(cls, n_arms: int = len(ALL_ARMS), prior: tuple[float, float] = BASE) -> SegmentPrior:
        """The same weak Beta on every arm: what is assumed before any segment data.

        Beta(1, 4) (mean 0.2) rather than Beta(1, 1): contact response rates are
        low, and an optimistic 0.5 makes every one of the 16 arms look worth
        trying several times before the debtor's preferred one wins.
        """
        return cls(np.full(n_arms, prior[0]), np.full(n_arms, prior[1]))

    @classmethod
    def from_counts(
        cls,
        successes: Iterable[float],
        failures: Iterable[float],
        strength: float = 8.0,
        prior: tuple[float, float] = BASE,
    ) -> SegmentPrior:
        """Shrink the segment's rate per arm into at most ``strength`` pseudo-contacts.

        Capping the weight keeps a debtor's own few outcomes able to move its
        posterior: a segment with 10,000 contacts must not drown one debtor's 5.
        """
        s = np.asarray(list(successes), np.float64)
        f = np.asarray(list(failures), np.float64)
        n = s + f
        rate = (s + prior[0]) / (n + prior[0] + prior[1])
        weight = np.minimum(n, strength)
        return cls(prior[0] + weight * rate, prior[1] + weight * (1.0 - rate))


@dataclass(frozen=True, slots=True)
class Choice:
    """The arm picked, and the numbers behind it for the decision record."""

    channel: Channel
    slot: int
    scores: dict[str, float] = field(default_factory=dict)

    @property
    def arm(self) -> Arm:
        return Arm(self.channel, self.slot)


class ChannelBandit:
    """Global bandit configuration; all per-debtor state is passed in and returned.

    ``max_count``: when an arm's successes + failures exceed it, both are halved,
    so old outcomes fade and a debtor whose habits change is re-learned.
    """

    version = "bandit-ts-v1"

    def __init__(self, max_count: int = 512) -> None:
        if not 2 <= max_count < _MAX_U16:
            raise ValueError("max_count must be in 2..65534")
        self.arms = ALL_ARMS
        self.max_count = max_count
        self._size = _HEADER.size + 4 * len(self.arms)

    @property
    def encoded_size(self) -> int:
        """Bytes of one encoded debtor state."""
        return self._size

    def encode(self, state: DebtorArms) -> bytes:
        n = len(self.arms)
        if state.successes.shape != (n,) or state.failures.shape != (n,):
            raise ModelStateError(f"expected {n} arms")
        return (
            _HEADER.pack(_MAGIC, n)
            + state.successes.astype("<u2").tobytes()
            + state.failures.astype("<u2").tobytes()
        )

    def decode(self, raw: bytes | None) -> DebtorArms:
        """The state stored in Redis; ``None`` (no key yet) is a fresh debtor."""
        n = len(self.arms)
        if raw is None:
            return DebtorArms.empty(n)
        if len(raw) != self._size:
            raise ModelStateError(f"bandit state is {len(raw)} bytes, expected {self._size}")
        magic, stored_n = _HEADER.unpack_from(raw)
        if magic != _MAGIC or stored_n != n:
            raise ModelStateError(f"bandit state header {magic:#x}/{stored_n} not {_MAGIC:#x}/{n}")
        counts = np.frombuffer(raw, "<u2", offset=_HEADER.size).astype(np.uint16)
        return DebtorArms(counts[:n].copy(), counts[n:].copy())

    def allowed_mask(self, allowed: Allowed | None) -> npt.NDArray[np.bool_]:
        """Arms that may be chosen; a bare channel allows every slot of it."""
        mask = np.zeros(len(self.arms), bool)
        if allowed is None:
            mask[:] = True
            return mask
        for item in allowed:
            if isinstance(item, Arm):
                mask[item.index] = True
            elif isinstance(item, tuple):
                mask[arm_index(item[0], item[1])] = True
            else:
                start = CHANNELS.index(item) * N_SLOTS
                mask[start : start + N_SLOTS] = True
        return mask

    def choose(
        self,
        state: DebtorArms,
        prior: SegmentPrior | None,
        allowed: Allowed | None,
        rng_seed: int | str,
    ) -> Choice:
        """Thompson sampling: draw each allowed arm's rate from its posterior, take the best.

        Raises ``ValueError`` when nothing is allowed: the caller should have
        suppressed or deferred before asking which channel to use.
        """
        mask, alpha, beta = self._posterior(state, prior, allowed)
        idx = np.flatnonzero(mask)
        draws = seeded.generator(rng_seed).beta(alpha[idx], beta[idx])
        pick = int(np.argmax(draws))
        best = int(idx[pick])
        arm = self.arms[best]
        n = int(state.successes[best]) + int(state.failures[best])
        return Choice(
            channel=arm.channel,
            slot=arm.slot,
            scores={
                "bandit_sample": float(draws[pick]),
                "bandit_mean": float(alpha[best] / (alpha[best] + beta[best])),
                "bandit_arm_contacts": float(n),
            },
        )

    def probabilities(
        self,
        state: DebtorArms,
        prior: SegmentPrior | None,
        allowed: Allowed | None,
        rng_seed: int | str,
        draws: int = 256,
    ) -> dict[Arm, float]:
        """How often Thompson sampling picks each allowed arm, over ``draws`` seeded draws.

        A decision that samples its arm from exactly this distribution logs an
        exact propensity, which off-policy evaluation needs; one Thompson draw
        would log a probability nobody can compute afterwards. Only allowed
        arms are drawn (the Beta draws are most of a decision's learner CPU),
        and a single allowed arm needs no draw: its probability is 1.
        """
        mask, alpha, beta = self._posterior(state, prior, allowed)
        idx = np.flatnonzero(mask)
        if idx.size == 1:
            return {self.arms[int(idx[0])]: 1.0}
        rng = seeded.generator(rng_seed)
        sampled = rng.beta(alpha[idx], beta[idx], size=(draws, idx.size))
        counts = np.bincount(np.argmax(sampled, axis=1), minlength=idx.size)
        return {self.arms[int(idx[j])]: float(counts[j]) / draws for j in np.flatnonzero(counts)}

    def _posterior(
        self, state: DebtorArms, prior: SegmentPrior | None, allowed: Allowed | None
    ) -> tuple[npt.NDArray[np.bool_], FloatArray, FloatArray]:
        """The allowed arms and each arm's Beta posterior (prior plus the debtor's counts)."""
        mask = self.allowed_mask(allowed)
        if not mask.any():
            raise ValueError("no arm is allowed")
        prior = prior or SegmentPrior.base(len(self.arms))
        return mask, prior.alpha + state.successes, prior.beta + state.failures

    def posterior_mean(self, state: DebtorArms, prior: SegmentPrior | None = None) -> FloatArray:
        prior = prior or SegmentPrior.base(len(self.arms))
        alpha = prior.alpha + state.successes
        return np.asarray(alpha / (alpha + prior.beta + state.failures), np.float64)

    def update(self, state: DebtorArms, channel: Channel, slot: int, reward: bool) -> DebtorArms:
        """A new state with one more outcome on (channel, slot); the input is not modified."""
        i = arm_index(channel, slot)
        s = state.successes.copy()
        f = state.failures.copy()
        if reward:
            s[i] += 1
        else:
            f[i] += 1
        if int(s[i]) + int(f[i]) > self.max_count:
            s[i] = (int(s[i]) + 1) // 2
            f[i] = (int(f[i]) + 1) // 2
        return DebtorArms(s, f)
