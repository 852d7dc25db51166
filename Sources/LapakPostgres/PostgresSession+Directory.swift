import Foundation
import LapakRegistry
import PostgresNIO

/// The public directory on PostgreSQL, with SQLite's answers (`Registry.directory`, `Registry.publicBusiness`).
///
/// The same filters, the same order and the same total as SQLite's query, statement for statement:
/// - By name: SQLite's `name COLLATE NOCASE` folds the 26 ASCII capitals and compares bytes; here
///   `lower(name COLLATE "C")` folds only ASCII (the "C" collation's lower), compared bytewise under "C".
/// - Nearest first: placed entries first, by the squared equirectangular distance from the stored doubles
///   (`ST_Y`/`ST_X` give back the coordinates the place was made from), the same IEEE operations in the same
///   order, then row id; so ties and near-ties fall as on SQLite.
/// - A box: the GiST index on `place.geom` (`&&` against the box as a geography, widened as the R*Tree's
///   float32 edges are on SQLite) finds the candidates, and the exact doubles decide.
/// - Names: `lower(name) LIKE '%term%'` on the pg_trgm index, as the bot's name search (`nameCondition`).
extension PostgresSession {
    /// The active businesses matching `query`, nearest first from its origin, otherwise by name.
    public func directory(_ query: DirectoryQuery, at now: Date) throws -> DirectoryPage {
        var binds = PostgresBindings()
        binds.append(PostgresBusinessRow.timestamp(now))
        var conditions = ["b.status = 'active'"]
        var kindOrName: [String] = []
        if let category = query.category {
            binds.append(category)
            kindOrName.append("b.category = $\(binds.count)")
        }
        if !query.names.isEmpty { kindOrName.append(Self.nameCondition(query.names, binds: &binds)) }
        if !kindOrName.isEmpty { conditions.append("(" + kindOrName.joined(separator: " OR ") + ")") }
        if let kelurahan = query.kelurahan {
            binds.append(kelurahan)
            conditions.append("b.kelurahan = $\(binds.count)")
        }
        if let mode = query.mode {
            binds.append(mode.rawValue)
            conditions.append("b.mode = $\(binds.count)")
        }
        if query.halalOnly { conditions.append("b.halal") }
        if query.sellingToday { conditions.append("p.checkin_id IS NOT NULL") }
        if let box = query.box { conditions.append(Self.boxCondition(box, binds: &binds)) }
        let filter = conditions.joined(separator: " AND ")
        // The count of a page past the end repeats the filter with its binds only.
        let filterBinds = binds
        var order = "lower(b.name COLLATE \"C\") COLLATE \"C\", b.id"
        if let origin = query.origin {
            let scale = cos(origin.latitude * .pi / 180)
            binds.append(origin.latitude)
            let latitude = binds.count
            binds.append(origin.longitude)
            let longitude = binds.count
            binds.append(scale * scale)
            order = """
                CASE WHEN p.business_id IS NOT NULL THEN 0 ELSE 1 END,
                (p.latitude - $\(latitude)) * (p.latitude - $\(latitude)) + (p.longitude - $\(longitude)) * (p.longitude - $\(longitude)) * $\(binds.count),
                b.id
                """
        }
        binds.append(max(0, query.limit))
        let limit = binds.count
        binds.append(max(0, query.offset))
        // The total rides on each row of the page (a window over every match, counted before LIMIT), as on SQLite.
        let found = try rows(PostgresQuery(unsafeSQL: Self.entrySQL(where: filter, counted: true)
                                            + " ORDER BY \(order) LIMIT $\(limit) OFFSET $\(binds.count)", binds: binds))
        var entries: [DirectoryEntry] = []
        var total = 0
        for row in found {
            let (entry, count) = try Self.entry(from: row, origin: query.origin)
            entries.append(entry)
            total = count ?? 0
        }
        if entries.isEmpty && query.offset > 0 {
            // A page past the end has no row to carry the total.
            total = try one(PostgresQuery(unsafeSQL: """
                SELECT count(*) FROM business b \(Self.placeJoin) WHERE \(filter)
                """, binds: filterBinds), as: Int.self) ?? 0
        }
        return DirectoryPage(entries: entries, total: total)
    }

