import Foundation
import LapakRegistry
import PostgresNIO

/// The nearest search and the name search on PostgreSQL, with SQLite's answers (`Registry+Search.swift`,
/// `Registry+NameSearch.swift`).
///
/// Distances are computed here, from the place's stored coordinates with `GeoPoint.distance`, exactly as
/// SQLite computes them; PostGIS only hands the places out nearest first (`ORDER BY geom <-> origin` on the
/// GiST index, a KNN scan that reads no more than the page). Its sphere distance differs from the haversine
/// in the last digits, so a few rows past the page are read and sorted again here: ties go by row id.
///
/// Names: SQLite's FTS5 trigram index finds every name containing each term (three letters or more) as a
/// substring, ignoring case. Here each term is a `lower(name) LIKE '%term%'` answered by the pg_trgm GIN
/// index, the same match. One difference: `lower()` folds only ASCII letters in a database whose collation
/// is "C" (FTS5 folds all of Unicode); Bontang's names are written in ASCII, and a database made with a
/// UTF-8 locale folds as SQLite does.
extension PostgresSession {
    /// Extra rows read past the page, so that the order at its edge is the exact distance's.
    static let nearestTieMargin = 8
    /// How many name matches a search considers (SQLite's `Registry.nameMatchLimit`).
    static let nameMatchLimit = 5_000

    /// One search hit: a business where it is now and how far.
    typealias SearchHit = (id: Int64, position: GeoPoint, distance: Double)

    /// The businesses nearest to `query.origin`, by ascending distance (ties by registry row id).
    public func nearest(_ query: NearestQuery, at now: Date) throws -> [SearchResult] {
        if !query.names.isEmpty { return try namesThenKind(query, now: now) }
        guard query.limit > 0, query.maxDistance > 0 else { return [] }
        return try searchResults(for: nearestHits(query, now: now).dropFirst(query.offset).prefix(query.limit))
    }

    /// Whether any business has a name that `names` matches.
    public func hasBusinessNamed(_ names: NameQuery) throws -> Bool {
        guard !names.isEmpty else { return false }
        var binds = PostgresBindings()
        let condition = Self.nameCondition(names, binds: &binds)
        return try one(PostgresQuery(unsafeSQL: "SELECT EXISTS (SELECT 1 FROM business b WHERE \(condition))", binds: binds), as: Bool.self) ?? false
    }

    /// The first `offset + limit` shown places of the query's kind, nearest first, within the maximum distance.
    func nearestHits(_ query: NearestQuery, now: Date) throws -> [SearchHit] {
        let timestamp = PostgresBusinessRow.timestamp(now)
        let origin = query.origin
        let wanted = query.offset + query.limit + Self.nearestTieMargin
        // A place is shown unless its check-in has ended or its shop is closed today. Two statements rather
        // than `category IS NULL OR …`, which would keep the planner off the (category, geom) index.
        let found: PostgresQueryResult
        if let category = query.category {
            found = try rows("""
                SELECT business_id, ST_Y(geom::geometry), ST_X(geom::geometry) FROM place
                WHERE category = \(category) AND (NOT \(query.halalOnly) OR halal)
                  AND (expires_at IS NULL OR expires_at > \(timestamp)) AND (opens_at IS NULL OR opens_at <= \(timestamp))
                ORDER BY geom <-> ST_SetSRID(ST_MakePoint(\(origin.longitude), \(origin.latitude)), 4326)::geography
                LIMIT \(wanted)
                """)
        } else {
            found = try rows("""
                SELECT business_id, ST_Y(geom::geometry), ST_X(geom::geometry) FROM place
                WHERE (NOT \(query.halalOnly) OR halal)
                  AND (expires_at IS NULL OR expires_at > \(timestamp)) AND (opens_at IS NULL OR opens_at <= \(timestamp))
                ORDER BY geom <-> ST_SetSRID(ST_MakePoint(\(origin.longitude), \(origin.latitude)), 4326)::geography
                LIMIT \(wanted)
                """)
        }
        return try Self.sortedHits(found, from: origin, within: query.maxDistance).prefix(query.offset + query.limit).map { $0 }
    }

    /// The businesses whose names match, nearest first, then the rest of the kind (nearest first), paged.
    func namesThenKind(_ query: NearestQuery, now: Date) throws -> [SearchResult] {
        guard query.limit > 0, query.offset >= 0 else { return [] }
        // As SQLite's nearest, a kind's search to no distance at all finds nothing.
        return try searchResults(for: query.namesThenKind(named: try namedHits(query, now: now), id: \.id) { kind in
            kind.maxDistance > 0 ? try nearestHits(kind, now: now) : []
        })
    }

