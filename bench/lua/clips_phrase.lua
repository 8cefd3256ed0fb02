-- GET /clips?q="<word> <word>": quoted two-word phrases of frequent words (exact phrase search).
local phrases = {
  "business meeting", "meeting card", "card train", "train station", "business card",
  "station ticket", "holiday parents", "school friend",
}
local i = 0
request = function()
  i = i + 1
  local phrase = phrases[(i % #phrases) + 1]:gsub(" ", "%%20")
  return wrk.format("GET", "/clips?lang=en&q=%22" .. phrase .. "%22")
end