    /// One public business by its registry id; nil when unknown, suspended or deleted.
    public func publicBusiness(registryID: String, at now: Date) throws -> DirectoryEntry? {
        var binds = PostgresBindings()
        binds.append(PostgresBusinessRow.timestamp(now))
        binds.append(registryID)
        return try rows(PostgresQuery(unsafeSQL: Self.entrySQL(where: "b.registry_id = $2 AND b.status = 'active'", counted: false),
                                      binds: binds)).first.map { try Self.entry(from: $0, origin: nil).entry }
    }

    /// The place of each business as it is shown now (a check-in that has ended is not), with its coordinates
    /// as doubles; `$1` is the time.
    static let placeJoin = """
        LEFT JOIN (SELECT business_id, checkin_id, expires_at, geom, ST_Y(geom::geometry) AS latitude, ST_X(geom::geometry) AS longitude
                   FROM place) p ON p.business_id = b.id AND (p.expires_at IS NULL OR p.expires_at > $1)
        """

    /// The SELECT of public entries: `PostgresBusinessRow.columns` (0-14), the record's last change, the place
    /// and its check-in (15-19), and with `counted` the number of rows matching in all (20).
    static func entrySQL(where filter: String, counted: Bool) -> String {
        """
        SELECT \(PostgresBusinessRow.columns), b.updated_at, p.latitude, p.longitude, c.updated_at, c.source\(counted ? ", count(*) OVER ()" : "")
        FROM business b \(placeJoin)
        LEFT JOIN checkin c ON c.id = p.checkin_id
        WHERE \(filter)
        """
    }

    /// Decodes a row of `entrySQL`: the entry, and the total when the row carries it.
    static func entry(from row: PostgresRow, origin: GeoPoint?) throws -> (entry: DirectoryEntry, total: Int?) {
        var business = try PostgresBusinessRow.decode(row)
        business.ownerTelegramID = nil  // never leaves the registry through the public site
        let cells = row.makeRandomAccess()
        let updated = try cells[15].decode(Int64.self)
        let latitude = try cells[16].decode(Double?.self), longitude = try cells[17].decode(Double?.self)
        let checkinUpdated = try cells[18].decode(Int64?.self)
        let position = latitude.flatMap { lat in longitude.map { GeoPoint(latitude: lat, longitude: $0) } }
        let entry = DirectoryEntry(
            business: business, position: position,
            lastSeen: checkinUpdated.map { Date(timeIntervalSince1970: TimeInterval($0)) },
            isLive: try cells[19].decode(String?.self) == CheckIn.Source.live.rawValue,
            updatedAt: Date(timeIntervalSince1970: TimeInterval(max(updated, checkinUpdated ?? 0))),
            distance: origin.flatMap { origin in position.map { origin.distance(to: $0) } })
        return (entry, cells.count > 20 ? Int(try cells[20].decode(Int64.self)) : nil)
    }

    /// The places inside `box`, bound after the binds already in `binds`.
    ///
    /// A geography box's northern and southern edges are great circles, which bow towards the pole between
    /// the corners: widened by that bow (a hair at a city's size) and by the index's float32 rounding, its
    /// `&&` on the GiST index keeps every place of the latitude-longitude box, and the exact doubles decide.
    static func boxCondition(_ box: GeoBox, binds: inout PostgresBindings) -> String {
        let halfWidth = (box.east - box.west) / 2 * .pi / 180
        let edge = max(abs(box.south), abs(box.north)) * .pi / 180
        let bow = (atan(tan(edge) / cos(halfWidth)) - edge) * 180 / .pi
        let margin = bow + 1e-5
        let first = binds.count + 1
        for value in [box.west - margin, box.south - margin, box.east + margin, box.north + margin,
                      box.south, box.north, box.west, box.east] { binds.append(value) }
        let n = (first..<first + 8).map { "$\($0)" }
        return """
            p.geom && ST_MakeEnvelope(\(n[0]), \(n[1]), \(n[2]), \(n[3]), 4326)::geography
            AND p.latitude BETWEEN \(n[4]) AND \(n[5]) AND p.longitude BETWEEN \(n[6]) AND \(n[7])
            """
    }
}

