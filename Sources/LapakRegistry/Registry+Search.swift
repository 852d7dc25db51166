import Foundation
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

    public init(origin: GeoPoint, category: String? = nil, halalOnly: Bool = false, limit: Int = 5, offset: Int = 0,
                maxDistance: Double = 25_000) {
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
    /// ones never. The R*Tree answers "which places lie in this box" in float32; every candidate's
    /// exact distance is then computed from the stored doubles. The box grows until it holds
    /// `offset + limit` places within the searched radius: a place outside the radius is farther than
    /// all of them, so the answer is exact.
    public func nearest(_ query: NearestQuery, at now: Date = Date()) async throws -> [SearchResult] {
        try await database.writer.read { db in try Self.nearest(query, now: now, in: db) }
    }

    /// The same search, blocking the calling thread: for callers outside Swift concurrency (tools,
    /// benchmarks that separate the search's cost from the cost of hopping to GRDB's queue and back).
    public func nearestBlocking(_ query: NearestQuery, at now: Date = Date()) throws -> [SearchResult] {
        try database.writer.read { db in try Self.nearest(query, now: now, in: db) }
    }

    static func nearest(_ query: NearestQuery, now: Date, in db: Database) throws -> [SearchResult] {
        let needed = query.offset + query.limit
        guard query.limit > 0, query.maxDistance > 0 else { return [] }
        var categoryRange: (Double, Double) = (-1, 1)
        if let slug = query.category {
            guard let code = try CategoryCodes.existingCode(for: slug, in: db) else { return [] }
            categoryRange = (indexValue(ofCategoryCode: code), indexValue(ofCategoryCode: code))
        }
        // Only the R*Tree's own nodes are read here; the halal flag (an auxiliary column) costs a lookup
        // per row, so it is asked for only when the citizen filters by it.
        let boxes = try db.cachedStatement(sql: """
            SELECT id, min_latitude, max_latitude, min_longitude, max_longitude FROM place_index
            WHERE max_latitude >= ? AND min_latitude <= ? AND max_longitude >= ? AND min_longitude <= ?
              AND max_category >= ? AND min_category <= ?
            """ + (query.halalOnly ? " AND halal = 1" : ""))
        let exactPosition = try db.cachedStatement(sql: "SELECT latitude, longitude, expires_at FROM place WHERE business_id = ?")
        let nowSeconds = Int64(now.timeIntervalSince1970)

        var radius = min(query.maxDistance, 250)
        var found: [(id: Int64, position: GeoPoint, distance: Double)] = []
        while true {
            let box = query.origin.boundingBox(radius: radius)
            // A lower bound of each candidate's distance from its float32 box: the true point lies inside it.
            var candidates: [(id: Int64, bound: Double)] = []
            try boxes.forEachRow(arguments: [box.south, box.north, box.west, box.east, categoryRange.0, categoryRange.1]) { row in
                let nearestCorner = GeoPoint(latitude: min(max(query.origin.latitude, row.double(1)), row.double(2)),
                                             longitude: min(max(query.origin.longitude, row.double(3)), row.double(4)))
                let bound = query.origin.distance(to: nearestCorner) - 0.01
                if bound <= radius { candidates.append((row.int64(0), bound)) }
                return true
            }
            candidates.sort { $0.bound < $1.bound }
            // Read exact positions in order of the bound, until no unread candidate can beat the last one needed.
            found.removeAll(keepingCapacity: true)
            for candidate in candidates {
                if found.count >= needed, candidate.bound > found[needed - 1].distance { break }
                var exact: (position: GeoPoint, expired: Bool)?
                try exactPosition.forEachRow(arguments: [candidate.id]) { row in
                    exact = (GeoPoint(latitude: row.double(0), longitude: row.double(1)), !row.isNull(2) && row.int64(2) <= nowSeconds)
                    return false
                }
                guard let exact, !exact.expired else { continue }
                let position = exact.position
                let distance = query.origin.distance(to: position)
                guard distance <= radius else { continue }
                let entry = (candidate.id, position, distance)
                let index = found.firstIndex { distance < $0.distance || (distance == $0.distance && candidate.id < $0.id) } ?? found.endIndex
                found.insert(entry, at: index)
            }
            if found.count >= needed || radius >= query.maxDistance { break }
            // Grow by the density seen so far (area ∝ r²), at least doubling, never past the maximum.
            let growth = found.isEmpty ? 1.5 : min(2.0, max(1.2, (Double(needed) / Double(found.count)).squareRoot() * 1.1))
            radius = min(query.maxDistance, radius * growth)
        }
        let page = found.dropFirst(query.offset).prefix(query.limit)
        let details = try db.cachedStatement(sql: """
            SELECT b.*, c.started_at AS checkin_started, c.updated_at AS checkin_updated
            FROM business b LEFT JOIN place p ON p.business_id = b.id LEFT JOIN checkin c ON c.id = p.checkin_id
            WHERE b.id = ?
            """)
        return try page.map { hit in
            var result: SearchResult?
            try details.forEachRow(arguments: [hit.id]) { row in
                // Columns 0-15 are the business table's, then the check-in's start and last update.
                result = SearchResult(business: row.business(), position: hit.position, distance: hit.distance,
                                      checkedInSince: row.optionalInt64(16).map { Date(timeIntervalSince1970: TimeInterval($0)) },
                                      lastUpdate: row.optionalInt64(17).map { Date(timeIntervalSince1970: TimeInterval($0)) })
                return false
            }
            guard let result else { throw DatabaseError(message: "business \(hit.id) vanished during the search") }
            return result
        }
    }

    /// The same answer by brute force: every searchable place, exact distances, sorted. For tests and benchmarks.
    public func nearestByFullScan(_ query: NearestQuery, at now: Date = Date()) async throws -> [SearchResult] {
        try await database.writer.read { db in
            var sql = """
                SELECT b.id, p.latitude, p.longitude FROM place p JOIN business b ON b.id = p.business_id
                WHERE (p.expires_at IS NULL OR p.expires_at > ?)
                """
            var arguments: StatementArguments = [Int64(now.timeIntervalSince1970)]
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
                let row = try Row.fetchOne(db, sql: "SELECT * FROM business WHERE id = ?", arguments: [hit.id])!
                return SearchResult(business: Self.business(from: row), position: hit.position, distance: hit.distance)
            }
        }
    }
}
