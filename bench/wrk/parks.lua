-- wrk script for parkgate: rotates park IDs, sends the API key, counts answers by status and
-- error code, and prints one machine-readable line (BENCHJSON {...}) at the end.
--
--   wrk ... -s bench/wrk/parks.lua URL -- PREFIX FIRST LAST [QUERY]
--   env BENCH_KEY: the API key (Authorization: Bearer ...); empty = no header
--
-- Requests go to /api/v1/parks/<PREFIX><n>/fee?<QUERY> with n rotating over FIRST..LAST; every
-- thread starts at a different offset, so with several threads the spread stays uniform.

local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("tid", counter)
  table.insert(threads, thread)
end

function init(args)
  prefix = args[1] or "g"
  first = tonumber(args[2] or "1")
  last = tonumber(args[3] or "1")
  local query = args[4] or ""
  n = last - first + 1
  i = ((tid or 1) * 7919) % n
  suffix = "/fee" .. (query ~= "" and ("?" .. query) or "")
  local key = os.getenv("BENCH_KEY") or ""
  hdrs = {}
  if key ~= "" then hdrs["Authorization"] = "Bearer " .. key end
  statuses = {}
end

function request()
  i = i + 1
  if i >= n then i = 0 end
  return wrk.format("GET", "/api/v1/parks/" .. prefix .. (first + i) .. suffix, hdrs)
end

function response(status, headers, body)
  local k = tostring(status)
  if status ~= 200 and body then
    local code = body:match('"error"%s*:%s*"([A-Z_]+)"')
    if code then k = k .. " " .. code end
  end
  statuses[k] = (statuses[k] or 0) + 1
end

function done(summary, latency, requests)
  local st = {}
  for _, t in ipairs(threads) do
    local s = t:get("statuses")
    if s then
      for k, v in pairs(s) do st[k] = (st[k] or 0) + v end
    end
  end
  local parts = {}
  for k, v in pairs(st) do table.insert(parts, string.format('"%s":%d', k, v)) end
  local pcts = {}
  for _, p in ipairs({50, 75, 90, 95, 99, 99.5, 99.9, 99.99}) do
    table.insert(pcts, string.format('"%s":%d', tostring(p), latency:percentile(p)))
  end
  local e = summary.errors
  io.write(string.format('BENCHJSON {"requests":%d,"duration_us":%d,"bytes":%d,'
    .. '"socket_errors":{"connect":%d,"read":%d,"write":%d,"timeout":%d},"non2xx":%d,'
    .. '"latency_us":{"min":%d,"mean":%.1f,"max":%d,"pct":{%s}},"statuses":{%s}}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.timeout, e.status,
    latency.min, latency.mean, latency.max, table.concat(pcts, ","), table.concat(parts, ",")))
end
