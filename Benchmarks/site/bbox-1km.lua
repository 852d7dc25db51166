-- wrk: /api/businesses for a random 1 km square inside Bontang's built-up area (about 0.009 degrees a side).
math.randomseed(2026)
request = function()
  local lat = 0.06 + math.random() * 0.13
  local lon = 117.44 + math.random() * 0.07
  local path = string.format("/api/businesses?bbox=%.5f,%.5f,%.5f,%.5f", lon - 0.0045, lat - 0.0045, lon + 0.0045, lat + 0.0045)
  return wrk.format("GET", path, { ["Accept-Encoding"] = "gzip" })
end
