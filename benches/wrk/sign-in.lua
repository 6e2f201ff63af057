-- Sign-ins through the real form, each as one of BENCH_USERS people (bench-0@bench.test…)
-- from an address of its own (X-Forwarded-For; the server trusts 127.0.0.1 as its proxy), so
-- that the sign-in throttle, which counts attempts per address and per person, never refuses
-- one: every request verifies a password with argon2. The CSRF cookie and token of the
-- sign-in page come in BENCH_HEADERS and BENCH_CSRF; the password in BENCH_PASSWORD.
dofile("benches/wrk/report.lua")

local users = tonumber(os.getenv("BENCH_USERS") or "8")
local csrf = os.getenv("BENCH_CSRF")
local password = (os.getenv("BENCH_PASSWORD") or ""):gsub(" ", "+")
local sent = 0

function setup(thread)
  thread:set("first", math.random(0, 1000000) * 64)
end

function request()
  sent = sent + 1
  local n = (first or 0) + sent
  local body = string.format("csrf_token=%s&email=bench-%d%%40bench.test&password=%s", csrf, n % users, password)
  local headers = {}
  for name, value in pairs(wrk.headers) do headers[name] = value end
  headers["X-Forwarded-For"] = string.format("10.%d.%d.%d",
    math.floor(n / 65536) % 256, math.floor(n / 256) % 256, n % 256)
  return wrk.format("POST", nil, headers, body)
end
