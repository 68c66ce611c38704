"""Values cut into 64-byte pieces, so a small Redis hash stays a listpack.

A hash keeps its compact listpack encoding only while every field and value
is within ``hash-max-listpack-value`` (64 bytes by default); one longer value
turns the whole hash into a hash table at about twice the bytes. The
debtor's hash (``foundation.keys.DEBTOR_HASH``) holds values of every stage,
some of which can run long (a payment URL, an e-mail address, a large
balance among a contact's features), so they are stored as ``name``,
``name~1``, ... A value needing more than ``MAX_PIECES`` pieces keeps its
remainder in the last one. ``JOIN_LUA`` reads them back inside a script.
"""

from __future__ import annotations

from collections.abc import Sequence

#: Bytes per stored piece: the default ``hash-max-listpack-value``.
PIECE = 64
#: Pieces a value may take (8 x 64 bytes); the last keeps any remainder.
MAX_PIECES = 8

#: ``joined(values, name)``: the value stored under ``name`` from a table of
#: the hash's fields (as HGETALL gives them, made a field -> value table),
#: and the fields it occupies, for HDEL.
JOIN_LUA = """
local function joined(values, name)
  local out, used = values[name], {name}
  for i = 1, @MAX@ - 1 do
    local piece = values[name .. '~' .. i]
    if not piece then break end
    out = out .. piece
    used[#used + 1] = name .. '~' .. i
  end
  return out, used
end
""".replace("@MAX@", str(MAX_PIECES))


def piece_fields(name: str) -> list[str]:
    """Every field a value stored under ``name`` may occupy, in order."""
    return [name] + [f"{name}~{i}" for i in range(1, MAX_PIECES)]


def pieces(name: str, value: str) -> list[str | bytes]:
    """``value`` as flat field/value pairs, each value at most ``PIECE`` bytes.

    Cut on bytes and sent as bytes, so a piece may end inside a UTF-8
    character; ``joined`` puts the bytes together before decoding.
    """
    data = value.encode()
    chunks = [data[i : i + PIECE] for i in range(0, len(data), PIECE)] or [b""]
    if len(chunks) > MAX_PIECES:
        chunks = [*chunks[: MAX_PIECES - 1], b"".join(chunks[MAX_PIECES - 1 :])]
    out: list[str | bytes] = []
    for field, chunk in zip(piece_fields(name), chunks, strict=False):
        out += [field, chunk]
    return out


def joined(values: Sequence[bytes | str | None]) -> str | None:
    """The value read back from ``piece_fields`` (HMGET order), or None if absent."""
    if not values or values[0] is None:
        return None
    data = b""
    for value in values:
        if value is None:
            break
        # Bytes from redis-py (no decode_responses): pieces cut inside a
        # character only decode once joined.
        data += value if isinstance(value, bytes) else value.encode()
    return data.decode()
