import Foundation
import GRDB
import LapakDatabase

/// A question to the public directory: the filters of the site's search form and of `/api/businesses`.
public struct DirectoryQuery: Sendable, Hashable {
    /// A category slug.
    public var category: String?
    /// A kelurahan's name as the registry stores it ("Api-Api").
    public var kelurahan: String?
    public var mode: OperatingMode?
    /// Only businesses with a confirmed halal certificate.
    public var halalOnly: Bool
    /// Only mobile vendors checked in today (shown where they are now).
    public var sellingToday: Bool
    /// Business names asked for (FTS5 trigram terms). With `category` too, either matches.
    public var names: NameQuery
    /// Only businesses whose current position lies inside this box.
    public var box: GeoBox?
    /// Listed nearest first from here; otherwise by name.
    public var origin: GeoPoint?
    public var limit: Int
    public var offset: Int

    /// A query; every filter off by default.
    public init(category: String? = nil, kelurahan: String? = nil, mode: OperatingMode? = nil, halalOnly: Bool = false,
                sellingToday: Bool = false, names: NameQuery = NameQuery(), box: GeoBox? = nil, origin: GeoPoint? = nil,
                limit: Int = 20, offset: Int = 0) {
        self.category = category
        self.kelurahan = kelurahan
        self.mode = mode
        self.halalOnly = halalOnly
        self.sellingToday = sellingToday
        self.names = names
        self.box = box
        self.origin = origin
        self.limit = limit
        self.offset = offset
    }
}

/// One business as the public sees it: no owner, no status (only active businesses are public).
public struct DirectoryEntry: Sendable, Hashable {
    public var business: Business
    /// Where it can be found now: the shop, or the mobile vendor's check-in today; nil when nowhere today.
    public var position: GeoPoint?
    /// For a mobile vendor checked in today: when its position was last reported.
    public var lastSeen: Date?
    /// Whether a mobile vendor's position follows a live location.
    public var isLive: Bool
    /// When the record (or its check-in) last changed: `Last-Modified`.
    public var updatedAt: Date
    /// Metres from the query's origin, when it had one and the business has a position.
    public var distance: Double?

    /// An entry as the public sees it (either store makes them).
    public init(business: Business, position: GeoPoint?, lastSeen: Date?, isLive: Bool, updatedAt: Date, distance: Double?) {
        self.business = business
        self.position = position
        self.lastSeen = lastSeen
        self.isLive = isLive
        self.updatedAt = updatedAt
        self.distance = distance
    }
}

/// A page of the directory and how many businesses match in all.
public struct DirectoryPage: Sendable, Hashable {
    public var entries: [DirectoryEntry]
    public var total: Int

    /// A page of `entries` out of `total` matching.
    public init(entries: [DirectoryEntry], total: Int) {
        self.entries = entries
        self.total = total
    }
}

extension Registry {
    /// The public directory: active businesses matching `query`, nearest first from its origin, otherwise by name.
    public func directory(_ query: DirectoryQuery, at now: Date = Date()) throws -> DirectoryPage {
        try database.writer.read { db in try Self.directory(query, now: now, in: db) }
    }

    /// One public business by its registry id; nil when unknown, suspended or deleted.
    public func publicBusiness(registryID: String, at now: Date = Date()) throws -> DirectoryEntry? {
        try database.writer.read { db in
            let (sql, arguments) = Self.entrySQL(where: "b.registry_id = ? AND b.status = 'active'", [registryID], now: now)
            return try Row.fetchOne(db, sql: sql, arguments: arguments).map { Self.entry(from: $0, origin: nil) }
        }
    }

    static func directory(_ query: DirectoryQuery, now: Date, in db: Database) throws -> DirectoryPage {
        var conditions = ["b.status = 'active'"]
        var arguments: StatementArguments = []
        let nowSeconds = Int64(now.timeIntervalSince1970)
        var kindOrName: [String] = []
        if let category = query.category {
            kindOrName.append("b.category = ?")
            arguments += [category]
        }
        if !query.names.isEmpty {
            kindOrName.append("b.id IN (SELECT rowid FROM business_name WHERE business_name MATCH ?)")
            arguments += [query.names.matchExpression]
        }
        if !kindOrName.isEmpty { conditions.append("(" + kindOrName.joined(separator: " OR ") + ")") }
        if let kelurahan = query.kelurahan {
            conditions.append("b.kelurahan = ?")
            arguments += [kelurahan]
        }
        if let mode = query.mode {
            conditions.append("b.mode = ?")
            arguments += [mode.rawValue]
        }
        if query.halalOnly { conditions.append("b.halal = 1") }
        if query.sellingToday { conditions.append("p.checkin_id IS NOT NULL") }
        if let box = query.box {
            // The R*Tree finds the places in the box; its float32 edges are widened by a hair and the exact
            // doubles decide.
            conditions.append("""
                b.id IN (SELECT id FROM place_index WHERE max_latitude >= ? AND min_latitude <= ? AND max_longitude >= ? AND min_longitude <= ?)
                AND p.latitude BETWEEN ? AND ? AND p.longitude BETWEEN ? AND ?
                """)
            arguments += [box.south - 1e-5, box.north + 1e-5, box.west - 1e-5, box.east + 1e-5, box.south, box.north, box.west, box.east]
        }
        let filter = conditions.joined(separator: " AND ")
        var order = "b.name COLLATE NOCASE, b.id"
        var orderArguments: StatementArguments = []
        if let origin = query.origin {
            // Squared equirectangular distance: the same order as great-circle distance within a city.
            // Bound, not written into the text: each origin would otherwise be a new statement to prepare and cache.
            let scale = cos(origin.latitude * .pi / 180)
            order = """
                CASE WHEN p.business_id IS NOT NULL AND (p.expires_at IS NULL OR p.expires_at > ?) THEN 0 ELSE 1 END,
                (p.latitude - ?) * (p.latitude - ?) + (p.longitude - ?) * (p.longitude - ?) * ?, b.id
                """
            orderArguments = [nowSeconds, origin.latitude, origin.latitude, origin.longitude, origin.longitude, scale * scale]
        }
        // The total rides on each row of the page (a window over every match, counted before LIMIT): one
        // pass over the R*Tree and the joins instead of a second query that repeats them.
        let (sql, entryArguments) = entrySQL(where: filter, arguments, now: now, counted: true)
        let statement = try db.cachedStatement(sql: sql + " ORDER BY \(order) LIMIT ? OFFSET ?")
        var entries: [DirectoryEntry] = []
        var total = 0
        try statement.forEachRow(arguments: entryArguments + orderArguments + [max(0, query.limit), max(0, query.offset)]) { row in
            total = Int(row.int64(22))
            entries.append(entry(from: row, origin: query.origin))
            return true
        }
        if entries.isEmpty && query.offset > 0 {
            // A page past the end has no row to carry the total.
            total = try Int.fetchOne(db, sql: """
                SELECT count(*) FROM business b
                LEFT JOIN place p ON p.business_id = b.id AND (p.expires_at IS NULL OR p.expires_at > ?)
                WHERE \(filter)
                """, arguments: [nowSeconds] + arguments) ?? 0
        }
        return DirectoryPage(entries: entries, total: total)
    }

