import Foundation
import LapakRegistry
import Logging
import PostgresNIO

/// The registry on PostgreSQL/PostGIS: businesses, check-ins and the nearest search, with the same
/// answers as the SQLite registry (`Registry.nearest`).
public struct PostgresRegistry: Sendable {
    let store: PostgresStore

    /// The registry in `store` (migrated with `PostgresMigrations.migrate`).
    public init(store: PostgresStore) { self.store = store }

    private var logger: Logger { store.logger }

    /// Rows per INSERT: 14 binds a row stays far below PostgreSQL's 65,535 binds per statement.
    static let batchSize = 1000

    /// Inserts or updates `businesses` by registry id, keeping places in step; one transaction.
    public func upsertAll(_ businesses: [Business], now: Date = Date()) async throws {
        let timestamp = Int64(now.timeIntervalSince1970)
        try await store.client.withTransaction(logger: logger) { connection in
            for start in stride(from: 0, to: businesses.count, by: Self.batchSize) {
                let batch = businesses[start..<min(start + Self.batchSize, businesses.count)]
                var binds = PostgresBindings(capacity: batch.count * 14)
                var rows: [String] = []
                for business in batch {
                    let first = binds.count
                    try binds.append(business.registryID)
                    try binds.append(business.name)
                    try binds.append(business.category)
                    try binds.append(business.mode.rawValue)
                    try binds.append(business.location?.latitude)
                    try binds.append(business.location?.longitude)
                    try binds.append(business.kelurahan)
                    try binds.append(business.address)
                    try binds.append(business.phone)
                    try binds.append(business.halal)
                    try binds.append(business.status.rawValue)
                    try binds.append(business.verified)
                    try binds.append(business.source.rawValue)
                    try binds.append(timestamp)
                    rows.append("(" + (1...14).map { "$\(first + $0)" }.joined(separator: ", ") + ", $\(first + 14))")
                }
                let sql = """
                    INSERT INTO business (registry_id, name, category, mode, latitude, longitude, kelurahan, address, phone, halal, status,
                                          verified, source, created_at, updated_at)
                    VALUES \(rows.joined(separator: ", "))
                    ON CONFLICT (registry_id) DO UPDATE SET name = excluded.name, category = excluded.category, mode = excluded.mode,
                        latitude = excluded.latitude, longitude = excluded.longitude, kelurahan = excluded.kelurahan,
                        address = excluded.address, phone = excluded.phone, halal = excluded.halal, status = excluded.status,
                        verified = excluded.verified, source = excluded.source, updated_at = excluded.updated_at
                    """
                try await connection.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger)
            }
            try await connection.query("""
                INSERT INTO place (business_id, category, halal, geom, expires_at)
                SELECT id, category, halal, ST_SetSRID(ST_MakePoint(longitude, latitude), 4326)::geography, NULL FROM business
                WHERE status = 'active' AND mode = 'menetap' AND latitude IS NOT NULL
                ON CONFLICT (business_id) DO UPDATE SET category = excluded.category, halal = excluded.halal, geom = excluded.geom,
                    expires_at = NULL
                """, logger: logger)
            try await connection.query("""
                DELETE FROM place p USING business b WHERE b.id = p.business_id
                AND (b.status <> 'active' OR (b.mode = 'menetap' AND b.latitude IS NULL)
                     OR (b.mode = 'berkeliling' AND NOT EXISTS (SELECT 1 FROM checkin c WHERE c.business_id = b.id
                                                                AND c.ended_at IS NULL)))
                """, logger: logger)
        }
    }

    /// A mobile vendor sells at `position` until `expiresAt` (the end of its day): a new check-in (ending
    /// any earlier one still open) and its place, as `PostgresSession.checkIn` records it.
    public func checkIn(registryID: String, at position: GeoPoint, now: Date, expiresAt: Date) async throws {
        let started = Int64(now.timeIntervalSince1970)
        let expires = Int64(expiresAt.timeIntervalSince1970)
        try await store.client.withTransaction(logger: logger) { connection in
            try await connection.query("""
                UPDATE checkin SET ended_at = \(started)
                WHERE business_id = (SELECT id FROM business WHERE registry_id = \(registryID)) AND ended_at IS NULL AND ends_at > \(started)
                """, logger: logger)
            try await connection.query("""
                WITH new AS (
                    INSERT INTO checkin (business_id, latitude, longitude, source, started_at, updated_at, ends_at)
                    SELECT id, \(position.latitude), \(position.longitude), 'location', \(started), \(started), \(expires) FROM business
                    WHERE registry_id = \(registryID) AND mode = 'berkeliling'
                    RETURNING id, business_id, latitude, longitude, ends_at
                )
                INSERT INTO place (business_id, category, halal, geom, checkin_id, expires_at)
                SELECT b.id, b.category, b.halal, ST_SetSRID(ST_MakePoint(new.longitude, new.latitude), 4326)::geography, new.id, new.ends_at
                FROM new JOIN business b ON b.id = new.business_id WHERE b.status = 'active'
                ON CONFLICT (business_id) DO UPDATE SET geom = excluded.geom, checkin_id = excluded.checkin_id, expires_at = excluded.expires_at
                """, logger: logger)
        }
    }

    /// One nearest-search answer: the business's registry id, name and where it is, with the distance.
    public struct Nearby: Sendable, Hashable {
        public var registryID: String
        public var name: String
        public var position: GeoPoint
        /// Metres on the sphere (PostGIS's `use_spheroid = false`, the radius `GeoPoint` uses).
        public var distance: Double
    }

    /// Extra rows read past the page, so that equal distances at its edge are ordered by row id as SQLite orders them.
    static let tieMargin = 8

    /// The businesses nearest to `query.origin`, nearest first, ties by row id.
    ///
    /// The GiST index on (category, geom) hands out places in distance order (`ORDER BY geom <-> origin`,
    /// a KNN index scan), so only the page asked for is read, at 16,000 businesses as at a million. A
    /// second sort key or an `ST_DWithin` filter would turn that into "fetch every place of the kind, then
    /// sort", so both are done here instead, on the few rows read. Names (`query.names`) are not
    /// supported here (`PostgresSession.nearest` answers them).
    public func nearest(_ query: NearestQuery, at now: Date = Date()) async throws -> [Nearby] {
        let nowSeconds = Int64(now.timeIntervalSince1970)
        let longitude = query.origin.longitude
        let latitude = query.origin.latitude
        let wanted = query.offset + query.limit + Self.tieMargin
        let rows: PostgresRowSequence
        // Two statements rather than `category IS NULL OR …`, which would keep the planner off the
        // (category, geom) index.
        if let category = query.category {
            rows = try await store.client.query("""
                SELECT b.id, b.registry_id, b.name, ST_Y(p.geom::geometry), ST_X(p.geom::geometry),
                       ST_Distance(p.geom, ST_SetSRID(ST_MakePoint(\(longitude), \(latitude)), 4326)::geography, false)
                FROM place p JOIN business b ON b.id = p.business_id
                WHERE p.category = \(category) AND (NOT \(query.halalOnly) OR p.halal)
                  AND (p.expires_at IS NULL OR p.expires_at > \(nowSeconds))
                  AND (p.opens_at IS NULL OR p.opens_at <= \(nowSeconds))
                ORDER BY p.geom <-> ST_SetSRID(ST_MakePoint(\(longitude), \(latitude)), 4326)::geography
                LIMIT \(wanted)
                """, logger: logger)
        } else {
            rows = try await store.client.query("""
                SELECT b.id, b.registry_id, b.name, ST_Y(p.geom::geometry), ST_X(p.geom::geometry),
                       ST_Distance(p.geom, ST_SetSRID(ST_MakePoint(\(longitude), \(latitude)), 4326)::geography, false)
                FROM place p JOIN business b ON b.id = p.business_id
                WHERE (NOT \(query.halalOnly) OR p.halal) AND (p.expires_at IS NULL OR p.expires_at > \(nowSeconds))
                  AND (p.opens_at IS NULL OR p.opens_at <= \(nowSeconds))
                ORDER BY p.geom <-> ST_SetSRID(ST_MakePoint(\(longitude), \(latitude)), 4326)::geography
                LIMIT \(wanted)
                """, logger: logger)
        }
        var found: [(id: Int64, nearby: Nearby)] = []
        for try await (id, registryID, name, lat, lon, distance) in rows.decode((Int64, String, String, Double, Double, Double).self)
        where distance <= query.maxDistance {
            found.append((id, Nearby(registryID: registryID, name: name, position: GeoPoint(latitude: lat, longitude: lon), distance: distance)))
        }
        found.sort { ($0.nearby.distance, $0.id) < ($1.nearby.distance, $1.id) }
        return found.dropFirst(query.offset).prefix(query.limit).map(\.nearby)
    }

    /// How many businesses the registry holds.
    public func count() async throws -> Int {
        for try await count in try await store.client.query("SELECT count(*) FROM business", logger: logger).decode(Int.self) {
            return count
        }
        return 0
    }
}
