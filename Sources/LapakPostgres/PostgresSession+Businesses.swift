import Foundation
import LapakRegistry
import PostgresNIO

/// The business table's rows as `Business` values.
enum PostgresBusinessRow {
    /// The columns `decode` reads, in its order, of `business b`.
    static let columns = """
        b.id, b.registry_id, b.name, b.category, b.mode, b.latitude, b.longitude, b.kelurahan, b.address, b.phone,
        b.owner_telegram_id, b.halal, b.status, b.verified, b.source
        """

    /// Decodes a row that starts with `columns`.
    static func decode(_ row: PostgresRow) throws -> Business {
        let (id, registryID, name, category, mode, latitude, longitude, kelurahan, address, phone, owner, halal, status, verified, source)
            = try row.decode((Int64, String, String, String, String, Double?, Double?, String, String, String, Int64?, Bool, String, Bool, String).self)
        return Business(
            id: id, registryID: registryID, name: name, category: category, mode: OperatingMode(rawValue: mode) ?? .menetap,
            location: latitude.flatMap { lat in longitude.map { GeoPoint(latitude: lat, longitude: $0) } },
            kelurahan: kelurahan, address: address, phone: phone, ownerTelegramID: owner, halal: halal,
            status: BusinessStatus(rawValue: status) ?? .active, verified: verified, source: BusinessSource(rawValue: source) ?? .imported)
    }

    /// Seconds since 1970, as the registry's timestamp columns hold them.
    static func timestamp(_ date: Date) -> Int64 { Int64(date.timeIntervalSince1970) }
}

extension PostgresSession: BusinessStore {
    /// The businesses `condition` (SQL after `WHERE`, over `business b`) selects, in its order.
    func businesses(where condition: PostgresQuery) throws -> [Business] {
        let query = PostgresQuery(unsafeSQL: "SELECT \(PostgresBusinessRow.columns) FROM business b WHERE " + condition.sql, binds: condition.binds)
        return try rows(query).map(PostgresBusinessRow.decode)
    }

    /// Inserts a new business or updates the one with the same registry id.
    public func upsert(_ business: Business, at now: Date) throws -> (Business, Registry.UpsertOutcome) {
        try upsert(business, existing: try self.business(registryID: business.registryID), now: now)
    }

    /// Upserts many businesses in one transaction (imports, samples, benchmarks); `progress(done, total)` as it goes.
    ///
    /// New records go in batches of multi-row INSERTs and the places of all written records are derived at
    /// the end in a few statements: a round trip per row would make a city's import take minutes.
    public func upsertAll(_ businesses: [Business], now: Date, progress: (Int, Int) -> Void) throws -> ImportSummary {
        var existing: [String: Business] = [:]
        for business in try self.businesses(where: "true") { existing[business.registryID] = business }
        var summary = ImportSummary()
        var written: [Int64] = []
        var fresh: [Business] = []
        func count(_ outcome: (Business, Registry.UpsertOutcome)) {
            switch outcome.1 {
            case .inserted: summary.inserted += 1
            case .updated: summary.updated += 1
            case .unchanged: summary.unchanged += 1
            }
            if outcome.1 != .unchanged { written.append(outcome.0.id) }
        }
        for (index, business) in businesses.enumerated() {
            if let current = existing[business.registryID] {
                count(try write(business, existing: current, now: now))
            } else {
                fresh.append(business)
            }
            if index % 200 == 0 || index == businesses.count - 1 { progress(index + 1, businesses.count) }
        }
        let timestamp = PostgresBusinessRow.timestamp(now)
        var claimed = Set<String>()
        for start in stride(from: 0, to: fresh.count, by: Self.insertBatch) {
            let batch = fresh[start..<min(start + Self.insertBatch, fresh.count)]
            let ids = try insertBusinesses(batch, at: timestamp)
            for business in batch {
                if let id = ids[business.registryID], claimed.insert(business.registryID).inserted {
                    written.append(id)
                    summary.inserted += 1
                } else {
                    // Taken meanwhile by another worker, or listed twice: an upsert of the stored record.
                    count(try write(business, existing: try self.business(registryID: business.registryID), now: now))
                }
            }
        }
        for start in stride(from: 0, to: written.count, by: Self.insertBatch) {
            try syncPlaces(Array(written[start..<min(start + Self.insertBatch, written.count)]), now: now)
        }
        return summary
    }

