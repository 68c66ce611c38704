"""Seeded random draws that replay: the same seed gives the same numbers in any process.

A decision's random choices (exploration, the Thompson draws, the channel and
the slot) are seeded by its contact id, so a crash replay decides the same and
the dispatcher never sends a contact twice. They used to build a generator per
decision for a handful of numbers: ``random.Random(str)`` hashes the string with
SHA-512 and fills a 624-word Mersenne Twister (~13 µs), ``np.random.default_rng``
runs a ``SeedSequence`` (~25 µs), three or four times per decision.

Here a uniform is counter-based: the BLAKE2b digest of (seed, purpose, index)
read as 53 bits (~1 µs), each purpose its own stream. Vector draws come from one
numpy generator per thread whose PCG64 state and stream are set from the
seed's digest (~5 µs): any 128-bit state is a valid PCG64 state and an odd
increment a valid stream, so the draws have numpy's own distributions.
"""

from __future__ import annotations

import hashlib
import threading

import numpy as np

_TO_UNIT = 2.0**-53
_local = threading.local()


def _key(seed: int | str) -> bytes:
    if isinstance(seed, int):
        return (seed & 0xFFFF_FFFF_FFFF_FFFF).to_bytes(8, "little")
    return seed.encode()


def uniform(seed: int | str, purpose: str, index: int = 0) -> float:
    """A uniform in [0, 1), a pure function of its arguments."""
    data = f"{purpose}|{index}|".encode() + _key(seed)
    digest = hashlib.blake2b(data, digest_size=8, person=b"recaudo-u").digest()
    return (int.from_bytes(digest, "little") >> 11) * _TO_UNIT


def below(seed: int | str, purpose: str, n: int, index: int = 0) -> int:
    """A uniform integer in ``range(n)``."""
    if n < 1:
        raise ValueError("n must be positive")
    return min(int(uniform(seed, purpose, index) * n), n - 1)


def generator(seed: int | str) -> np.random.Generator:
    """This thread's numpy generator, reset to the state ``seed`` names.

    Shared: draw what you need before asking for another seed's generator.
    """
    gen: np.random.Generator | None = getattr(_local, "generator", None)
    if gen is None:
        gen = np.random.Generator(np.random.PCG64(0))
        _local.generator = gen
    digest = hashlib.blake2b(_key(seed), digest_size=32, person=b"recaudo-g").digest()
    gen.bit_generator.state = {
        "bit_generator": "PCG64",
        "state": {
            "state": int.from_bytes(digest[:16], "little"),
            "inc": int.from_bytes(digest[16:], "little") | 1,
        },
        "has_uint32": 0,
        "uinteger": 0,
    }
    return gen
