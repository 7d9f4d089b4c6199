--[[
  The slice of the aos runtime the local AO node gives a process (the real one lives in
  permaweb/aos, process/process.lua): a `json` module, `Handlers` (add / prepend / remove /
  evaluate, Handlers.utils.hasMatchingTag), `ao` (id, env, send, outbox), `Send`, `print` into
  Output, and `msg.reply`. The node calls __init once, __load with the module's source, then
  __handle for every message in schedule order and __dryrun for read-only evaluations.
  Lua 5.3-compatible: the suite runs it in wasmoon (5.4) and in Debian's lua5.3.

  What aos does and this slice does too, because a process can tell the difference:
  - the globals Name (spawn tag Name, else 'aos') and Owner are set before any module code loads
    (process.lua, initializeState);
  - a message tagged Content-Type: application/json has its Data decoded into a table before the
    handlers run, and a Data that does not decode fails the whole message (process.lua, "magic table");
  - json is rxi's json.lua as aos bundles it: an empty table encodes as [], numbers as %.14g, a
    table with mixed or non-string keys is an error;
  - msg.reply sets Target (Reply-To, else the reply's Target, else the sender), X-Reference
    (the request's X-Reference, else its Reference) and X-Origin.
]]

-- json: encode (objects, arrays, strings, numbers, booleans) and decode, with rxi json.lua's rules.
local json = {}
local escapes = { ['"'] = '\\"', ['\\'] = '\\\\', ['\b'] = '\\b', ['\f'] = '\\f', ['\n'] = '\\n', ['\r'] = '\\r', ['\t'] = '\\t' }
local function escapeString(s)
  return '"' .. s:gsub('[%c"\\]', function(c) return escapes[c] or string.format('\\u%04x', c:byte()) end) .. '"'
end
-- rxi: a table whose [1] is set, or that is empty, is an array (so {} encodes as []); its keys
-- must then be exactly 1..n. Any other table is an object whose keys must all be strings.
local function isArray(t)
  if rawget(t, 1) == nil and next(t) ~= nil then return false end
  local n = 0
  for k in pairs(t) do
    if type(k) ~= 'number' then error('json.encode: invalid table: mixed or invalid key types', 0) end
    n = n + 1
  end
  if n ~= #t then error('json.encode: invalid table: sparse array', 0) end
  return true
end
function json.encode(v)
  local kind = type(v)
  if kind == 'string' then return escapeString(v) end
  if kind == 'number' then
    assert(v == v and v ~= math.huge and v ~= -math.huge, 'json.encode: non-finite number')
    return string.format('%.14g', v)
  end
  if kind == 'boolean' then return tostring(v) end
  if v == nil then return 'null' end
  assert(kind == 'table', 'json.encode: cannot encode a ' .. kind)
  local parts = {}
  if isArray(v) then
    for i = 1, #v do parts[i] = json.encode(v[i]) end
    return '[' .. table.concat(parts, ',') .. ']'
  end
  for k, item in pairs(v) do
    if type(k) ~= 'string' then error('json.encode: invalid table: mixed or invalid key types', 0) end
    if type(item) ~= 'function' then parts[#parts + 1] = escapeString(k) .. ':' .. json.encode(item) end
  end
  return '{' .. table.concat(parts, ',') .. '}'
end

function json.decode(s)
  local pos = 1
  local value
  local function skip() pos = s:find('[^ \t\r\n]', pos) or #s + 1 end
  local function fail(what) error('json.decode: ' .. what .. ' at ' .. pos, 0) end
  local function str()
    local out = {}
    pos = pos + 1
    while true do
      local a, b = s:find('^[^"\\]+', pos)
      if a then out[#out + 1] = s:sub(a, b); pos = b + 1 end
      local c = s:sub(pos, pos)
      if c == '"' then pos = pos + 1; return table.concat(out) end
      if c ~= '\\' then fail('unterminated string') end
      local e = s:sub(pos + 1, pos + 1)
      local simple = { ['"'] = '"', ['\\'] = '\\', ['/'] = '/', b = '\b', f = '\f', n = '\n', r = '\r', t = '\t' }
      if simple[e] then out[#out + 1] = simple[e]; pos = pos + 2
      elseif e == 'u' then
        local code = tonumber(s:sub(pos + 2, pos + 5), 16) or fail('bad \\u escape')
        pos = pos + 6
        if code >= 0xD800 and code < 0xDC00 and s:sub(pos, pos + 1) == '\\u' then
          local low = tonumber(s:sub(pos + 2, pos + 5), 16) or fail('bad \\u escape')
          code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
          pos = pos + 6
        end
        out[#out + 1] = utf8.char(code)
      else fail('bad escape') end
    end
  end
  function value()
    skip()
    local c = s:sub(pos, pos)
    if c == '"' then return str() end
    if c == '{' then
      local t = {}
      pos = pos + 1; skip()
      if s:sub(pos, pos) == '}' then pos = pos + 1; return t end
      while true do
        skip()
        if s:sub(pos, pos) ~= '"' then fail('expected a key') end
        local k = str(); skip()
        if s:sub(pos, pos) ~= ':' then fail('expected :') end
        pos = pos + 1
        t[k] = value(); skip()
        local d = s:sub(pos, pos); pos = pos + 1
        if d == '}' then return t end
        if d ~= ',' then fail('expected , or }') end
      end
    end
    if c == '[' then
      local t = {}
      pos = pos + 1; skip()
      if s:sub(pos, pos) == ']' then pos = pos + 1; return t end
      while true do
        t[#t + 1] = value(); skip()
        local d = s:sub(pos, pos); pos = pos + 1
        if d == ']' then return t end
        if d ~= ',' then fail('expected , or ]') end
      end
    end
    for word, v in pairs({ ['true'] = true, ['false'] = false }) do
      if s:sub(pos, pos + #word - 1) == word then pos = pos + #word; return v end
    end
    if s:sub(pos, pos + 3) == 'null' then pos = pos + 4; return nil end
    local num = s:match('^-?%d+%.?%d*[eE]?[-+]?%d*', pos)
    if num and num ~= '' then pos = pos + #num; return math.tointeger(tonumber(num)) or tonumber(num) end
    fail('unexpected ' .. string.format('%q', c))
  end
  local v = value(); skip()
  if pos <= #s then fail('trailing characters') end
  return v
end
package.loaded['json'] = json

-- Handlers, as aos defines them: a pattern returns true/1/'break' (run, stop), 0/'continue'
-- (run, go on) or false/-1/'skip'; a string pattern matches the Action tag.
Handlers = { list = {}, utils = {} }
function Handlers.utils.hasMatchingTag(name, value)
  return function(msg) return msg.Tags[name] == value end
end
local function normalize(pattern)
  if type(pattern) == 'string' then return Handlers.utils.hasMatchingTag('Action', pattern) end
  if type(pattern) == 'table' then
    return function(msg)
      for k, v in pairs(pattern) do if msg.Tags[k] ~= v and msg[k] ~= v then return false end end
      return true
    end
  end
  return pattern
end
local function indexOf(name)
  for i, h in ipairs(Handlers.list) do if h.name == name then return i end end
end
function Handlers.add(name, pattern, handle)
  local h = { name = name, pattern = normalize(pattern), handle = handle }
  local i = indexOf(name)
  if i then Handlers.list[i] = h else table.insert(Handlers.list, h) end
end
function Handlers.prepend(name, pattern, handle)
  local i = indexOf(name)
  if i then table.remove(Handlers.list, i) end
  table.insert(Handlers.list, 1, { name = name, pattern = normalize(pattern), handle = handle })
end
function Handlers.remove(name)
  local i = indexOf(name)
  if i then table.remove(Handlers.list, i) end
end
function Handlers.evaluate(msg, env)
  local handled = false
  for _, h in ipairs(Handlers.list) do
    local m = h.pattern(msg)
    if m == true or m == 1 or m == 'break' then
      h.handle(msg, env)
      return true
    elseif m == 0 or m == 'continue' then
      h.handle(msg, env)
      handled = true
    end
  end
  return handled
end

local RESERVED = { Target = true, Data = true, Anchor = true, Tags = true }
-- A tag value is a string. A table value (a patch@1.0 message's balances, token-info) travels as
-- its JSON here; on HyperBEAM it is a nested map of the message.
local function tagValue(v)
  if type(v) == 'table' then return json.encode(v) end
  return tostring(v)
end
ao = { id = '', env = {}, outbox = { Messages = {}, Spawns = {}, Output = {} }, reference = 0 }
function ao.send(m)
  ao.reference = ao.reference + 1
  local tags = {}
  for k, v in pairs(m) do
    if not RESERVED[k] and type(v) ~= 'function' then tags[#tags + 1] = { name = k, value = tagValue(v) } end
  end
  if type(m.Tags) == 'table' then
    for k, v in pairs(m.Tags) do tags[#tags + 1] = { name = tostring(k), value = tagValue(v) } end
  end
  tags[#tags + 1] = { name = 'Data-Protocol', value = 'ao' }
  tags[#tags + 1] = { name = 'Type', value = 'Message' }
  tags[#tags + 1] = { name = 'Reference', value = tostring(ao.reference) }
  local data = m.Data
  if type(data) == 'table' then data = json.encode(data) end
  local out = { Target = m.Target, Anchor = string.format('%032d', ao.reference), Tags = tags, Data = data or '' }
  table.insert(ao.outbox.Messages, out)
  return out
end
Send = ao.send
function print(...)
  local parts = {}
  for i = 1, select('#', ...) do parts[i] = tostring((select(i, ...))) end
  table.insert(ao.outbox.Output, table.concat(parts, '\t'))
end

-- env: { Process = { Id, Owner, Tags = { name → value } } }
function __init(envJson)
  local env = json.decode(envJson)
  ao.id = env.Process.Id
  ao.env = env
  Owner = env.Process.Owner
  Name = env.Process.Tags.Name or 'aos'
end

local function buildMsg(envelopeJson, data)
  local e = json.decode(envelopeJson)
  local msg = { Id = e.Id, From = e.From, Owner = e.Owner, Target = e.Target, Timestamp = e.Timestamp,
    ['Block-Height'] = e['Block-Height'], Data = data, Tags = {} }
  for _, t in ipairs(e.Tags or {}) do
    msg.Tags[t.name] = t.value
    if msg[t.name] == nil then msg[t.name] = t.value end
  end
  msg.reply = function(r)
    r.Target = msg['Reply-To'] or r.Target or msg.From
    r['X-Reference'] = msg['X-Reference'] or msg.Reference
    r['X-Origin'] = msg['X-Origin']
    return ao.send(r)
  end
  if msg.Tags['Content-Type'] == 'application/json' then msg.Data = json.decode(data or '{}') end
  return msg
end

local function evaluate(body)
  ao.outbox = { Messages = {}, Spawns = {}, Output = {} }
  local ok, err = pcall(body)
  local result = { Messages = ao.outbox.Messages, Spawns = ao.outbox.Spawns, Output = table.concat(ao.outbox.Output, '\n') }
  if not ok then result.Error = tostring(err) end
  return json.encode(result)
end

local function run(envelopeJson, data)
  return evaluate(function()
    local msg = buildMsg(envelopeJson, data)
    if not Handlers.evaluate(msg, ao.env) then
      print('no handler matched Action ' .. tostring(msg.Tags.Action))
    end
  end)
end

-- Loads the module's source (aos: `.load`, an Eval), with what it sends in the result.
function __load(source)
  return evaluate(function()
    local chunk, why = load(source, '=module')
    if not chunk then error(why, 0) end
    chunk()
  end)
end

-- One scheduled message. A handler that raises leaves its changes (as aos would); token.lua checks
-- everything before it mutates, so its refusals change nothing.
function __handle(envelopeJson, data)
  return run(envelopeJson, data)
end

-- The process's state is every global the process created (not the runtime's). A dry-run works
-- on it and then puts back a deep copy taken before, so nothing it does persists.
local RUNTIME_GLOBALS = {}
for k in pairs(_G) do RUNTIME_GLOBALS[k] = true end
RUNTIME_GLOBALS['RUNTIME_GLOBALS'] = true

local function deepCopy(v, seen)
  if type(v) ~= 'table' then return v end
  if seen[v] then return seen[v] end
  local c = {}
  seen[v] = c
  for k, item in pairs(v) do c[deepCopy(k, seen)] = deepCopy(item, seen) end
  return setmetatable(c, getmetatable(v))
end

function __dryrun(envelopeJson, data)
  local saved, seen = {}, {}
  for k, v in pairs(_G) do
    if not RUNTIME_GLOBALS[k] then saved[k] = deepCopy(v, seen) end
  end
  local reference = ao.reference
  local out = run(envelopeJson, data)
  local created = {}
  for k in pairs(_G) do if not RUNTIME_GLOBALS[k] and saved[k] == nil then created[#created + 1] = k end end
  for _, k in ipairs(created) do _G[k] = nil end
  for k, v in pairs(saved) do _G[k] = v end
  ao.reference = reference
  return out
end
RUNTIME_GLOBALS['__dryrun'] = true
