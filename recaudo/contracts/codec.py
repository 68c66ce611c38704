"""The orjson codec Faust uses for every output topic."""

from __future__ import annotations

from typing import Any

import orjson
from faust.serializers import codecs
from pydantic import BaseModel

CODEC_NAME = "orjson"


class OrjsonCodec(codecs.Codec):
    """JSON via orjson; pydantic records are dumped in JSON mode (dates as RFC 3339)."""

    def _dumps(self, obj: Any) -> bytes:
        if isinstance(obj, BaseModel):
            return orjson.dumps(obj.model_dump(mode="json"))
        return orjson.dumps(obj)

    def _loads(self, s: bytes) -> Any:
        return orjson.loads(s)


def register_codec() -> None:
    """Idempotent: Faust's codec registry is process-global."""
    codecs.register(CODEC_NAME, OrjsonCodec())


def encode(record: BaseModel) -> bytes:
    return orjson.dumps(record.model_dump(mode="json"))
