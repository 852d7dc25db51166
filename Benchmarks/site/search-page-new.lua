-- wrk: the searches of search-page.lua, each made unique by a parameter the site ignores (n=…), so no answer
-- can come from the page cache: the cost of making a search page.
local paths = {
  "/?q=katering", "/?q=catering&kelurahan=api-api", "/?q=bakso+keliling", "/?q=tukang+jahit", "/?q=fotokopi",
  "/?q=laundry&halal=1", "/?jenis=kue&kelurahan=bontang-kuala", "/?q=bakso+mas+jokko", "/?mode=berkeliling&hari_ini=1",
  "/?q=warung+makan&halaman=3",
}
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", paths[i % #paths + 1] .. "&n=" .. i, { ["Accept-Encoding"] = "gzip", ["Accept-Language"] = "id" })
end
