-- Runs the aos slice and a process module in a native Lua 5.3 interpreter for test/ao/lua53.ts:
-- `lua5.3 lua53-driver.lua <aos.lua> <module.lua>`. Line protocol on stdin/stdout, one JSON
-- document a line: first the process env (answered with the load's result), then requests
-- {"op":"handle"|"dryrun","envelope":"<json>","data":"<string>"}, each answered with the result.
assert(_VERSION == 'Lua 5.3', 'lua53-driver.lua: expected Lua 5.3, running ' .. _VERSION)
dofile(arg[1])
local json = require('json')
local file = assert(io.open(arg[2], 'rb'))
local source = file:read('a')
file:close()
__init(io.read('l'))
io.write(__load(source), '\n')
io.flush()
for line in io.lines() do
  local req = json.decode(line)
  local out
  if req.op == 'handle' then out = __handle(req.envelope, req.data) else out = __dryrun(req.envelope, req.data) end
  io.write(out, '\n')
  io.flush()
end
