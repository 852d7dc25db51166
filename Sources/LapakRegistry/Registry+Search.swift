import Foundation
import CRTreeNearest
import GRDB
import LapakDatabase

/// One answer of the nearest-business search.
public struct SearchResult: Sendable, Hashable {
    public var business: Business
    /// Where the business is now: the shop, or the mobile vendor's check-in.
    public var position: GeoPoint
    /// Great-circle distance from the searcher in metres.
    public var distance: Double
    /// For a mobile vendor: since when it has been at `position` (check-in start).
    public var checkedInSince: Date?
    /// For a mobile vendor sharing a live location: when it last moved.
    public var lastUpdate: Date?
    /// Whether the position follows a live location.
    public var isLive: Bool

    public init(business: Business, position: GeoPoint, distance: Double, checkedInSince: Date? = nil, lastUpdate: Date? = nil,
                isLive: Bool = false) {
        self.business = business
        self.position = position
        self.distance = distance
        self.checkedInSince = checkedInSince
        self.lastUpdate = lastUpdate
        self.isLive = isLive
    }
}

/// A nearest-business question.
public struct NearestQuery: Sendable, Hashable {
    public var origin: GeoPoint
    /// A category slug, or nil for every kind.
    public var category: String?
    public var halalOnly: Bool
    public var limit: Int
    public var offset: Int
    /// Results farther than this are never returned (metres).
    public var maxDistance: Double
    /// Business names asked for: those businesses come first, nearest first, then the rest of `category`
    /// (with no category, only the names).
    public var names: NameQuery

    public init(origin: GeoPoint, category: String? = nil, halalOnly: Bool = false, limit: Int = 5, offset: Int = 0,
                maxDistance: Double = 25_000, names: NameQuery = NameQuery()) {
        self.names = names
        self.origin = origin
        self.category = category
        self.halalOnly = halalOnly
        self.limit = limit
        self.offset = offset
        self.maxDistance = maxDistance
    }
}

extension Registry {
    /// The businesses nearest to `query.origin`, by ascending distance (ties by registry row id).
    ///
    /// Menetap businesses are found at their shop, berkeliling ones only while checked in, suspended
    /// ones never. The R*Tree hands out its entries nearest first by a lower bound of their distance
    /// (its coordinates are float32); each entry's exact distance is computed from the stored doubles,
    /// and the walk stops once the bound passes the last distance the page needs, so the answer is
    /// exactly what a full scan would give.
    public func nearest(_ query: NearestQuery, at now: Date = Date()) async throws -> [SearchResult] {
        // Read on the calling thread rather than hopping to GRDB's reader queue and back: the search
        // takes about 0.1 ms and the hop cost more than that (measured with SearchProbe). A pool reader
        // serves it, so the cooperative thread is held only as long as a short lock would hold it.
        try nearestBlocking(query, at: now)
    }

    /// The same search, on the calling thread (for tools outside Swift concurrency too).
    public func nearestBlocking(_ query: NearestQuery, at now: Date = Date()) throws -> [SearchResult] {
        try database.writer.read { db in try Self.nearest(query, now: now, in: db) }
    }

    static func nearest(_ query: NearestQuery, now: Date, in db: Database) throws -> [SearchResult] {
        if !query.names.isEmpty { return try namesThenKind(query, now: now, in: db) }
        let needed = query.offset + query.limit
        guard query.limit > 0, query.maxDistance > 0 else { return [] }
        var categoryRange: (Double, Double) = (-1, 1)
        if let slug = query.category {
            guard let code = try CategoryCodes.existingCode(for: slug, in: db) else { return [] }
            categoryRange = (indexValue(ofCategoryCode: code), indexValue(ofCategoryCode: code))
        }
        // lapak_nearest (CRTreeNearest) makes the R*Tree hand out its entries nearest first, by a lower
        // bound of their distance, pruning other categories and anything beyond the maximum distance.
        // The halal flag is an auxiliary column: asked for only when the citizen filters by it.
        let nearestFirst = try db.cachedStatement(sql: """
            SELECT id, min_latitude, max_latitude, min_longitude, max_longitude FROM place_index
            WHERE id MATCH lapak_nearest(?, ?, ?, ?, ?)
            """ + (query.halalOnly ? " AND halal = 1" : ""))
        let exactPosition = try db.cachedStatement(sql: "SELECT latitude, longitude, expires_at, opens_at FROM place WHERE business_id = ?")
        let nowSeconds = Int64(now.timeIntervalSince1970)
        let origin = query.origin

        var found: [(id: Int64, position: GeoPoint, distance: Double)] = []
        try nearestFirst.forEachRow(arguments: [origin.latitude, origin.longitude, categoryRange.0, categoryRange.1, query.maxDistance]) { row in
            // Entries come in increasing order of this bound, and every exact distance is at least its bound:
            // once the bound passes the last distance needed, no later entry can enter the page.
            let bound = lapak_box_distance_lower_bound(origin.latitude, origin.longitude, row.double(1), row.double(2),
                                                       row.double(3), row.double(4)) - 0.01
            if found.count >= needed, bound > found[needed - 1].distance { return false }
            let id = row.int64(0)
            var exact: (position: GeoPoint, expired: Bool)?
            try exactPosition.forEachRow(arguments: [id]) { place in
                // A check-in that has ended, or a shop closed today, is not found.
                let hidden = (!place.isNull(2) && place.int64(2) <= nowSeconds) || (!place.isNull(3) && place.int64(3) > nowSeconds)
                exact = (GeoPoint(latitude: place.double(0), longitude: place.double(1)), hidden)
                return false
            }
            guard let exact, !exact.expired else { return true }
            let distance = origin.distance(to: exact.position)
            guard distance <= query.maxDistance else { return true }
            let index = found.firstIndex { distance < $0.distance || (distance == $0.distance && id < $0.id) } ?? found.endIndex
            found.insert((id, exact.position, distance), at: index)
            return true
        }
        return try results(for: found.dropFirst(query.offset).prefix(query.limit), in: db)
    }

