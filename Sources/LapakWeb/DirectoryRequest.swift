import Foundation
import LapakBot
import LapakLanguage
import LapakRegistry

/// The filters of a directory search as the URL carries them (`/?jenis=katering&kelurahan=api-api`), checked.
///
/// The same parameters serve the page and `/api/businesses`, so a search on the site and a request to the
/// API are one stable URL apart.
struct DirectoryRequest: Sendable, Hashable {
    /// What was typed in the search box.
    var text = ""
    var category: String?
    /// The kelurahan as the registry names it ("Api-Api").
    var kelurahan: Kelurahan?
    var mode: OperatingMode?
    var halalOnly = false
    var sellingToday = false
    var box: GeoBox?
    var origin: GeoPoint?
    var limit = 20
    var offset = 0

    /// The largest page the API serves.
    static let maxLimit = 500
    /// The largest box a query may ask for: the service area and a little around it.
    static func allowedArea(_ region: GeoBox) -> GeoBox {
        GeoBox(south: region.south - 0.05, north: region.north + 0.05, west: region.west - 0.05, east: region.east + 0.05)
    }

    /// A refused parameter: the web.yml key of its message and the values to fill in.
    struct Problem: Error, Sendable, Hashable {
        var key: String
        var values: [String: String] = [:]
    }

    /// Parses `parameters`; `pageSize` is the HTML page's, the API's `limit` may ask for up to 500.
    init(_ parameters: [String: String], taxonomy: CategoryTaxonomy, region: GeoBox, pageSize: Int?) throws(Problem) {
        text = String((parameters["q"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines).prefix(IntentMatcher.scannedLength))
        if let kind = parameters["jenis"], !kind.isEmpty {
            guard let slug = taxonomy.slug(forSpelling: kind) else { throw Problem(key: "api_bad_kind", values: ["value": kind]) }
            category = slug
        }
        if let name = parameters["kelurahan"], !name.isEmpty {
            guard let found = Kelurahan.named(name) else { throw Problem(key: "api_bad_kelurahan", values: ["value": name]) }
            kelurahan = found
        }
        if let spelling = parameters["mode"], !spelling.isEmpty {
            guard let parsed = OperatingMode(spelling: spelling) else { throw Problem(key: "api_bad_mode") }
            mode = parsed
        }
        halalOnly = try Self.flag(parameters, "halal")
        sellingToday = try Self.flag(parameters, "hari_ini")
        if let text = parameters["bbox"], !text.isEmpty {
            let numbers = text.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
            let area = Self.allowedArea(region)
            guard numbers.count == 4, let west = numbers[0], let south = numbers[1], let east = numbers[2], let north = numbers[3],
                  west < east, south < north, area.contains(GeoPoint(latitude: south, longitude: west)),
                  area.contains(GeoPoint(latitude: north, longitude: east)) else {
                throw Problem(key: "api_bad_bbox")
            }
            box = GeoBox(south: south, north: north, west: west, east: east)
        }
        if let lat = parameters["lat"], let lon = parameters["lon"], !lat.isEmpty || !lon.isEmpty {
            guard let latitude = Double(lat), let longitude = Double(lon),
                  Self.allowedArea(region).contains(GeoPoint(latitude: latitude, longitude: longitude)) else {
                throw Problem(key: "api_bad_location")
            }
            origin = GeoPoint(latitude: latitude, longitude: longitude)
        }
        if let pageSize {
            limit = pageSize
            let page = Int(parameters["halaman"] ?? "1") ?? 1
            offset = max(0, min(page, 10_000) - 1) * pageSize
        } else {
            if let text = parameters["limit"] {
                guard let value = Int(text), (1...Self.maxLimit).contains(value) else { throw Problem(key: "api_bad_limit") }
                limit = value
            } else {
                limit = 100
            }
            if let text = parameters["offset"] {
                guard let value = Int(text), value >= 0, value <= 1_000_000 else { throw Problem(key: "api_bad_offset") }
                offset = value
            }
        }
    }

    private static func flag(_ parameters: [String: String], _ name: String) throws(Problem) -> Bool {
        switch parameters[name] ?? "" {
        case "", "0", "false", "tidak": return false
        case "1", "true", "ya", "on": return true
        default: throw Problem(key: "api_bad_flag", values: ["name": name])
        }
    }

    /// The registry query: the typed text understood as the bot understands it (kinds, synonyms, typos, names),
    /// with the ids of the businesses whose names it asks for (`BusinessNameIndex.businessIDs`), read in the same read.
    func query(matcher: IntentMatcher, registry: any PublicDirectory) throws -> (DirectoryQuery, understood: String?, named: Set<Int64>) {
        var query = DirectoryQuery(category: category, kelurahan: kelurahan?.name, mode: mode, halalOnly: halalOnly,
                                   sellingToday: sellingToday, box: box, origin: origin, limit: limit, offset: offset)
        guard !text.isEmpty else { return (query, nil, []) }
        let understanding = matcher.understand(text)
        if category == nil { query.category = understanding.category }
        query.halalOnly = halalOnly || understanding.halalOnly
        // One read for the names and their businesses: each read through GRDB costs tens of microseconds of its own.
        let (names, searched, named) = try registry.readNames { [query] session in
            let names = try matcher.registeredNames(in: text, registry: session)
            var searched = names
            if query.category == nil, names.isEmpty, !understanding.halalOnly {
                // Words that name no kind and no business: nothing matches, rather than everything.
                searched = NameQuery([[String(text.lowercased().prefix(64))]])
                if searched.isEmpty { searched = NameQuery([["\u{1}\u{1}\u{1}"]]) }
            }
            return (names, searched, try session.businessIDs(matching: searched))
        }
        query.names = searched
        let kind = query.category.flatMap { registry.taxonomy.category($0) }
        let understood = [kind?.indonesianName, names.isEmpty ? nil : names.display].compactMap { $0 }.joined(separator: " / ")
        return (query, understood.isEmpty ? nil : understood, named)
    }

    /// The URL query of this search (without paging), for links that keep it: stable and shareable.
    func parameters() -> [(String, String)] {
        var items: [(String, String)] = []
        if !text.isEmpty { items.append(("q", text)) }
        if let category { items.append(("jenis", category)) }
        if let kelurahan { items.append(("kelurahan", Self.slug(kelurahan.name))) }
        if let mode { items.append(("mode", mode.rawValue)) }
        if halalOnly { items.append(("halal", "1")) }
        if sellingToday { items.append(("hari_ini", "1")) }
        if let box { items.append(("bbox", [box.west, box.south, box.east, box.north].map { String($0) }.joined(separator: ","))) }
        if let origin { items.append(("lat", String(format: "%.5f", origin.latitude))); items.append(("lon", String(format: "%.5f", origin.longitude))) }
        return items
    }

    /// "Api-Api" → "api-api", "Bontang Kuala" → "bontang-kuala".
    static func slug(_ name: String) -> String {
        name.lowercased().split(whereSeparator: { !$0.isLetter && !$0.isNumber }).joined(separator: "-")
    }

    /// `items` as a query string, percent-encoded.
    static func encode(_ items: [(String, String)]) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~,")
        return items.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")" }.joined(separator: "&")
    }
}
