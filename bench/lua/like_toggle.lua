-- POST /api/videos/:id/like from many client IPs (X-Forwarded-For; the server trusts 127.0.0.1).
local max_id = tonumber(os.getenv("BENCH_MAX_ID") or "1000")
local counter = 0
math.randomseed(os.time())
request = function()
  counter = counter + 1
  local ip = "10." .. math.random(0, 255) .. "." .. math.random(0, 255) .. "." .. math.random(1, 254)
  local headers = { ["X-Forwarded-For"] = ip, ["Content-Length"] = "0" }
  return wrk.format("POST", "/api/videos/" .. math.random(1, max_id) .. "/like", headers, "")
end
