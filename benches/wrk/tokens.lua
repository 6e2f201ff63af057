-- Token-authenticated requests, each presenting the next of BENCH_TOKEN_FILE (a file, one token
-- per line) in turn, so that concurrent cold verifications look up distinct tokens (a batch
-- of lookups of one token would read one row).
dofile("benches/wrk/report.lua")

local tokens = {}
for line in io.lines(os.getenv("BENCH_TOKEN_FILE")) do
  tokens[#tokens + 1] = line
end
local sent = 0

function setup(thread)
  thread:set("first", math.random(0, #tokens - 1))
end

function request()
  sent = sent + 1
  local headers = {}
  for name, value in pairs(wrk.headers) do headers[name] = value end
  headers["Authorization"] = "Bearer " .. tokens[((first or 0) + sent) % #tokens + 1]
  return wrk.format(nil, nil, headers, nil)
end
