-- Check every frequency cap for one debtor and reserve a contact, atomically.
-- KEYS: one sorted set per channel (member contact_id, score epoch ms).
-- ARGV: contact_id, channel key index (1-based), at_ms, now_ms, retention_ms,
--       ncaps, then per cap: id, limit, window_ms, mask ('1' per KEYS entry it counts).
-- Returns {'ok'} | {'dup'} | {'cap', retry_ms, cap_id...}.
local contact, ch = ARGV[1], tonumber(ARGV[2])
local at, now, keep = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local ncaps = tonumber(ARGV[6])

for i = 1, #KEYS do
  redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', '(' .. (now - keep))
end
for i = 1, #KEYS do
  if redis.call('ZSCORE', KEYS[i], contact) then return {'dup'} end
end

local caps = {}
for c = 0, ncaps - 1 do
  local base = 7 + c * 4
  local mask = ARGV[base + 3]
  local times = {}
  for i = 1, #KEYS do
    if string.sub(mask, i, i) == '1' then
      local scores = redis.call('ZRANGE', KEYS[i], 0, -1, 'WITHSCORES')
      for j = 2, #scores, 2 do times[#times + 1] = tonumber(scores[j]) end
    end
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
  redis.call('ZADD', KEYS[ch], at, contact)
  for i = 1, #KEYS do
    local last = redis.call('ZRANGE', KEYS[i], -1, -1, 'WITHSCORES')
    if #last > 0 then
      redis.call('PEXPIRE', KEYS[i], math.max(tonumber(last[2]) - now, 0) + keep)
    end
  end
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
