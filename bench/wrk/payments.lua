-- wrk script for scenario i: POSTs payments, each with its own paymentId, rotating park IDs as
-- parks.lua does, and counts the answers: "200" (confirmed within timeoutMs), "202 <state>"
-- (recorded, still being delivered: accepted or sent), other statuses by JSON error code. Prints the
-- same BENCHJSON line as parks.lua (whose setup() and done() it reuses).
--
--   wrk ... -s bench/wrk/payments.lua URL -- PREFIX FIRST LAST IDPREFIX [QUERY]
--   env BENCH_KEY: the API key (scope payment:write); BENCH_LUA_DIR: this directory
--
-- Requests: POST /api/v1/parks/<PREFIX><n>/payments?<QUERY> {"paymentId":"<IDPREFIX>-<thread>.<r>-<k>",
-- "amount":800}, n rotating over FIRST..LAST, k counting per thread, r 8 random hex digits per thread
-- (from /dev/urandom): unique within one wrk process, and across processes with the same IDPREFIX
-- (the warm-up's slices). The harness puts scenario, store, run and the run's start time in IDPREFIX.
dofile(os.getenv("BENCH_LUA_DIR") .. "/parks.lua")

function init(args)
  prefix = args[1] or "g"
  first = tonumber(args[2] or "1")
  last = tonumber(args[3] or "1")
  local f = io.open("/dev/urandom", "rb")
  local r = f:read(4)
  f:close()
  idprefix = string.format("%s-%d.%02x%02x%02x%02x-", args[4] or "pay", tid or 1, r:byte(1, 4))
  local query = args[5] or ""
  n = last - first + 1
  i = ((tid or 1) * 7919) % n
  suffix = "/payments" .. (query ~= "" and ("?" .. query) or "")
  local key = os.getenv("BENCH_KEY") or ""
  hdrs = {["Content-Type"] = "application/json"}
  if key ~= "" then hdrs["Authorization"] = "Bearer " .. key end
  statuses = {}
  k = 0
end

function request()
  i = i + 1
  if i >= n then i = 0 end
  k = k + 1
  return wrk.format("POST", "/api/v1/parks/" .. prefix .. (first + i) .. suffix, hdrs,
    '{"paymentId":"' .. idprefix .. k .. '","amount":800}')
end

function response(status, headers, body)
  local key = tostring(status)
  if status == 202 and body then
    local state = body:match('"state"%s*:%s*"(%a+)"')
    if state then key = key .. " " .. state end
  elseif status ~= 200 and body then
    local code = body:match('"error"%s*:%s*"([A-Z_]+)"')
    if code then key = key .. " " .. code end
  end
  statuses[key] = (statuses[key] or 0) + 1
end