    /// Rows per multi-row INSERT: 16 binds a row stays far below PostgreSQL's 65,535 binds per statement.
    static let insertBatch = 1000

    /// As SQLite's `Registry.upsert`: an existing record keeps its status, source and (when the new one has
    /// none) its owner; an equal record is left alone. The place is re-derived after every write.
    func upsert(_ business: Business, existing: Business?, now: Date) throws -> (Business, Registry.UpsertOutcome) {
        let outcome = try write(business, existing: existing, now: now)
        if outcome.1 != .unchanged { try syncPlace(businessID: outcome.0.id, now: now) }
        return outcome
    }

    /// The write of `upsert`, leaving the place to the caller.
    private func write(_ business: Business, existing: Business?, now: Date) throws -> (Business, Registry.UpsertOutcome) {
        let timestamp = PostgresBusinessRow.timestamp(now)
        var stored = business
        guard let existing else {
            // ON CONFLICT DO NOTHING: another worker may insert the same registry id meanwhile; an error would
            // abort the whole update's transaction, so the row it stored is updated instead.
            guard let id = try insertBusiness(business, at: timestamp) else {
                return try write(business, existing: try self.business(registryID: business.registryID), now: now)
            }
            stored.id = id
            return (stored, .inserted)
        }
        stored.id = existing.id
        stored.status = existing.status
        stored.source = existing.source
        if stored.ownerTelegramID == nil { stored.ownerTelegramID = existing.ownerTelegramID }
        guard stored != existing else { return (existing, .unchanged) }
        try execute("""
            UPDATE business SET name = \(stored.name), category = \(stored.category), mode = \(stored.mode.rawValue),
                latitude = \(stored.location?.latitude), longitude = \(stored.location?.longitude), kelurahan = \(stored.kelurahan),
                address = \(stored.address), phone = \(stored.phone), owner_telegram_id = \(stored.ownerTelegramID),
                halal = \(stored.halal), status = \(stored.status.rawValue), verified = \(stored.verified),
                source = \(stored.source.rawValue), updated_at = \(timestamp)
            WHERE id = \(stored.id)
            """)
        return (stored, .updated)
    }

    /// Inserts `business` unless its registry id is taken; its new row id, or nil when taken.
    func insertBusiness(_ business: Business, at timestamp: Int64) throws -> Int64? {
        try insertBusinesses([business], at: timestamp)[business.registryID]
    }

    /// Inserts `businesses` in one statement, passing over registry ids already taken; the new row ids by registry id.
    private func insertBusinesses(_ businesses: some Collection<Business>, at timestamp: Int64) throws -> [String: Int64] {
        guard !businesses.isEmpty else { return [:] }
        var binds = PostgresBindings(capacity: businesses.count * 16)
        var values: [String] = []
        for business in businesses {
            let first = binds.count
            binds.append(business.registryID)
            binds.append(business.name)
            binds.append(business.category)
            binds.append(business.mode.rawValue)
            binds.append(business.location?.latitude)
            binds.append(business.location?.longitude)
            binds.append(business.kelurahan)
            binds.append(business.address)
            binds.append(business.phone)
            binds.append(business.ownerTelegramID)
            binds.append(business.halal)
            binds.append(business.status.rawValue)
            binds.append(business.verified)
            binds.append(business.source.rawValue)
            binds.append(timestamp)
            values.append("(" + (1...15).map { "$\(first + $0)" }.joined(separator: ", ") + ", $\(first + 15))")
        }
        let inserted = try rows(PostgresQuery(unsafeSQL: """
            INSERT INTO business (registry_id, name, category, mode, latitude, longitude, kelurahan, address, phone,
                owner_telegram_id, halal, status, verified, source, created_at, updated_at)
            VALUES \(values.joined(separator: ", "))
            ON CONFLICT (registry_id) DO NOTHING RETURNING registry_id, id
            """, binds: binds))
        var ids: [String: Int64] = [:]
        for row in inserted {
            let (registryID, id) = try row.decode((String, Int64).self)
            ids[registryID] = id
        }
        return ids
    }

