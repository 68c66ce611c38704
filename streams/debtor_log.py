"""The debtor's log: one Redis string of lines that the people's views read back.

Two kinds of line share it, told apart by their first byte:

- the conversation (``streams.journal``): a letter and a position
  (``m11:4000``: a message on the contacts topic) or a JSON object (``{``), a
  copy where no broker acknowledged the record;
- the recent decisions (``streams.timeline``): a position alone (``11:4001``,
  a digit first), a compact entry where no broker acknowledged it (a JSON
  list, ``[``) or a policy-version header (``@``).

One key rather than two: a key costs ~150 bytes of Redis before its content
(its name, object and both dictionaries' entries) and a debtor's lines are
usually a few dozen bytes. Lines are appended oldest first; the string keeps
its newest ``KEEP_BYTES``, cut at a line's start, for ``TTL_S`` after the last
write. Nothing decides on it: the topics are the audit log.
"""

from __future__ import annotations

from recaudo.foundation.keys import Keys

DebtorRef = tuple[str, str]

#: Bytes of lines kept per debtor: ~300 conversation pointers (months of a busy
#: cadence; a message is ~4 lines) and the last 50 decisions' (~14 bytes each).
KEEP_BYTES = 5120
#: A debtor silent this long is forgotten here (the audit log is the topics).
TTL_S = 400 * 86400

#: First bytes of a recent-decision line (``streams.timeline``): a position, a
#: compact entry, a policy-version header. Conversation lines start otherwise.
DECISION_STARTS = frozenset(b"0123456789[@")

# A Lua function: append ``lines`` (each ending "\n") to ``key``, keep its newest
# ``keep`` bytes cut at a line's start, and let it live ``ttl`` seconds more.
# Written whole with SET, not APPEND: APPEND leaves the string room to grow (up
# to its length again), ~30 bytes of a typical debtor's ~40.
APPEND_KEPT_LUA = r"""
local function append_kept(key, lines, keep, ttl)
  local all = (redis.call('GET', key) or '') .. lines
  if #all > keep then
    local cut = string.find(all, '\n', #all - keep, true) or #all
    all = string.sub(all, cut + 1)
  end
  redis.call('SET', key, all, 'EX', ttl)
end
"""


def log_key(keys: Keys, ref: DebtorRef) -> str:
    return keys.debtor(ref[0], ref[1], "journal")


def decision_lines(text: bytes) -> list[bytes]:
    """The recent-decision lines of a stored log, newest first."""
    return [line for line in reversed(text.split(b"\n")) if line[:1] and line[0] in DECISION_STARTS]
