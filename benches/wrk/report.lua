-- Prints one machine-readable line when wrk is done:
--   RESULT <requests> <seconds> <p50 µs> <p99 µs> <non-2xx/3xx> <socket errors> <bytes>
-- Loaded by benches/run; a request's method, body and headers come from the environment
-- (BENCH_METHOD, BENCH_BODY, BENCH_HEADERS as "Name: value" lines).
local method = os.getenv("BENCH_METHOD")
local body = os.getenv("BENCH_BODY")
local headers = os.getenv("BENCH_HEADERS")
if method and method ~= "" then wrk.method = method end
if body and body ~= "" then wrk.body = body end
if headers then
  for line in headers:gmatch("[^\n]+") do
    local name, value = line:match("^([^:]+):%s*(.*)$")
    if name then wrk.headers[name] = value end
  end
end

function done(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format("RESULT %d %.6f %d %d %d %d %d\n",
    summary.requests, summary.duration / 1e6,
    latency:percentile(50), latency:percentile(99),
    errors.status, errors.connect + errors.read + errors.write + errors.timeout,
    summary.bytes))
end