    /// The business with this registry id.
    public func business(registryID: String) throws -> Business? {
        try businesses(where: "b.registry_id = \(registryID)").first
    }

    /// The business with this row id.
    public func business(id: Int64) throws -> Business? {
        try businesses(where: "b.id = \(id)").first
    }

    /// Where the business can be found now (its shop, or today's check-in), if it is searchable.
    public func currentPosition(ofBusiness id: Int64) throws -> GeoPoint? {
        try rows("SELECT ST_Y(geom::geometry), ST_X(geom::geometry) FROM place WHERE business_id = \(id)").first
            .map { row in let (latitude, longitude) = try row.decode((Double, Double).self); return GeoPoint(latitude: latitude, longitude: longitude) }
    }

    /// Every business, in registry id order (export, tests).
    public func allBusinesses() throws -> [Business] {
        // COLLATE "C": SQLite compares TEXT bytewise; the database's default collation may not.
        try businesses(where: "true ORDER BY b.registry_id COLLATE \"C\"")
    }

    /// How many businesses the registry holds.
    public func count() throws -> Int {
        try one("SELECT count(*) FROM business", as: Int.self) ?? 0
    }

    /// Changes whether a business is shown (suspend, reactivate, delete for the agency).
    public func setStatus(_ status: BusinessStatus, ofBusiness id: Int64, at now: Date) throws {
        try execute("UPDATE business SET status = \(status.rawValue), updated_at = \(PostgresBusinessRow.timestamp(now)) WHERE id = \(id)")
        try syncPlace(businessID: id, now: now)
    }

    /// Re-derives where a business can be found now, as SQLite's `Registry.syncPlace`: an active menetap shop
    /// at its address unless closed today (then hidden until `opens_at`), an active berkeliling vendor at its
    /// latest check-in that has not ended, anything else nowhere. Every write that changes one of these calls it.
    func syncPlace(businessID: Int64, now: Date) throws {
        try syncPlaces([businessID], now: now)
    }

    /// `syncPlace` for many businesses in two statements.
    func syncPlaces(_ businessIDs: [Int64], now: Date) throws {
        let timestamp = PostgresBusinessRow.timestamp(now)
        // Each id once: an upsert may not touch one place twice in a statement.
        let ids = Array(Set(businessIDs))
        let shown = Set(try all("""
            INSERT INTO place (business_id, category, halal, geom, checkin_id, expires_at, opens_at)
            SELECT b.id, b.category, b.halal, ST_SetSRID(ST_MakePoint(here.longitude, here.latitude), 4326)::geography,
                   here.checkin_id, here.ends_at, here.opens_at
            FROM business b CROSS JOIN LATERAL (
                SELECT b.latitude, b.longitude, NULL::BIGINT AS checkin_id, NULL::BIGINT AS ends_at,
                       (SELECT until FROM closure WHERE business_id = b.id AND until > \(timestamp)) AS opens_at
                WHERE b.mode = 'menetap' AND b.latitude IS NOT NULL
                UNION ALL
                (SELECT c.latitude, c.longitude, c.id, c.ends_at, NULL FROM checkin c
                 WHERE b.mode = 'berkeliling' AND c.business_id = b.id AND c.ended_at IS NULL AND c.ends_at > \(timestamp)
                 ORDER BY c.started_at DESC, c.id DESC LIMIT 1)
            ) here
            WHERE b.id = ANY(\(ids)) AND b.status = 'active'
            ON CONFLICT (business_id) DO UPDATE SET category = excluded.category, halal = excluded.halal, geom = excluded.geom,
                checkin_id = excluded.checkin_id, expires_at = excluded.expires_at, opens_at = excluded.opens_at
            RETURNING business_id
            """, as: Int64.self))
        let hidden = ids.filter { !shown.contains($0) }
        if !hidden.isEmpty { try execute("DELETE FROM place WHERE business_id = ANY(\(hidden))") }
    }
}
