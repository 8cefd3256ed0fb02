-- POST-like toggles against the anchor: random video in [1, BENCH_MAX_ID], random user in
-- [1, BENCH_MAX_USER] (defaults 1,000,000 and 100,000: the shared anchor_like.lua's ranges).
local max_id = tonumber(os.getenv("BENCH_MAX_ID") or "1000000")
local max_user = tonumber(os.getenv("BENCH_MAX_USER") or "100000")
math.randomseed(os.time())
request = function()
  return wrk.format("GET", "/like/" .. math.random(1, max_id) .. "/" .. math.random(1, max_user))
end