/// What the public site reads besides the directory, on PostgreSQL: the registry's version and freshness,
/// `/statistik`'s figures, and the businesses a name query matches. The same answers as SQLite's
/// (`Registry.freshness`, `Registry.publicFigures`, `Registry.Session.businessIDs`).
extension PostgresSession {
    /// The registry's version (migration 9's counter): one point read.
    public func registryVersion() throws -> Int64 {
        try one("SELECT version FROM registry_version WHERE id = 1", as: Int64.self) ?? 0
    }

    /// The version and the end of the next check-in after `now`, in one statement (so one snapshot).
    public func freshness(at now: Date) throws -> Registry.Freshness {
        let timestamp = PostgresBusinessRow.timestamp(now)
        guard let (version, next) = try one("""
            SELECT (SELECT version FROM registry_version WHERE id = 1),
                   (SELECT min(expires_at) FROM place WHERE expires_at > \(timestamp))
            """, as: (Int64?, Int64?).self) else { return Registry.Freshness(version: 0, nextExpiry: nil) }
        return Registry.Freshness(version: version ?? 0, nextExpiry: next.map { Date(timeIntervalSince1970: TimeInterval($0)) })
    }

    /// The public figures as they stand at `now` (suspended and deleted businesses are not counted), counted
    /// in one statement, so that they agree with each other as SQLite's single read makes them.
    public func publicFigures(at now: Date) throws -> PublicFigures {
        var perCategory: [(slug: String, count: Int)] = [], perKelurahan: [(name: String, count: Int)] = []
        var selling = 0, halal = 0
        for (kind, name, count) in try all("""
            WITH active AS (SELECT category, kelurahan, halal FROM business WHERE status = 'active')
            SELECT 'category', category, count(*) FROM active GROUP BY category
            UNION ALL SELECT 'kelurahan', kelurahan, count(*) FROM active GROUP BY kelurahan
            UNION ALL SELECT 'halal', '', count(*) FROM active WHERE halal
            UNION ALL SELECT 'selling', '', count(*) FROM place
                WHERE checkin_id IS NOT NULL AND (expires_at IS NULL OR expires_at > \(PostgresBusinessRow.timestamp(now)))
            """, as: (String, String, Int64).self) {
            switch kind {
            case "category": perCategory.append((name, Int(count)))
            case "kelurahan": perKelurahan.append((name, Int(count)))
            case "halal": halal = Int(count)
            default: selling = Int(count)
            }
        }
        // Most first, then the name byte for byte, as SQLite's `ORDER BY n DESC, name` compares TEXT.
        func mostFirst(_ a: (String, Int), _ b: (String, Int)) -> Bool {
            a.1 != b.1 ? a.1 > b.1 : a.0.utf8.lexicographicallyPrecedes(b.0.utf8)
        }
        perCategory.sort { mostFirst(($0.slug, $0.count), ($1.slug, $1.count)) }
        perKelurahan.sort { mostFirst(($0.name, $0.count), ($1.name, $1.count)) }
        return PublicFigures(perCategory: perCategory, perKelurahan: perKelurahan, sellingToday: selling, halalCertified: halal)
    }

    /// The ids of the businesses whose names match `names` (the condition `directory` puts on names), from
    /// the pg_trgm index; empty for an empty query.
    public func businessIDs(matching names: NameQuery) throws -> Set<Int64> {
        guard !names.isEmpty else { return [] }
        var binds = PostgresBindings()
        let condition = Self.nameCondition(names, binds: &binds)
        return Set(try all(PostgresQuery(unsafeSQL: "SELECT b.id FROM business b WHERE \(condition)", binds: binds), as: Int64.self))
    }
}
