-- GET /videos?q=<word> cycling over a vocabulary (words the generator uses).
local words = { "business", "train", "holiday", "coffee", "teacher", "river", "deadline", "market" }
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", "/videos?lang=en&q=" .. words[(i % #words) + 1])
end
