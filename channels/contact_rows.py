"""What the dispatcher keeps about a sent contact, inside the debtor's ``contacts`` hash.

The debtor's hash (``foundation.keys.DEBTOR_HASH``, ``{debtor}``
hash-tagged) already holds each contact's ledger status and delivery rank
under the contact id. Beside it the dispatcher writes ``r~<contact id>``, the
contact ref row (``channel|account|language|provider|address``: what a
webhook needs; ``channels.directory``), and ``p~<contact id>``, the
payment-link record (``<expiry>|<payment reference>|<account reference>``,
the references quoted, which a click fills the tenant's payment page with:
``channels.content.paylink.PayDestination``). Records of earlier releases,
a JSON ref row and ``<expiry>|<page URL>``, are read as they were. ``~`` is
not allowed in an identifier, so these fields never collide with a contact
id. One hash field costs a few bytes of listpack; the separate tenant-level
``contact:``/``pay:`` keys they replace cost ~60-90 bytes of key overhead
each, plus their names.

Values are cut into pieces (``foundation.hash_pieces``: ``r~c``, ``r~c~1``,
...): a payment URL with its query or a long e-mail address would otherwise
turn the whole hash into a hash table at about twice the bytes.

Redis 7.0 has no per-field expiry, so ``REMEMBER`` (run at each dispatch)
drops payment records past their expiry, trims the hash to its ``keep`` most
recent contact ids (listpack order is insertion order) and makes the key
live at least as long as the longest-lived link it holds.

Expiry: a ``p~`` record carries its link's expiry (event time): ``REMEMBER``
drops it by that stamp, and a click past it is refused by the same expiry
signed into the token. The key's TTL (at least until then) is housekeeping.
"""

from __future__ import annotations

#: Contact ids a debtor's hash keeps at most. Contact commands live hours to
#: days and frequency caps allow a handful of sends a week, so the most recent
#: 50 cover every command still live; older ones are what the key's TTL would
#: have dropped had the debtor been quiet.
KEEP_CONTACTS = 50

REF = "r~"
PAY = "p~"


# KEYS[1]: the debtor's contacts hash. ARGV: the contact id, the TTL the key
# needs at least (s), contact ids to keep, now (epoch s, the decision clock),
# the piece count per value, then the field/value pairs to write.
REMEMBER = """
local k, cid = KEYS[1], ARGV[1]
local maxp = tonumber(ARGV[5])
local function fields(name)
  local f = {name}
  for i = 1, maxp - 1 do f[#f + 1] = name .. '~' .. i end
  return f
end
redis.call('HDEL', k, unpack(fields('r~' .. cid)))
redis.call('HDEL', k, unpack(fields('p~' .. cid)))
redis.call('HSET', k, unpack(ARGV, 6))
local now, keep = tonumber(ARGV[4]), tonumber(ARGV[3])
local ids, live = {}, {}
for _, f in ipairs(redis.call('HKEYS', k)) do
  if not string.find(f, '~', 1, true) then
    ids[#ids + 1] = f
  elseif string.sub(f, 1, 2) == 'p~' and not string.find(f, '~', 3, true) then
    local exp = tonumber(string.match(redis.call('HGET', k, f) or '', '^(%d+)|'))
    if exp and exp <= now then
      redis.call('HDEL', k, unpack(fields(f)))
    else
      live[string.sub(f, 3)] = true
    end
  end
end
local extra = #ids - keep
for i = 1, #ids do
  if extra <= 0 then break end
  local id = ids[i]
  local status = string.match(redis.call('HGET', k, id) or '', '^[a-z]*')
  if id ~= cid and not live[id] and status ~= 'sending' then
    redis.call('HDEL', k, id)
    redis.call('HDEL', k, unpack(fields('r~' .. id)))
    extra = extra - 1
  end
end
local need = tonumber(ARGV[2])
if redis.call('TTL', k) < need then redis.call('EXPIRE', k, need) end
return 1
"""