    /// Every shown business whose name matches, within the maximum distance, nearest first (at most
    /// `nameMatchLimit` matches are considered, as on SQLite; which ones, past that, is up to each store).
    func namedHits(_ query: NearestQuery, now: Date) throws -> [SearchHit] {
        var binds = PostgresBindings()
        let condition = Self.nameCondition(query.names, binds: &binds)
        binds.append(PostgresBusinessRow.timestamp(now))
        let timestamp = binds.count
        binds.append(query.halalOnly)
        let halalOnly = binds.count
        binds.append(Self.nameMatchLimit)
        let found = try rows(PostgresQuery(unsafeSQL: """
            SELECT p.business_id, ST_Y(p.geom::geometry), ST_X(p.geom::geometry) FROM place p JOIN business b ON b.id = p.business_id
            WHERE \(condition) AND (p.expires_at IS NULL OR p.expires_at > $\(timestamp)) AND (p.opens_at IS NULL OR p.opens_at <= $\(timestamp))
              AND (b.halal OR NOT $\(halalOnly))
            LIMIT $\(binds.count)
            """, binds: binds))
        return try Self.sortedHits(found, from: query.origin, within: query.maxDistance)
    }

    /// Rows of (business id, latitude, longitude) as hits within `maxDistance` of `origin`, nearest first, ties by id.
    static func sortedHits(_ rows: PostgresQueryResult, from origin: GeoPoint, within maxDistance: Double) throws -> [SearchHit] {
        var hits: [SearchHit] = []
        for row in rows {
            let (id, latitude, longitude) = try row.decode((Int64, Double, Double).self)
            let position = GeoPoint(latitude: latitude, longitude: longitude)
            let distance = origin.distance(to: position)
            if distance <= maxDistance { hits.append((id, position, distance)) }
        }
        hits.sort { $0.distance != $1.distance ? $0.distance < $1.distance : $0.id < $1.id }
        return hits
    }

    /// `(lower(b.name) LIKE $n AND …) OR (…)`: any alternative, all of its terms, each bound as `%term%` after
    /// the binds already in `binds`.
    static func nameCondition(_ names: NameQuery, binds: inout PostgresBindings) -> String {
        let alternatives = names.alternatives.map { terms in
            terms.map { term -> String in
                // The terms are lowercased already; LIKE's own characters in them are matched literally.
                let literal = term.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
                    .replacingOccurrences(of: "_", with: "\\_")
                binds.append("%" + literal + "%")
                return "lower(b.name) LIKE $\(binds.count)"
            }.joined(separator: " AND ")
        }
        return "((" + alternatives.joined(separator: ") OR (") + "))"
    }

    /// Search hits as results: each business with its check-in's start and last update.
    func searchResults(for page: some Collection<SearchHit>) throws -> [SearchResult] {
        guard !page.isEmpty else { return [] }
        var details: [Int64: (business: Business, started: Int64?, updated: Int64?, source: String?)] = [:]
        for row in try rows("""
            SELECT \(unescaped: PostgresBusinessRow.columns), c.started_at, c.updated_at, c.source
            FROM business b LEFT JOIN place p ON p.business_id = b.id LEFT JOIN checkin c ON c.id = p.checkin_id
            WHERE b.id = ANY(\(page.map(\.id)))
            """) {
            let business = try PostgresBusinessRow.decode(row)
            let cells = row.makeRandomAccess()
            details[business.id] = (business, try cells[15].decode(Int64?.self), try cells[16].decode(Int64?.self), try cells[17].decode(String?.self))
        }
        return try page.map { hit in
            guard let found = details[hit.id] else { throw PostgresSearchError.vanished(hit.id) }
            return SearchResult(business: found.business, position: hit.position, distance: hit.distance,
                                checkedInSince: found.started.map { Date(timeIntervalSince1970: TimeInterval($0)) },
                                lastUpdate: found.updated.map { Date(timeIntervalSince1970: TimeInterval($0)) },
                                isLive: found.source == CheckIn.Source.live.rawValue)
        }
    }
}

/// A search that could not be answered.
enum PostgresSearchError: Error, CustomStringConvertible {
    /// A business found by the search was gone when its details were read.
    case vanished(Int64)

    var description: String {
        switch self {
        case .vanished(let id): return "business \(id) vanished during the search"
        }
    }
}
