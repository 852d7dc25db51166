-- wrk: directory search pages as citizens type them: kinds, synonyms, a typo, a name, with filters.
local paths = {
  "/?q=katering", "/?q=catering&kelurahan=api-api", "/?q=bakso+keliling", "/?q=tukang+jahit", "/?q=fotokopi",
  "/?q=laundry&halal=1", "/?jenis=kue&kelurahan=bontang-kuala", "/?q=bakso+mas+jokko", "/?mode=berkeliling&hari_ini=1",
  "/?q=warung+makan&halaman=3",
}
local i = 0
request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i], { ["Accept-Encoding"] = "gzip", ["Accept-Language"] = "id" })
end