    /// Search hits as results: each business with its check-in's start and last update.
    static func results(for page: some Sequence<(id: Int64, position: GeoPoint, distance: Double)>, in db: Database) throws -> [SearchResult] {
        let details = try db.cachedStatement(sql: """
            SELECT b.*, c.started_at AS checkin_started, c.updated_at AS checkin_updated, c.source AS checkin_source
            FROM business b LEFT JOIN place p ON p.business_id = b.id LEFT JOIN checkin c ON c.id = p.checkin_id
            WHERE b.id = ?
            """)
        return try page.map { hit in
            var result: SearchResult?
            try details.forEachRow(arguments: [hit.id]) { row in
                // Columns 0-16 are the business table's, then the check-in's start and last update.
                result = SearchResult(business: row.business(), position: hit.position, distance: hit.distance,
                                      checkedInSince: row.optionalInt64(17).map { Date(timeIntervalSince1970: TimeInterval($0)) },
                                      lastUpdate: row.optionalInt64(18).map { Date(timeIntervalSince1970: TimeInterval($0)) },
                                      isLive: row.optionalText(19) == CheckIn.Source.live.rawValue)
                return false
            }
            guard let result else { throw DatabaseError(message: "business \(hit.id) vanished during the search") }
            return result
        }
    }

    /// The same answer by brute force: every searchable place, exact distances, sorted. For tests and benchmarks.
    public func nearestByFullScan(_ query: NearestQuery, at now: Date = Date()) async throws -> [SearchResult] {
        try await database.writer.read { try session($0).nearestByFullScan(query, at: now) }
    }
}

extension Registry.Session {
    /// `nearest(_:at:)` inside the caller's transaction.
    public func nearest(_ query: NearestQuery, at now: Date = Date()) throws -> [SearchResult] {
        try Registry.nearest(query, now: now, in: db)
    }

    /// `nearestByFullScan(_:at:)` inside the caller's transaction.
    public func nearestByFullScan(_ query: NearestQuery, at now: Date = Date()) throws -> [SearchResult] {
        var sql = """
            SELECT b.id, p.latitude, p.longitude FROM place p JOIN business b ON b.id = p.business_id
            WHERE (p.expires_at IS NULL OR p.expires_at > ?) AND (p.opens_at IS NULL OR p.opens_at <= ?)
            """
        var arguments: StatementArguments = [Int64(now.timeIntervalSince1970), Int64(now.timeIntervalSince1970)]
        if let category = query.category {
            sql += " AND b.category = ?"
            arguments += [category]
        }
        if query.halalOnly { sql += " AND b.halal = 1" }
        var hits: [(id: Int64, position: GeoPoint, distance: Double)] = []
        let rows = try Row.fetchCursor(db, sql: sql, arguments: arguments)
        while let row = try rows.next() {
            let position = GeoPoint(latitude: row[1], longitude: row[2])
            let distance = query.origin.distance(to: position)
            if distance <= query.maxDistance { hits.append((row[0], position, distance)) }
        }
        hits.sort { $0.distance != $1.distance ? $0.distance < $1.distance : $0.id < $1.id }
        return try hits.dropFirst(query.offset).prefix(query.limit).map { hit in
            let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM business WHERE id = ?"), arguments: [hit.id])!
            return SearchResult(business: Registry.business(from: row), position: hit.position, distance: hit.distance)
        }
    }
}
