--[[
  The AO token process. Written for aos: Handlers, ao.send, msg.reply, msg.Tags,
  require('json'). Lua 5.3-compatible: real aos runs 5.3; the test suite runs it in wasmoon's 5.4
  and in Debian's lua5.3 (test/ao/token.test.ts), under the aos slice devnet/ao-node/aos.lua.

  Speaks the AO token standard: Info, Balance, Balances, Total-Supply, Minted-Supply, Transfer
  (Debit-Notice / Credit-Notice, X- tags forwarded, Transfer-Error on failure). Adds Mint-Batch:
  only the configured Minter may mint; the batch is checked in full (count, total, max supply,
  every entry) before anything changes, and a Batch-Id already applied is answered as a duplicate
  and not applied again, so a minter can re-send after a crash without double-crediting. After every
  balance change it sends aos's patch@1.0 message (HyperBEAM serves the state from it).

  Transfers follow the configured gate (Transfer-Gate, shown in Info): 'mintCount:N' refuses them
  while the highest To-Tick of the applied Mint-Batches is below N (as deployed: N = 100000), or
  'supplyShare:P/Q' while TotalSupply·Q < P·MaxSupply (the announced 15 % rule). DESIGN.md §2.

  Configuration is read once, at first load, from globals set before loading (Minter, TokenName,
  Ticker, Logo, MaxSupply, TransferGate) or else from the spawn tags (Minter, Token-Name, Ticker,
  Logo, Max-Supply, Transfer-Gate). ao/README.md lists them.

  Every error quotes bad input bounded (at most 48 printable characters and its length), so an
  answer's tags stay far below ANS-104's 3,072 bytes a value; no answer carries an empty tag value.

  Quantities are canonical decimal strings of base units (10^12 per AO) and exceed 2^63, so all
  arithmetic here is exact decimal-string arithmetic (Dec below), never Lua numbers.
]]

local json = require('json')

-- Exact arithmetic on canonical unsigned decimal strings, in base-10^9 limbs: a limb sum or a
-- limb times a factor below 10^9 stays under 10^18 < 2^63, so Lua integers never overflow.
local Dec = {}
local LIMB_DIGITS = 9
local LIMB_BASE = 1000000000
local DIGITS_MAX = 78

function Dec.isCanonical(s)
  return type(s) == 'string' and #s <= DIGITS_MAX and (s == '0' or s:find('^[1-9]%d*$') ~= nil)
end

