--[[
  The delegation process: where each AO holder's yield goes — to itself, to PI, or to
  fair-launch processes (FLPs). aos Lua, 5.3-compatible; tested in wasmoon (5.4) and Debian's
  lua5.3 (test/ao/delegation.test.ts) under the aos slice devnet/ao-node/aos.lua.

  AO's own formats (ao/README.md, DESIGN.md §9):
  - Set-Delegation, Data {"walletFrom": "<addr>", "walletTo": "<process or addr>", "factor": 0..10000}:
    one message per target, factor in basis points (10000 = 100 %), 0 removes the target.
  - Get-Delegations (tag Wallet, else the sender) answers Data
    {"wallet","totalFactor":"10000","delegationPrefs":[{"walletTo","factor"}],"lastUpdate"}: the
    targets in walletTo order, the wallet's own entry carrying whatever is not delegated, so the
    factors always add up to totalFactor.
  - Get-Delegations-Since (tags Since = a change sequence number, Limit ≤ 1000), added for the
    engine's incremental read: the wallets whose preferences changed after Since, in change order,
    at most Limit; Data {"since","until","more","changes":[{"wallet","seq","lastUpdate","delegationPrefs"}]}.
    `until` is the engine's next cursor (the last change included, or the latest when none is).

  Rules, checked in this order before anything changes (a refusal changes nothing):
  a wallet sets only its own preferences (msg.From = walletFrom; for a bridge depositor, the
  Arweave address it named); a project (PI or a registered FLP) cannot delegate, so no delegation
  cycle can exist; walletTo is PI, a registered FLP or the wallet itself; factor is an integer in
  0..10000; a non-zero factor is at least 500 (5 %, the official UI's minimum); the wallet's factors
  add up to at most 10000; at most MaxTargets targets. Refusals are Delegation-Error with a stable
  Error-Code and an Error that quotes the bad input bounded (48 printable characters and its length).

  Configuration (first load, globals or spawn tags): PI / `PI` (the PI process), FLPs / `FLPs`
  (comma-separated process ids), MaxTargets / `Max-Targets` (default 10). The process's Owner adds
  FLPs later with Register-FLP (tag Process).
]]

local json = require('json')

local QUOTE_MAX = 48
local ERROR_MAX = 512
local TAG_MAX = 3072
local FACTOR_TOTAL = 10000
local FACTOR_MIN = 500
local SINCE_LIMIT_MAX = 1000

local function spawnTag(name)
  local env = ao.env and ao.env.Process
  local tags = env and env.Tags
  if type(tags) ~= 'table' then return nil end
  if tags[name] ~= nil then return tags[name] end
  for _, t in ipairs(tags) do
    if t.name == name then return t.value end
  end
  return nil
end

local function quote(v)
  if v == nil then return 'missing' end
  if type(v) ~= 'string' then return 'a ' .. type(v) end
  local shown = v:sub(1, QUOTE_MAX):gsub('[^\32-\126]', '?')
  if #v > QUOTE_MAX then return '"' .. shown .. '…" (' .. #v .. ' bytes)' end
  return '"' .. shown .. '"'
end

-- Arweave addresses and process ids (43 base64url characters) and 0x addresses (AO accepts both signers).
local function isAddress(s)
  return type(s) == 'string' and ((#s == 43 and s:find('^[A-Za-z0-9_-]+$') ~= nil) or (#s == 42 and s:find('^0x%x+$') ~= nil))
end

if not DelegationConfigured then
  PI = PI or spawnTag('PI')
  assert(isAddress(PI), 'delegation.lua: PI (the PI process id) is not configured')
  FLPs = FLPs or {}
  local listed = spawnTag('FLPs')
  if type(listed) == 'string' then
    for id in listed:gmatch('[^,%s]+') do
      assert(isAddress(id), 'delegation.lua: FLPs lists ' .. quote(id) .. ', not a process id')
      FLPs[id] = true
    end
  end
  MaxTargets = MaxTargets or math.tointeger(tonumber(spawnTag('Max-Targets') or '10'))
  assert(math.type(MaxTargets) == 'integer' and MaxTargets >= 1 and MaxTargets <= 100, 'delegation.lua: Max-Targets must be an integer in 1..100')
  -- wallet → { prefs = { walletTo → factor }, seq = n, lastUpdate = ms }
  Delegations = Delegations or {}
  -- The change sequence: +1 for every accepted Set-Delegation (the engine's cursor).
  ChangeSeq = ChangeSeq or 0
  DelegationConfigured = true
end

local function isProject(id)
  return id == PI or FLPs[id] == true
end

local function reply(msg, out)
  if type(msg.Id) == 'string' and msg.Id ~= '' and #msg.Id <= TAG_MAX then out['Message-Id'] = msg.Id end
  local ref = msg['X-Reference'] or msg.Reference
  if msg.reply and (type(ref) ~= 'string' or #ref <= TAG_MAX) then return msg.reply(out) end
  out.Target = msg.From
  return ao.send(out)
end

local function refusal(msg, code, reason)
  return reply(msg, { Action = 'Delegation-Error', ['Error-Code'] = code, Error = reason:sub(1, ERROR_MAX) })
end

-- The wallet's preferences in AO's order: targets by walletTo, the wallet's own entry holding what
-- is not delegated to others (so Σ factor = 10000). Encoded by hand: a fixed key order, the same
-- bytes on every runtime (aos's json follows Lua's table order).
local function prefsJson(wallet)
  local d = Delegations[wallet]
  local targets, others = {}, 0
  if d then
    for to, f in pairs(d.prefs) do
      if to ~= wallet then
        targets[#targets + 1] = to
        others = others + f
      end
    end
  end
  local own = FACTOR_TOTAL - others
  if own > 0 then targets[#targets + 1] = wallet end
  table.sort(targets)
  local parts = {}
  for i, to in ipairs(targets) do
    local f = to == wallet and own or d.prefs[to]
    parts[i] = '{"walletTo":' .. json.encode(to) .. ',"factor":' .. string.format('%d', f) .. '}'
  end
  return '[' .. table.concat(parts, ',') .. ']', d
end

local function delegationsJson(wallet)
  local prefs, d = prefsJson(wallet)
  local last = d and string.format('%d', d.lastUpdate) or 'null'
  return '{"wallet":' .. json.encode(wallet) .. ',"totalFactor":"' .. FACTOR_TOTAL .. '","delegationPrefs":' .. prefs .. ',"lastUpdate":' .. last .. '}'
end

-- The checks of one Set-Delegation; nil, or an error code and message.
local function check(msg, req)
  if type(req) ~= 'table' then return 'Invalid-Data', 'Data is not JSON {"walletFrom", "walletTo", "factor"}' end
  local from, to, factor = req.walletFrom, req.walletTo, req.factor
  if not isAddress(from) then return 'Invalid-Wallet', 'walletFrom ' .. quote(from) .. ' is not an address' end
  if msg.From ~= from then return 'Unauthorized', 'sender ' .. quote(msg.From) .. ' may set only its own delegations, not those of ' .. quote(from) end
  if isProject(from) then return 'Project-Cannot-Delegate', 'walletFrom ' .. quote(from) .. ' is a project (PI or an FLP); projects do not delegate' end
  if not isAddress(to) then return 'Invalid-Target', 'walletTo ' .. quote(to) .. ' is not an address' end
  if to ~= from and not isProject(to) then return 'Unknown-Target', 'walletTo ' .. quote(to) .. ' is not PI, a registered FLP or the wallet itself' end
  if math.type(factor) ~= 'integer' then return 'Invalid-Factor', 'factor ' .. quote(type(factor) == 'number' and tostring(factor) or factor) .. ' is not an integer in 0..10000' end
  if factor < 0 or factor > FACTOR_TOTAL then return 'Invalid-Factor', 'factor ' .. factor .. ' is not in 0..10000 (basis points)' end
  if factor ~= 0 and factor < FACTOR_MIN then return 'Factor-Too-Small', 'factor ' .. factor .. ' is below ' .. FACTOR_MIN .. ' (5 %); use 0 to remove a target' end
  local d = Delegations[from]
  local total, count = factor, factor > 0 and 1 or 0
  if d then
    for t, f in pairs(d.prefs) do
      if t ~= to then
        total = total + f
        count = count + 1
      end
    end
  end
  if total > FACTOR_TOTAL then return 'Total-Exceeded', 'factors of ' .. quote(from) .. ' would add up to ' .. total .. ', above 10000 (100 %)' end
  if count > MaxTargets then return 'Too-Many-Targets', quote(from) .. ' would have ' .. count .. ' targets; at most ' .. MaxTargets end
  return nil
end

Handlers.add('Set-Delegation', 'Set-Delegation', function(msg)
  local req = msg.Data
  if type(req) == 'string' then
    local ok, decoded = pcall(json.decode, req)
    req = ok and decoded or nil
  end
  local code, reason = check(msg, req)
  if code then return refusal(msg, code, reason) end
  local from = req.walletFrom
  local d = Delegations[from] or { prefs = {} }
  d.prefs[req.walletTo] = req.factor > 0 and req.factor or nil
  ChangeSeq = ChangeSeq + 1
  d.seq = ChangeSeq
  d.lastUpdate = math.tointeger(msg.Timestamp) or 0
  Delegations[from] = d
  reply(msg, { Action = 'Set-Delegation-Notice', Wallet = from, ['Wallet-To'] = req.walletTo, Factor = string.format('%d', req.factor), Seq = string.format('%d', ChangeSeq), Data = delegationsJson(from) })
end)

Handlers.add('Get-Delegations', 'Get-Delegations', function(msg)
  local wallet = msg.Tags.Wallet or msg.From
  if not isAddress(wallet) then return refusal(msg, 'Invalid-Wallet', 'Wallet ' .. quote(wallet) .. ' is not an address') end
  reply(msg, { Action = 'Delegations', Wallet = wallet, Data = delegationsJson(wallet) })
end)

Handlers.add('Get-Delegations-Since', 'Get-Delegations-Since', function(msg)
  local since = math.tointeger(tonumber(msg.Tags.Since or '0'))
  local limit = math.tointeger(tonumber(msg.Tags.Limit or tostring(SINCE_LIMIT_MAX)))
  if since == nil or since < 0 then return refusal(msg, 'Invalid-Since', 'Since ' .. quote(msg.Tags.Since) .. ' is not a change sequence number') end
  if limit == nil or limit < 1 or limit > SINCE_LIMIT_MAX then return refusal(msg, 'Invalid-Limit', 'Limit ' .. quote(msg.Tags.Limit) .. ' is not an integer in 1..' .. SINCE_LIMIT_MAX) end
  local changed = {}
  for wallet, d in pairs(Delegations) do
    if d.seq > since then changed[#changed + 1] = wallet end
  end
  table.sort(changed, function(a, b) return Delegations[a].seq < Delegations[b].seq end)
  local parts = {}
  local untilSeq = ChangeSeq
  for i, wallet in ipairs(changed) do
    if i > limit then
      untilSeq = Delegations[changed[limit]].seq
      break
    end
    local d = Delegations[wallet]
    parts[i] = '{"wallet":' .. json.encode(wallet) .. ',"seq":' .. d.seq .. ',"lastUpdate":' .. string.format('%d', d.lastUpdate) .. ',"delegationPrefs":' .. prefsJson(wallet) .. '}'
  end
  local more = #changed > limit
  reply(msg, {
    Action = 'Delegations-Since',
    Since = string.format('%d', since),
    ['Until'] = string.format('%d', untilSeq),
    Data = '{"since":' .. since .. ',"until":' .. untilSeq .. ',"more":' .. tostring(more) .. ',"changes":[' .. table.concat(parts, ',') .. ']}',
  })
end)

Handlers.add('Register-FLP', 'Register-FLP', function(msg)
  if msg.From ~= Owner then return refusal(msg, 'Unauthorized', 'sender ' .. quote(msg.From) .. ' is not the process owner; only the owner registers FLPs') end
  local id = msg.Tags.Process
  if not isAddress(id) then return refusal(msg, 'Invalid-Target', 'Process ' .. quote(id) .. ' is not a process id') end
  if Delegations[id] ~= nil then return refusal(msg, 'Project-Cannot-Delegate', 'Process ' .. quote(id) .. ' has delegations of its own; a project cannot delegate') end
  FLPs[id] = true
  reply(msg, { Action = 'Register-FLP-Notice', Process = id })
end)

Handlers.add('Get-FLPs', 'Get-FLPs', function(msg)
  local ids = {}
  for id in pairs(FLPs) do ids[#ids + 1] = id end
  table.sort(ids)
  reply(msg, { Action = 'FLPs', PI = PI, Data = json.encode(ids) })
end)
