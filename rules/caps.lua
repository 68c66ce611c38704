-- Check every frequency cap for one debtor and reserve a contact, atomically.
-- KEYS[1]: the debtor's hash; a reserved contact is its field 'c~<contact id>'
--   = '<channel index>:<epoch ms>'. KEYS[2..]: the older layout's sorted sets,
--   one per channel (member contact id, score epoch ms): still counted, trimmed,
--   never written, until their own TTL drops them.
-- ARGV: contact_id, channel index (1-based), at_ms, now_ms, retention_ms,
--       ncaps, then per cap: id, limit, window_ms, mask ('1' per channel it counts).
-- Returns {'ok'} | {'dup'} | {'cap', retry_ms, cap_id...}.
local h = KEYS[1]
local contact, ch = ARGV[1], tonumber(ARGV[2])
local at, now, keep = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local ncaps = tonumber(ARGV[6])
local oldest = now - keep

-- Every reserved contact still within the retention: contact id -> {channel, ms}.
local held, newest, stale = {}, at, {}
local flat = redis.call('HGETALL', h)
for i = 1, #flat, 2 do
  local f = flat[i]
  if string.sub(f, 1, 2) == 'c~' then
    local c, ms = string.match(flat[i + 1], '^(%d+):(%d+)$')
    ms = tonumber(ms)
    if ms == nil or ms < oldest then
      stale[#stale + 1] = f
    else
      held[string.sub(f, 3)] = {tonumber(c), ms}
      if ms > newest then newest = ms end
    end
  end
end
if #stale > 0 then redis.call('HDEL', h, unpack(stale)) end
if #KEYS > 1 and redis.call('EXISTS', unpack(KEYS, 2)) > 0 then
  for i = 2, #KEYS do
    redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', '(' .. oldest)
    local old = redis.call('ZRANGE', KEYS[i], 0, -1, 'WITHSCORES')
    for j = 1, #old, 2 do
      if not held[old[j]] then held[old[j]] = {i - 1, tonumber(old[j + 1])} end
    end
  end
end
if held[contact] then return {'dup'} end

local caps = {}
for c = 0, ncaps - 1 do
  local base = 7 + c * 4
  local mask = ARGV[base + 3]
  local times = {}
  for _, entry in pairs(held) do
    if string.sub(mask, entry[1], entry[1]) == '1' then times[#times + 1] = entry[2] end
  end
  table.sort(times)
  caps[#caps + 1] = {id = ARGV[base], limit = tonumber(ARGV[base + 1]),
                     window = tonumber(ARGV[base + 2]), times = times}
end

-- Would a contact at t keep cap c: no limit+1 contacts within a span < window?
local function fits(c, t)
  local merged, k = {}, nil
  for _, v in ipairs(c.times) do
    if k == nil and t <= v then merged[#merged + 1] = t; k = #merged end
    merged[#merged + 1] = v
  end
  if k == nil then merged[#merged + 1] = t; k = #merged end
  for i = math.max(1, k - c.limit), k do
    local j = i + c.limit
    if j <= #merged and merged[j] - merged[i] < c.window then return false end
  end
  return true
end

local failed = {}
for _, c in ipairs(caps) do
  if not fits(c, at) then failed[#failed + 1] = c.id end
end

if #failed == 0 then
  redis.call('HSET', h, 'c~' .. contact, ch .. ':' .. string.format('%d', at))
  -- The hash's TTL is only ever extended: other fields may need it longer.
  local need = math.max(newest - now, 0) + keep
  if redis.call('PTTL', h) < need then redis.call('PEXPIRE', h, need) end
  return {'ok'}
end

local candidates = {}
for _, c in ipairs(caps) do
  for _, v in ipairs(c.times) do
    if v + c.window > at then candidates[#candidates + 1] = v + c.window end
  end
end
table.sort(candidates)
for _, t in ipairs(candidates) do
  local free = true
  for _, c in ipairs(caps) do
    if not fits(c, t) then free = false; break end
  end
  if free then
    local out = {'cap', string.format('%d', t)}
    for _, id in ipairs(failed) do out[#out + 1] = id end
    return out
  end
end
return redis.error_reply('caps.lua: no free instant found')
