--[[
  A minimal fair-launch process (FLP) consumer, for tests and the demo: it receives the
  minter's Report.Mint messages in AO's format and accumulates the AO each delegating user sent it.
  aos Lua, 5.3-compatible (tested in wasmoon and Debian's lua5.3: test/ao/flp.test.ts).

  Report.Mint (from the configured Minter only; tag Report-Id, the engine's deterministic id):
  Data = JSON array of rows {"Mint","Yield","User","Recipient","Amount","ReportTo","Token"}, Mint and
  Yield equal canonical decimal strings of AO base units. The rows whose ReportTo names this
  process are kept (a report for another project changes nothing here); a Report-Id seen before is
  answered Report-Duplicate with what it applied and changes nothing. The report is checked in
  full before anything changes. Answers: Report-Notice (Report-Id, Count, Total), Report-Duplicate,
  Report-Error (Error). Get-Yield (tag User) answers Yield = the user's total; without User,
  Data = JSON {user: "total"}.

  Configuration (first load, globals or spawn tags): Minter / `Minter`. The exact decimal addition
  is a copy of token.lua's (each process is its own module on AO: it cannot require the other).
]]

local json = require('json')

local QUOTE_MAX = 48
local ERROR_MAX = 512
local TAG_MAX = 3072
local DIGITS_MAX = 78
-- Canonical decimals below 19 digits add as Lua integers (< 2·10^18 < 2^63); longer ones in base-10^9 limbs.
local NATIVE_DIGITS = 18
local LIMB_DIGITS = 9
local LIMB_BASE = 1000000000

local function isCanonical(s)
  return type(s) == 'string' and #s <= DIGITS_MAX and (s == '0' or s:find('^[1-9]%d*$') ~= nil)
end

local function toLimbs(s)
  local limbs, i = {}, #s
  while i > 0 do
    local j = i - LIMB_DIGITS + 1
    if j < 1 then j = 1 end
    limbs[#limbs + 1] = math.tointeger(tonumber(s:sub(j, i)))
    i = j - 1
  end
  return limbs
end

local function add(a, b)
  if #a <= NATIVE_DIGITS and #b <= NATIVE_DIGITS then
    return string.format('%d', math.tointeger(tonumber(a)) + math.tointeger(tonumber(b)))
  end
  local x, y, out, carry = toLimbs(a), toLimbs(b), {}, 0
  local n = math.max(#x, #y)
  for k = 1, n do
    local s = (x[k] or 0) + (y[k] or 0) + carry
    if s >= LIMB_BASE then carry = 1; s = s - LIMB_BASE else carry = 0 end
    out[k] = s
  end
  if carry > 0 then out[n + 1] = carry end
  while #out > 1 and out[#out] == 0 do out[#out] = nil end
  local parts = { string.format('%d', out[#out]) }
  for k = #out - 1, 1, -1 do parts[#parts + 1] = string.format('%09d', out[k]) end
  return table.concat(parts)
end

local function quote(v)
  if v == nil then return 'missing' end
  if type(v) ~= 'string' then return 'a ' .. type(v) end
  local shown = v:sub(1, QUOTE_MAX):gsub('[^\32-\126]', '?')
  if #v > QUOTE_MAX then return '"' .. shown .. '…" (' .. #v .. ' bytes)' end
  return '"' .. shown .. '"'
end

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

if not FlpConfigured then
  Minter = Minter or spawnTag('Minter')
  assert(type(Minter) == 'string' and Minter ~= '', 'flp.lua: Minter is not configured')
  -- user → AO base units received (canonical decimal)
  Yields = Yields or {}
  -- Report-Id → { count, total }
  Reports = Reports or {}
  TotalYield = TotalYield or '0'
  FlpConfigured = true
end

local function reply(msg, out)
  if type(msg.Id) == 'string' and msg.Id ~= '' and #msg.Id <= TAG_MAX then out['Message-Id'] = msg.Id end
  local ref = msg['X-Reference'] or msg.Reference
  if msg.reply and (type(ref) ~= 'string' or #ref <= TAG_MAX) then return msg.reply(out) end
  out.Target = msg.From
  return ao.send(out)
end

local function refusal(msg, reason, extra)
  local out = extra or {}
  out.Action = 'Report-Error'
  out.Error = reason:sub(1, ERROR_MAX)
  return reply(msg, out)
end

-- The rows of a report that name this process, checked in full; or nil and why not.
local function keptRows(data)
  local rows = data
  if type(rows) == 'string' then
    local ok, decoded = pcall(json.decode, rows)
    if not ok then return nil, 'Data is not JSON: an array of {Mint, Yield, User, Recipient, Amount, ReportTo, Token}' end
    rows = decoded
  end
  if type(rows) ~= 'table' then return nil, 'Data is not an array of report rows' end
  local kept = {}
  for i, r in ipairs(rows) do
    if type(r) ~= 'table' then return nil, 'row ' .. i .. ' is not an object' end
    if not isCanonical(r.Mint) then return nil, 'row ' .. i .. ': Mint ' .. quote(r.Mint) .. ' is not a canonical decimal' end
    if r.Yield ~= nil and r.Yield ~= r.Mint then return nil, 'row ' .. i .. ': Yield ' .. quote(r.Yield) .. ' differs from Mint ' .. quote(r.Mint) end
    if type(r.User) ~= 'string' or r.User == '' then return nil, 'row ' .. i .. ': User ' .. quote(r.User) .. ' is not an address' end
    if r.ReportTo == ao.id then kept[#kept + 1] = r end
  end
  return kept
end

Handlers.add('Report.Mint', 'Report.Mint', function(msg)
  local id = msg.Tags['Report-Id']
  local shownId = type(id) == 'string' and #id <= TAG_MAX and id or nil
  if msg.From ~= Minter then return refusal(msg, 'sender ' .. quote(msg.From) .. ' is not the minter; Report.Mint is accepted only from it', { ['Report-Id'] = shownId }) end
  if type(id) ~= 'string' or id == '' or #id > 128 then return refusal(msg, 'Report-Id ' .. quote(id) .. ' is missing or longer than 128 bytes') end
  local seen = Reports[id]
  if seen then return reply(msg, { Action = 'Report-Duplicate', ['Report-Id'] = id, Count = string.format('%d', seen.count), Total = seen.total }) end
  local rows, why = keptRows(msg.Data)
  if rows == nil then return refusal(msg, why, { ['Report-Id'] = id }) end
  local total = '0'
  for _, r in ipairs(rows) do
    Yields[r.User] = add(Yields[r.User] or '0', r.Mint)
    total = add(total, r.Mint)
  end
  TotalYield = add(TotalYield, total)
  Reports[id] = { count = #rows, total = total }
  reply(msg, { Action = 'Report-Notice', ['Report-Id'] = id, Count = string.format('%d', #rows), Total = total })
end)

Handlers.add('Get-Yield', 'Get-Yield', function(msg)
  local user = msg.Tags.User
  if user ~= nil then return reply(msg, { Action = 'Yield', User = user, Yield = Yields[user] or '0', Data = Yields[user] or '0' }) end
  -- aos's json encodes an empty table as []: an empty map is written out.
  local data = next(Yields) == nil and '{}' or json.encode(Yields)
  reply(msg, { Action = 'Yield', ['Total-Yield'] = TotalYield, Data = data })
end)