    /// The SELECT of public entries: the business's columns (by position, 0-16), then its place and check-in.
    /// With `counted`, column 22 is the number of rows matching in all. The time is the first argument, not
    /// part of the text, so that the statement is prepared once and cached.
    static func entrySQL(where filter: String, _ arguments: StatementArguments, now: Date, counted: Bool = false)
        -> (String, StatementArguments) {
        let sql = """
            SELECT b.*, p.latitude, p.longitude, c.updated_at, c.source, p.checkin_id\(counted ? ", count(*) OVER ()" : "")
            FROM business b
            LEFT JOIN place p ON p.business_id = b.id AND (p.expires_at IS NULL OR p.expires_at > ?)
            LEFT JOIN checkin c ON c.id = p.checkin_id
            WHERE \(filter)
            """
        return (sql, [Int64(now.timeIntervalSince1970)] + arguments)
    }

    /// Decodes a row of `entrySQL`.
    static func entry(from row: Row, origin: GeoPoint?) -> DirectoryEntry {
        var business = business(from: row)
        business.ownerTelegramID = nil  // never leaves the registry through the public site
        let latitude: Double? = row[17]
        let longitude: Double? = row[18]
        let position = latitude.flatMap { lat in longitude.map { GeoPoint(latitude: lat, longitude: $0) } }
        let checkinUpdated: Int64? = row[19]
        let updated: Int64 = row[15]
        return DirectoryEntry(
            business: business, position: position,
            lastSeen: checkinUpdated.map { Date(timeIntervalSince1970: TimeInterval($0)) },
            isLive: (row[20] as String?) == CheckIn.Source.live.rawValue,
            updatedAt: Date(timeIntervalSince1970: TimeInterval(max(updated, checkinUpdated ?? 0))),
            distance: origin.flatMap { origin in position.map { origin.distance(to: $0) } })
    }

    /// Decodes a row of `entrySQL` read by position straight from SQLite: no GRDB `Row` per result, which
    /// cost more than the query for a page of a hundred features.
    static func entry(from row: RawRow, origin: GeoPoint?) -> DirectoryEntry {
        var business = row.business()
        business.ownerTelegramID = nil  // never leaves the registry through the public site
        let position = row.isNull(17) || row.isNull(18) ? nil : GeoPoint(latitude: row.double(17), longitude: row.double(18))
        let checkinUpdated = row.optionalInt64(19)
        let updated = row.int64(15)
        return DirectoryEntry(
            business: business, position: position,
            lastSeen: checkinUpdated.map { Date(timeIntervalSince1970: TimeInterval($0)) },
            isLive: row.optionalText(20) == CheckIn.Source.live.rawValue,
            updatedAt: Date(timeIntervalSince1970: TimeInterval(max(updated, checkinUpdated ?? 0))),
            distance: origin.flatMap { origin in position.map { origin.distance(to: $0) } })
    }
}

extension Registry {
    /// What a cached view of the directory depends on: the registry's version, and when the next check-in
    /// ends (a vendor then leaves the map without any write).
    public struct Freshness: Sendable, Hashable {
        /// `AppDatabase.registryVersion` when read.
        public var version: Int64
        /// The end of the next check-in after the time asked about; nil when none is running.
        public var nextExpiry: Date?

        /// The freshness of a view made at `version`, valid until `nextExpiry` (nil: no check-in is running).
        public init(version: Int64, nextExpiry: Date?) {
            self.version = version
            self.nextExpiry = nextExpiry
        }
    }

    /// The registry's version: one point read, cheap enough to ask on every request.
    public func version() throws -> Int64 {
        try database.writer.read { db in try AppDatabase.registryVersion(db) }
    }

    /// The version and the next expiry after `now`, read together (asked when a view is made, not served).
    public func freshness(at now: Date) throws -> Freshness {
        try database.writer.read { db in
            let next = try Int64.fetchOne(db.cachedStatement(sql: "SELECT min(expires_at) FROM place WHERE expires_at > ?"),
                                          arguments: [Int64(now.timeIntervalSince1970)])
            return Freshness(version: try AppDatabase.registryVersion(db), nextExpiry: next.map { Date(timeIntervalSince1970: TimeInterval($0)) })
        }
    }
}
