"""Redis memory per debtor of the bandit state, at 1M debtors, vs a pickled River policy.

Writes N encoded ``DebtorArms`` (realistic counts) under a unique prefix into a
real Redis, reads ``INFO memory`` before and after (used_memory delta / N) and
``MEMORY USAGE`` of a sample of keys, then compares with pickling River's
``ThompsonSampling`` over the same 16 arms for a few debtors. Deletes its keys.

    python -m bench.model_state_memory --debtors 1000000
"""

from __future__ import annotations

import pickle
import statistics
import time
import uuid

import click
import numpy as np
import redis
from river import bandit, proba

from recaudo.foundation.keys import Keys
from recaudo.models.bandit import ChannelBandit, DebtorArms
from recaudo.models.slots import ALL_ARMS


def river_policy_bytes(samples: int, seed: int) -> list[int]:
    rng = np.random.default_rng(seed)
    arm_names: list[int | str] = [a.name for a in ALL_ARMS]
    sizes = []
    for k in range(samples):
        policy = bandit.ThompsonSampling(reward_obj=proba.Beta(), seed=k)
        for _ in range(int(rng.integers(3, 30))):
            arm = policy.pull(arm_names)
            policy.update(arm, bool(rng.random() < 0.2))
        sizes.append(len(pickle.dumps(policy)))
    return sizes


@click.command()
@click.option("--debtors", type=int, default=1_000_000, show_default=True)
@click.option("--url", default="redis://127.0.0.1:6379/0", show_default=True)
@click.option("--batch", type=int, default=10_000, show_default=True)
def main(debtors: int, url: str, batch: int) -> None:
    client = redis.Redis.from_url(url)
    model = ChannelBandit()
    keys = Keys(prefix=f"bench{uuid.uuid4().hex[:8]}")
    rng = np.random.default_rng(0)
    before = int(client.info("memory")["used_memory"])
    started = time.perf_counter()
    try:
        for lo in range(0, debtors, batch):
            hi = min(debtors, lo + batch)
            s = rng.integers(0, 5, (hi - lo, len(ALL_ARMS))).astype(np.uint16)
            f = rng.integers(0, 20, (hi - lo, len(ALL_ARMS))).astype(np.uint16)
            pipe = client.pipeline(transaction=False)
            for j in range(hi - lo):
                key = keys.debtor("acme", f"debtor-{lo + j:08d}", "arms")
                pipe.set(key, model.encode(DebtorArms(s[j], f[j])))
            pipe.execute()
        wrote_s = time.perf_counter() - started
        after = int(client.info("memory")["used_memory"])
        sample_keys = [
            keys.debtor("acme", f"debtor-{i:08d}", "arms") for i in rng.integers(0, debtors, 200)
        ]
        usage = [int(client.memory_usage(k) or 0) for k in sample_keys]
        river = river_policy_bytes(20, 1)
        per_debtor = (after - before) / debtors
        click.echo(f"debtors written:                {debtors:,} in {wrote_s:.0f} s")
        click.echo(f"encoded value:                  {model.encoded_size} bytes")
        click.echo(f"key name example:               {sample_keys[0]} ({len(sample_keys[0])} B)")
        click.echo(f"MEMORY USAGE per key (median):  {statistics.median(usage):.0f} bytes")
        click.echo(f"INFO used_memory delta / debtor: {per_debtor:.1f} bytes")
        click.echo(
            f"pickled River ThompsonSampling:  median {statistics.median(river):,.0f} bytes "
            f"(20 policies, 16 arms) = {statistics.median(river) / per_debtor:.0f}x"
        )
    finally:
        cursor_keys = client.scan_iter(match=f"{keys.prefix}:*", count=10_000)
        pipe = client.pipeline(transaction=False)
        for n, k in enumerate(cursor_keys, 1):
            pipe.unlink(k)
            if n % 10_000 == 0:
                pipe.execute()
        pipe.execute()
        client.close()


if __name__ == "__main__":
    main()
