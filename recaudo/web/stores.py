"""A store that does not answer is a 503 with ``Retry-After``, not a 500.

Redis or the broker being away is not the request's fault nor a bug: the
client is told to retry, in the one error shape (``problems``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from aiohttp import web
from aiokafka.errors import KafkaError
from redis.exceptions import RedisError

from recaudo.web.problems import problem

DOWN = (RedisError, KafkaError, OSError, TimeoutError)


@contextmanager
def stores_answer(what: str) -> Iterator[None]:
    """Run the block; a store's failure inside it becomes a 503 naming ``what``."""
    try:
        yield
    except DOWN as exc:
        raise problem(
            web.HTTPServiceUnavailable,
            "unavailable",
            f"{what} unavailable, retry later",
            headers={"Retry-After": "5"},
        ) from exc
