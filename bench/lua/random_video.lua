-- GET /videos/:id for random ids in [1, MAX_ID] (env BENCH_MAX_ID).
local max_id = tonumber(os.getenv("BENCH_MAX_ID") or "1000")
math.randomseed(os.time())
request = function()
  return wrk.format("GET", "/videos/" .. math.random(1, max_id))
end
