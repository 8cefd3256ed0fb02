-- GET /clips?q=<word> cycling over the same vocabulary as search.lua (the generator's most
-- frequent words under its Zipf law).
local words = { "business", "train", "holiday", "coffee", "teacher", "river", "deadline", "market" }
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", "/clips?lang=en&q=" .. words[(i % #words) + 1])
end
