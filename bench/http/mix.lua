-- wrk script for bench/soak.sh: one request kind per wrk process. Env:
--   ATTEST_METHOD (POST), ATTEST_BODY_FILE (optional), ATTEST_AUTH (optional bearer),
--   ATTEST_EXPECT (the one status this kind must get, e.g. 200 or 400), ATTEST_KIND (label).
-- Prints one RESULT line: requests, latency percentiles, and the answers that were not the
-- expected status (5xx counted apart), plus socket errors.
wrk.method = os.getenv("ATTEST_METHOD") or "POST"
local body_file = os.getenv("ATTEST_BODY_FILE")
if body_file and body_file ~= "" then
  local f = assert(io.open(body_file, "rb"))
  wrk.body = f:read("*a")
  f:close()
  wrk.headers["Content-Type"] = "application/json"
end
local auth = os.getenv("ATTEST_AUTH")
if auth and auth ~= "" then
  wrk.headers["Authorization"] = "Bearer " .. auth
end
local expect = tonumber(os.getenv("ATTEST_EXPECT") or "200")
local kind = os.getenv("ATTEST_KIND") or "request"

local threads = {}
function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  unexpected = 0
  server_errors = 0
end

function response(status, headers, body)
  if status ~= expect then
    unexpected = unexpected + 1
  end
  if status >= 500 then
    server_errors = server_errors + 1
  end
end

function done(summary, latency, requests)
  local bad, s5 = 0, 0
  for _, t in ipairs(threads) do
    bad = bad + t:get("unexpected")
    s5 = s5 + t:get("server_errors")
  end
  io.write(string.format(
    "RESULT kind=%s requests=%d rps=%.1f p50_ms=%.2f p99_ms=%.2f unexpected=%d status5xx=%d socket_errors=%d\n",
    kind, summary.requests, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, bad, s5,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
