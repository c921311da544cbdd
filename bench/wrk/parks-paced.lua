-- As parks.lua, but each connection waits BENCH_DELAY_MS (env) before each request: a paced
-- background stream (black-holed or offline parks) next to the main load. With C connections the
-- rate is at most C * 1000 / BENCH_DELAY_MS requests per second (less when answers are slow).
dofile(os.getenv("BENCH_LUA_DIR") .. "/parks.lua")
local pace = tonumber(os.getenv("BENCH_DELAY_MS") or "10")
function delay()
  return pace
end