-- Limbs, least significant first.
local function toLimbs(s)
  local limbs = {}
  local i = #s
  while i > 0 do
    local j = i - LIMB_DIGITS + 1
    if j < 1 then j = 1 end
    limbs[#limbs + 1] = math.tointeger(tonumber(s:sub(j, i)))
    i = j - 1
  end
  return limbs
end

local function fromLimbs(limbs)
  local n = #limbs
  while n > 1 and limbs[n] == 0 do n = n - 1 end
  local parts = { string.format('%d', limbs[n]) }
  for k = n - 1, 1, -1 do parts[#parts + 1] = string.format('%09d', limbs[k]) end
  return table.concat(parts)
end

-- -1, 0 or 1. Canonical strings order by length, then lexically (digits sort as bytes).
function Dec.cmp(a, b)
  if #a ~= #b then return #a < #b and -1 or 1 end
  if a == b then return 0 end
  return a < b and -1 or 1
end

-- Below 19 digits both fit a Lua integer and so does their sum (< 2·10^18 < 2^63): the fast path.
local NATIVE_DIGITS = 18

function Dec.add(a, b)
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
  return fromLimbs(out)
end

-- a - b; the caller guarantees a >= b.
function Dec.sub(a, b)
  assert(Dec.cmp(a, b) >= 0, 'Dec.sub: negative result')
  local x, y, out, borrow = toLimbs(a), toLimbs(b), {}, 0
  for k = 1, #x do
    local d = x[k] - (y[k] or 0) - borrow
    if d < 0 then borrow = 1; d = d + LIMB_BASE else borrow = 0 end
    out[k] = d
  end
  return fromLimbs(out)
end

-- a * f for a small factor 0 <= f < 10^9.
function Dec.mulSmall(a, f)
  assert(math.type(f) == 'integer' and f >= 0 and f < LIMB_BASE, 'Dec.mulSmall: factor out of range')
  local x, out, carry = toLimbs(a), {}, 0
  for k = 1, #x do
    local p = x[k] * f + carry
    out[k] = p % LIMB_BASE
    carry = p // LIMB_BASE
  end
  if carry > 0 then out[#x + 1] = carry end
  return fromLimbs(out)
end

TokenDec = Dec

--[[ Configuration, first load only (TokenConfigured): re-loading the file keeps state and
  configuration. aos sets the global Name before any code is loaded (permaweb/aos
  process/process.lua, initializeState: the spawn tag Name, else 'aos') — that is the process's
  REPL name, so the token's display name has its own sources: the global TokenName or the spawn
  tag Token-Name, default 'AO'. ]]
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

-- A non-empty string, or nil: ANS-104 tag values must not be empty, so '' means "not set".
local function setting(global, tag)
  local v = global
  if v == nil then v = spawnTag(tag) end
  if type(v) == 'string' and v ~= '' then return v end
  return nil
end

if not TokenConfigured then
  Minter = setting(Minter, 'Minter')
  Name = setting(TokenName, 'Token-Name') or 'AO'
  Ticker = setting(Ticker, 'Ticker') or 'AO'
  Logo = setting(Logo, 'Logo')
  MaxSupply = setting(MaxSupply, 'Max-Supply') or '21000000000000000000'
  -- The transfer gate (DESIGN.md §2): 'mintCount:N' as deployed on AO (refused while the minter has
  -- reached a tick below N), or 'supplyShare:P/Q' as announced (refused while supply·Q < P·max).
  TransferGate = setting(TransferGate, 'Transfer-Gate') or 'mintCount:100000'
end
Denomination = 12
Balances = Balances or {}
TotalSupply = TotalSupply or '0'
-- The highest To-Tick of an applied Mint-Batch: the tick the minter has reached (MintCount).
MintedTick = MintedTick or '0'
-- Batch-Id → { Total, Count, Seq } of every applied batch: the idempotency record.
MintedBatches = MintedBatches or {}
MintedBatchCount = MintedBatchCount or 0

assert(type(Minter) == 'string', 'token.lua: Minter is not configured (set the global or the Minter spawn tag)')
assert(Dec.isCanonical(MaxSupply), 'token.lua: MaxSupply is not a canonical decimal string')

-- The gate rule, parsed once: { kind = 'mintCount', tick } or { kind = 'supplyShare', p, q }.
local function parseGate(text)
  local n = text:match('^mintCount:(%d+)$')
  if n and #n <= 15 and (n == '0' or n:sub(1, 1) ~= '0') then return { kind = 'mintCount', tick = n } end
  local p, q = text:match('^supplyShare:(%d+)/([1-9]%d*)$')
  if p and #p <= 9 and #q <= 9 and Dec.cmp(p, q) <= 0 and (p == '0' or p:sub(1, 1) ~= '0') then
    return { kind = 'supplyShare', p = math.tointeger(tonumber(p)), q = math.tointeger(tonumber(q)) }
  end
  return nil
end
local Gate = parseGate(TransferGate)
assert(Gate, 'token.lua: Transfer-Gate is not mintCount:N or supplyShare:P/Q (P <= Q, at most 9 digits each)')
TokenConfigured = true

-- Bad input is quoted in an error at most this long (ANS-104 allows 3,072 bytes a tag value), and
-- only printable ASCII of it: a 5 kB recipient gives a short, readable reason.
local QUOTE_MAX = 48
local ERROR_MAX = 512
local TAG_MAX = 3072

local function quote(v)
  if v == nil then return 'missing' end
  if type(v) ~= 'string' then return 'a ' .. type(v) end
  local shown = v:sub(1, QUOTE_MAX):gsub('[^\32-\126]', '?')
  if #v > QUOTE_MAX then return '"' .. shown .. '…" (' .. #v .. ' bytes)' end
  return '"' .. shown .. '"'
end

-- Arweave addresses (43 base64url characters) and Ethereum-style 0x addresses (AO accepts both signers).
local function isAddress(s)
  return type(s) == 'string' and ((#s == 43 and s:find('^[A-Za-z0-9_-]+$') ~= nil) or (#s == 42 and s:find('^0x%x+$') ~= nil))
end

function IsTransferable()
  if Gate.kind == 'mintCount' then return Dec.cmp(MintedTick, Gate.tick) >= 0 end
  return Dec.cmp(Dec.mulSmall(TotalSupply, Gate.q), Dec.mulSmall(MaxSupply, Gate.p)) >= 0
end

local function gateReason()
  if Gate.kind == 'mintCount' then
    return 'AO is not transferable yet: the minter has reached tick ' .. MintedTick .. ', transfers open at tick ' .. Gate.tick
  end
  return 'AO is not transferable yet: Total-Supply ' .. TotalSupply .. ' is below ' .. Gate.p .. '/' .. Gate.q .. ' of Max-Supply ' .. MaxSupply
end

-- Every answer goes to the requester through msg.reply (aos: Target, X-Reference) and names the
-- request's id in Message-Id, so a client can match it. Empty values are left out (ANS-104).
-- A reference longer than a tag may be (possible only in a dry-run) is not echoed.
local function reply(msg, out)
  if type(msg.Id) == 'string' and msg.Id ~= '' and #msg.Id <= TAG_MAX then out['Message-Id'] = msg.Id end
  local ref = msg['X-Reference'] or msg.Reference
  if msg.reply and (type(ref) ~= 'string' or #ref <= TAG_MAX) then return msg.reply(out) end
  out.Target = msg.From
  return ao.send(out)
end

local function refusal(msg, action, reason, extra)
  local out = extra or {}
  out.Action = action
  out.Error = reason:sub(1, ERROR_MAX)
  return reply(msg, out)
end

-- aos's patch@1.0 message (HyperBEAM dev_patch: permaweb/HyperBEAM docs/book/src/dev_patch.erl.md):
-- a node that runs the process serves each key under /<pid>~process@1.0/compute/<key>/…, so a
-- balance is readable at compute/balances/<address> and the supply at compute/token-info/supply
-- without a dry-run. Sent after every balance change with exactly the changed balances.
local function tokenInfo()
  return { name = Name, ticker = Ticker, logo = Logo, denomination = tostring(Denomination), supply = TotalSupply }
end
local function patch(changed)
  local m = { device = 'patch@1.0', ['token-info'] = tokenInfo() }
  if next(changed) ~= nil then m.balances = changed end
  ao.send(m)
end

local function infoTags()
  return {
    Name = Name,
    Ticker = Ticker,
    Logo = Logo,
    Denomination = tostring(Denomination),
    Transferable = tostring(IsTransferable()),
    MintCount = MintedTick,
    ['Minted-Supply'] = TotalSupply,
    ['Total-Supply'] = TotalSupply,
    ['Max-Supply'] = MaxSupply,
    Minter = Minter,
    ['Transfer-Gate'] = TransferGate,
  }
end

Handlers.add('info', Handlers.utils.hasMatchingTag('Action', 'Info'), function(msg)
  local out = infoTags()
  -- Current aos tokens also answer a JSON Data with lower-case keys (what ao.link and Wander read).
  local data = tokenInfo()
  data.transferable = IsTransferable()
  data['mint-count'] = MintedTick
  data['max-supply'] = MaxSupply
  data['transfer-gate'] = TransferGate
  out.Data = json.encode(data)
  reply(msg, out)
end)

Handlers.add('balance', Handlers.utils.hasMatchingTag('Action', 'Balance'), function(msg)
  local t = msg.Tags
  local account = t.Recipient or t.Target or msg.From
  if not isAddress(account) then
    return refusal(msg, 'Balance-Error', 'Account ' .. quote(account) .. ' is not an address; expected 43 base64url characters or 0x and 40 hex digits')
  end
  local bal = Balances[account] or '0'
  reply(msg, { Balance = bal, Ticker = Ticker, Account = account, Data = bal })
end)

Handlers.add('balances', Handlers.utils.hasMatchingTag('Action', 'Balances'), function(msg)
  -- aos's json encodes an empty table as [] (rxi json.lua: a table whose [1] is nil and that has no
  -- keys is an array); readers expect an object.
  reply(msg, { Data = next(Balances) == nil and '{}' or json.encode(Balances) })
end)

Handlers.add('totalSupply', Handlers.utils.hasMatchingTag('Action', 'Total-Supply'), function(msg)
  reply(msg, { Action = 'Total-Supply', Data = TotalSupply, Ticker = Ticker, ['Total-Supply'] = TotalSupply, ['Max-Supply'] = MaxSupply })
end)

Handlers.add('mintedSupply', Handlers.utils.hasMatchingTag('Action', 'Minted-Supply'), function(msg)
  reply(msg, { Action = 'Minted-Supply', Data = TotalSupply, Ticker = Ticker, ['Minted-Supply'] = TotalSupply, MintCount = MintedTick })
end)

Handlers.add('transfer', Handlers.utils.hasMatchingTag('Action', 'Transfer'), function(msg)
  local function refuse(reason) return refusal(msg, 'Transfer-Error', reason) end
  local recipient, quantity = msg.Tags.Recipient, msg.Tags.Quantity
  if not isAddress(recipient) then return refuse('Recipient ' .. quote(recipient) .. ' is not an address; expected 43 base64url characters or 0x and 40 hex digits') end
  if not Dec.isCanonical(quantity) or quantity == '0' then
    return refuse('Quantity ' .. quote(quantity) .. ' is not a positive decimal string of base units (no sign, no leading zeros, at most ' .. DIGITS_MAX .. ' digits)')
  end
  local forwarded = {}
  for name, value in pairs(msg.Tags) do
    if name:sub(1, 2) == 'X-' then
      if #value > TAG_MAX then return refuse('Tag ' .. quote(name) .. ' is ' .. #value .. ' bytes; a forwarded tag must fit ' .. TAG_MAX) end
      forwarded[name] = value
    end
  end
  if not IsTransferable() then return refuse(gateReason()) end
  local from = Balances[msg.From] or '0'
  if Dec.cmp(quantity, from) > 0 then return refuse('Insufficient Balance: ' .. from .. ' < ' .. quantity) end
  Balances[msg.From] = Dec.sub(from, quantity)
  Balances[recipient] = Dec.add(Balances[recipient] or '0', quantity)
  -- The answers first, then the patch (as Mint-Batch does): a client reading the first message gets the notice.
  local changed = { [msg.From] = Balances[msg.From], [recipient] = Balances[recipient] }
  if msg.Tags.Cast then return patch(changed) end
  local debit = { Action = 'Debit-Notice', Recipient = recipient, Quantity = quantity,
    Data = 'You transferred ' .. quantity .. ' to ' .. recipient }
  local credit = { Target = recipient, Action = 'Credit-Notice', Sender = msg.From, Quantity = quantity,
    Data = 'You received ' .. quantity .. ' from ' .. msg.From }
  for name, value in pairs(forwarded) do
    debit[name] = value
    credit[name] = value
  end
  reply(msg, debit)
  ao.send(credit)
  patch(changed)
end)

--[[ Data: [["<recipient>","<quantity>"],…]. As a string (whitespace allowed between tokens) it is
  read by a strict scanner of exactly this shape, not a general JSON parser. aos decodes Data into a
  table before handlers run when the message says Content-Type: application/json (process.lua,
  "magic table"), so the same shape is also accepted as a decoded table. Returns two arrays
  (recipients, quantities) or nil, nil and the reason. ]]
local function parseBatchTable(data)
  local recipients, quantities = {}, {}
  local n = 0
  for _ in pairs(data) do n = n + 1 end
  if n ~= #data then return nil, nil, 'Data (decoded JSON) is not an array of entries' end
  for k = 1, n do
    local e = data[k]
    if type(e) ~= 'table' then return nil, nil, 'entry ' .. k .. ' is ' .. quote(e) .. ', not ["<recipient>","<quantity>"]' end
    local size = 0
    for _ in pairs(e) do size = size + 1 end
    if size ~= 2 or type(e[1]) ~= 'string' or type(e[2]) ~= 'string' then
      return nil, nil, 'entry ' .. k .. ' is not ["<recipient>","<quantity>"] with two strings'
    end
    recipients[k], quantities[k] = e[1], e[2]
  end
  return recipients, quantities
end

local function parseBatch(data)
  if type(data) == 'table' then return parseBatchTable(data) end
  if type(data) ~= 'string' then return nil, nil, 'Data is ' .. quote(data) .. ', not a JSON array' end
  local pos = data:match('^%s*%[()')
  if not pos then return nil, nil, 'Data is not a JSON array (it does not start with [)' end
  local recipients, quantities = {}, {}
  if data:find('^%s*%]%s*$', pos) then return recipients, quantities end
  while true do
    local n = #recipients + 1
    local r, q, after = data:match('^%s*%[%s*"([^"\\]*)"%s*,%s*"([^"\\]*)"%s*%]%s*()', pos)
    if not r then return nil, nil, 'entry ' .. n .. ' (at byte ' .. pos .. ') is not ["<recipient>","<quantity>"] with two plain strings' end
    recipients[n], quantities[n] = r, q
    local sep = data:sub(after, after)
    if sep == ',' then
      pos = after + 1
    elseif sep == ']' then
      local rest = data:find('[^%s]', after + 1)
      if rest == nil then return recipients, quantities end
      return nil, nil, 'the array closes after entry ' .. n .. ' but more follows at byte ' .. rest
    elseif sep == '' then
      return nil, nil, 'Data ends after entry ' .. n .. ' without the closing ]'
    else
      return nil, nil, 'after entry ' .. n .. ' comes ' .. quote(sep) .. ' at byte ' .. after .. '; expected , before the next entry or ] to close the array'
    end
  end
end

local TICK_DIGITS_MAX = 15

local function isTick(s)
  return type(s) == 'string' and #s <= TICK_DIGITS_MAX and (s == '0' or s:find('^[1-9]%d*$') ~= nil)
end

Handlers.add('mintBatch', Handlers.utils.hasMatchingTag('Action', 'Mint-Batch'), function(msg)
  local t = msg.Tags
  local batchId = t['Batch-Id']
  local validId = type(batchId) == 'string' and batchId ~= '' and #batchId <= 128
  local function refuse(reason)
    -- Batch-Id is echoed only when it is one (bounded): the writer matches answers by it.
    return refusal(msg, 'Mint-Error', reason, { ['Batch-Id'] = validId and batchId or nil })
  end
  if msg.From ~= Minter then return refuse('Sender ' .. quote(msg.From) .. ' is not the minter') end
  if not validId then return refuse('Batch-Id ' .. quote(batchId) .. ' is missing or longer than 128 characters') end
  local applied = MintedBatches[batchId]
  if applied then
    return reply(msg, { Action = 'Mint-Batch-Duplicate', ['Batch-Id'] = batchId, Total = applied.Total, Count = applied.Count,
      ['Applied-Seq'] = tostring(applied.Seq), ['Total-Supply'] = TotalSupply })
  end
  for _, name in ipairs({ 'From-Tick', 'To-Tick' }) do
    if not isTick(t[name]) then return refuse(name .. ' ' .. quote(t[name]) .. ' is not a tick number (at most ' .. TICK_DIGITS_MAX .. ' digits, no leading zeros)') end
  end
  if Dec.cmp(t['From-Tick'], t['To-Tick']) > 0 then return refuse('From-Tick ' .. t['From-Tick'] .. ' is after To-Tick ' .. t['To-Tick']) end
  local settlementId = t['Settlement-Id']
  if type(settlementId) ~= 'string' or settlementId == '' or #settlementId > 128 then return refuse('Settlement-Id ' .. quote(settlementId) .. ' is missing or longer than 128 characters') end
  if not Dec.isCanonical(t.Count) or t.Count == '0' or #t.Count > 9 then return refuse('Count ' .. quote(t.Count) .. ' is not a positive integer') end
  if not Dec.isCanonical(t.Total) then return refuse('Total ' .. quote(t.Total) .. ' is not a decimal string of base units (no sign, no leading zeros, at most ' .. DIGITS_MAX .. ' digits)') end

  local recipients, quantities, why = parseBatch(msg.Data)
  if not recipients then return refuse('Data: ' .. why) end
  if tostring(#recipients) ~= t.Count then return refuse('Count ' .. t.Count .. ' does not match the ' .. #recipients .. ' entries in Data') end
  -- Quantities below 10^18 are summed as Lua integers into acc, flushed into the exact sum before
  -- acc could pass 8·10^18 + 10^18 < 2^63; larger ones go straight to the exact sum.
  local sum, acc = '0', 0
  for k = 1, #recipients do
    if not isAddress(recipients[k]) then return refuse('entry ' .. k .. ': recipient ' .. quote(recipients[k]) .. ' is not an address') end
    local q = quantities[k]
    if not Dec.isCanonical(q) or q == '0' then return refuse('entry ' .. k .. ': quantity ' .. quote(q) .. ' is not a positive decimal string') end
    if #q <= NATIVE_DIGITS then
      acc = acc + math.tointeger(tonumber(q))
      if acc >= 8000000000000000000 then sum = Dec.add(sum, string.format('%d', acc)); acc = 0 end
    else
      sum = Dec.add(sum, q)
    end
  end
  sum = Dec.add(sum, string.format('%d', acc))
  if sum ~= t.Total then return refuse('Total ' .. t.Total .. ' does not match the sum of Data ' .. sum) end
  local supply = Dec.add(TotalSupply, sum)
  if Dec.cmp(supply, MaxSupply) > 0 then
    return refuse('Total-Supply would be ' .. supply .. ', beyond Max-Supply ' .. MaxSupply)
  end

  -- Everything checked: apply the whole batch.
  local changed = {}
  for k = 1, #recipients do
    local r, held = recipients[k], Balances[recipients[k]]
    Balances[r] = held and Dec.add(held, quantities[k]) or quantities[k]
    changed[r] = Balances[r]
  end
  TotalSupply = supply
  if Dec.cmp(t['To-Tick'], MintedTick) > 0 then MintedTick = t['To-Tick'] end
  MintedBatchCount = MintedBatchCount + 1
  MintedBatches[batchId] = { Total = sum, Count = t.Count, Seq = MintedBatchCount }
  reply(msg, { Action = 'Mint-Batch-Notice', ['Batch-Id'] = batchId, Total = sum, Count = t.Count,
    ['Settlement-Id'] = settlementId, ['Total-Supply'] = TotalSupply, MintCount = MintedTick })
  patch(changed)
end)

-- The state at load, for a node that serves token-info before the first mint.
patch({})
