--[[
  The AO token process (issue 7). Written for aos: Handlers, ao.send, msg.Tags, require('json').
  Lua 5.3-compatible (real aos runs 5.3; the local node runs it in wasmoon's 5.4).

  Speaks the AO token standard: Info, Balance, Balances, Total-Supply, Transfer (Debit-Notice /
  Credit-Notice, X- tags forwarded, Transfer-Error on failure). Adds Mint-Batch: only the
  configured Minter may mint; the batch is checked in full (count, total, max supply, every entry)
  before anything changes, and a Batch-Id already applied is answered as a duplicate and not
  applied again, so a minter can re-send after a crash without double-crediting.

  Transfers are refused while TotalSupply * 100 < 15 * MaxSupply (the 15 % gate, DESIGN.md §2).

  Configuration is read once, at load, from globals set before loading (Minter, Name, Ticker,
  Logo, MaxSupply) or else from the process's spawn tags (Minter, Name, Ticker, Logo, Max-Supply).

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

-- Configuration, first load only (re-loading the file keeps state and configuration).
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

Minter = Minter or spawnTag('Minter')
Name = Name or spawnTag('Name') or 'AO'
Ticker = Ticker or spawnTag('Ticker') or 'AO'
Logo = Logo or spawnTag('Logo') or ''
Denomination = 12
MaxSupply = MaxSupply or spawnTag('Max-Supply') or '21000000000000000000'
Balances = Balances or {}
TotalSupply = TotalSupply or '0'
-- Batch-Id → { Total, Count, Seq } of every applied batch: the idempotency record.
MintedBatches = MintedBatches or {}
MintedBatchCount = MintedBatchCount or 0

assert(type(Minter) == 'string' and Minter ~= '', 'token.lua: Minter is not configured (set the global or the Minter spawn tag)')
assert(Dec.isCanonical(MaxSupply), 'token.lua: MaxSupply ' .. tostring(MaxSupply) .. ' is not a canonical decimal string')

-- Arweave addresses (43 base64url characters) and Ethereum-style 0x addresses (AO accepts both signers).
local function isAddress(s)
  return type(s) == 'string' and ((#s == 43 and s:find('^[A-Za-z0-9_-]+$') ~= nil) or s:find('^0x%x+$') ~= nil and #s == 42)
end

-- The gate (DESIGN.md §2): transferable once TotalSupply * 100 >= 15 * MaxSupply.
function IsTransferable()
  return Dec.cmp(Dec.mulSmall(TotalSupply, 100), Dec.mulSmall(MaxSupply, 15)) >= 0
end

local function reply(msg, out)
  if msg.reply then
    msg.reply(out)
  else
    out.Target = msg.From
    ao.send(out)
  end
end

Handlers.add('info', Handlers.utils.hasMatchingTag('Action', 'Info'), function(msg)
  reply(msg, {
    Name = Name,
    Ticker = Ticker,
    Logo = Logo,
    Denomination = tostring(Denomination),
    ['Max-Supply'] = MaxSupply,
    ['Total-Supply'] = TotalSupply,
    Minter = Minter,
    Transferable = tostring(IsTransferable()),
  })
end)

Handlers.add('balance', Handlers.utils.hasMatchingTag('Action', 'Balance'), function(msg)
  local account = msg.Tags.Recipient or msg.Tags.Target or msg.From
  local bal = Balances[account] or '0'
  reply(msg, { Balance = bal, Ticker = Ticker, Account = account, Data = bal })
end)

Handlers.add('balances', Handlers.utils.hasMatchingTag('Action', 'Balances'), function(msg)
  reply(msg, { Data = json.encode(Balances) })
end)

Handlers.add('totalSupply', Handlers.utils.hasMatchingTag('Action', 'Total-Supply'), function(msg)
  reply(msg, { Action = 'Total-Supply', Data = TotalSupply, Ticker = Ticker, ['Max-Supply'] = MaxSupply })
end)

Handlers.add('transfer', Handlers.utils.hasMatchingTag('Action', 'Transfer'), function(msg)
  local function refuse(reason)
    reply(msg, { Action = 'Transfer-Error', ['Message-Id'] = msg.Id, Error = reason })
  end
  local recipient, quantity = msg.Tags.Recipient, msg.Tags.Quantity
  if not isAddress(recipient) then return refuse('Recipient ' .. tostring(recipient) .. ' is not an address; expected 43 base64url characters') end
  if not Dec.isCanonical(quantity) or quantity == '0' then
    return refuse('Quantity ' .. tostring(quantity) .. ' is not a positive decimal string of base units')
  end
  if not IsTransferable() then
    return refuse('AO is not transferable yet: Total-Supply ' .. TotalSupply .. ' is below 15% of Max-Supply ' .. MaxSupply)
  end
  local from = Balances[msg.From] or '0'
  if Dec.cmp(quantity, from) > 0 then return refuse('Insufficient Balance: ' .. from .. ' < ' .. quantity) end
  Balances[msg.From] = Dec.sub(from, quantity)
  Balances[recipient] = Dec.add(Balances[recipient] or '0', quantity)
  if msg.Tags.Cast then return end
  local debit = { Action = 'Debit-Notice', Recipient = recipient, Quantity = quantity,
    Data = 'You transferred ' .. quantity .. ' to ' .. recipient }
  local credit = { Target = recipient, Action = 'Credit-Notice', Sender = msg.From, Quantity = quantity,
    Data = 'You received ' .. quantity .. ' from ' .. msg.From }
  for name, value in pairs(msg.Tags) do
    if name:sub(1, 2) == 'X-' then
      debit[name] = value
      credit[name] = value
    end
  end
  reply(msg, debit)
  ao.send(credit)
end)

-- Data: [["<recipient>","<quantity>"],…] (whitespace allowed between tokens). Returns two arrays
-- (recipients, quantities) or nil and the reason. A strict scanner, not a general JSON parser: it
-- reads exactly this shape and refuses anything else.
local function parseBatch(data)
  if type(data) ~= 'string' then return nil, nil, 'Data is not a string' end
  local pos = data:match('^%s*%[()')
  if not pos then return nil, nil, 'Data is not a JSON array' end
  local recipients, quantities = {}, {}
  if data:find('^%s*%]%s*$', pos) then return recipients, quantities end
  while true do
    local r, q, after = data:match('^%s*%[%s*"([^"\\]*)"%s*,%s*"([^"\\]*)"%s*%]%s*()', pos)
    local n = #recipients + 1
    if not r then return nil, nil, 'entry ' .. n .. ' is not ["<recipient>","<quantity>"]' end
    recipients[n], quantities[n] = r, q
    local sep = data:sub(after, after)
    if sep == ',' then
      pos = after + 1
    elseif sep == ']' and data:find('^%s*$', after + 1) then
      return recipients, quantities
    else
      return nil, nil, 'entry ' .. n .. ' is followed by ' .. string.format('%q', sep) .. '; expected , or ]'
    end
  end
end

Handlers.add('mintBatch', Handlers.utils.hasMatchingTag('Action', 'Mint-Batch'), function(msg)
  local t = msg.Tags
  local batchId = t['Batch-Id']
  local function refuse(reason)
    reply(msg, { Action = 'Mint-Error', ['Batch-Id'] = batchId, ['Message-Id'] = msg.Id, Error = reason })
  end
  if msg.From ~= Minter then return refuse('Sender ' .. tostring(msg.From) .. ' is not the minter') end
  if type(batchId) ~= 'string' or batchId == '' or #batchId > 128 then return refuse('Batch-Id is missing or longer than 128 characters') end
  local applied = MintedBatches[batchId]
  if applied then
    return reply(msg, { Action = 'Mint-Batch-Duplicate', ['Batch-Id'] = batchId, Total = applied.Total, Count = applied.Count,
      ['Applied-Seq'] = tostring(applied.Seq), ['Total-Supply'] = TotalSupply })
  end
  for _, name in ipairs({ 'From-Tick', 'To-Tick' }) do
    if type(t[name]) ~= 'string' or not t[name]:find('^%d+$') then return refuse(name .. ' ' .. tostring(t[name]) .. ' is not a tick number') end
  end
  if type(t['Settlement-Id']) ~= 'string' or t['Settlement-Id'] == '' then return refuse('Settlement-Id is missing') end
  if not Dec.isCanonical(t.Count) or t.Count == '0' then return refuse('Count ' .. tostring(t.Count) .. ' is not a positive integer') end
  if not Dec.isCanonical(t.Total) then return refuse('Total ' .. tostring(t.Total) .. ' is not a decimal string of base units') end

  local recipients, quantities, why = parseBatch(msg.Data)
  if not recipients then return refuse('Data: ' .. why) end
  if tostring(#recipients) ~= t.Count then return refuse('Count ' .. t.Count .. ' does not match the ' .. #recipients .. ' entries in Data') end
  -- Quantities below 10^18 are summed as Lua integers into acc, flushed into the exact sum before
  -- acc could pass 8·10^18 + 10^18 < 2^63; larger ones go straight to the exact sum.
  local sum, acc = '0', 0
  for k = 1, #recipients do
    if not isAddress(recipients[k]) then return refuse('entry ' .. k .. ': recipient ' .. recipients[k] .. ' is not an address') end
    local q = quantities[k]
    if not Dec.isCanonical(q) or q == '0' then return refuse('entry ' .. k .. ': quantity ' .. q .. ' is not a positive decimal string') end
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
  for k = 1, #recipients do
    local r, held = recipients[k], Balances[recipients[k]]
    Balances[r] = held and Dec.add(held, quantities[k]) or quantities[k]
  end
  TotalSupply = supply
  MintedBatchCount = MintedBatchCount + 1
  MintedBatches[batchId] = { Total = sum, Count = t.Count, Seq = MintedBatchCount }
  reply(msg, { Action = 'Mint-Batch-Notice', ['Batch-Id'] = batchId, Total = sum, Count = t.Count,
    ['Settlement-Id'] = t['Settlement-Id'], ['Total-Supply'] = TotalSupply })
end)
