import Foundation
import LapakRegistry
import PostgresNIO

/// Mobile vendors' check-ins on PostgreSQL, as SQLite's `Registry+CheckIn.swift`: each check-in moves the
/// vendor's place in the search index in the same transaction.
extension PostgresSession: CheckInStore {
    /// Records where a mobile vendor sells now, ending any earlier check-in of today.
    public func checkIn(businessID: Int64, at position: GeoPoint, accuracy: Double?, source: CheckIn.Source, liveUntil: Date?,
                        liveMessage: LiveMessage?, now: Date) throws -> CheckIn {
        let midnight = endOfDay(after: now)
        let ends = min(liveUntil ?? midnight, midnight)
        guard let business = try lockedBusiness(businessID) else { throw RegistryError.noSuchBusiness(businessID) }
        guard business.mode == .berkeliling else { throw RegistryError.notMobile(business.name) }
        guard business.status == .active else { throw RegistryError.notActive(business.name) }
        try purgeExpiredPlaces(now: now)
        return try recordCheckIn(of: business, at: position, accuracy: accuracy, source: source, endsAt: ends, liveMessage: liveMessage, now: now)
    }

    /// Checks in many mobile vendors at once (one transaction); returns how many.
    public func checkIn(_ positions: [(businessID: Int64, position: GeoPoint)], now: Date) throws -> Int {
        let ends = endOfDay(after: now)
        try purgeExpiredPlaces(now: now)
        var count = 0
        for entry in positions {
            guard let business = try lockedBusiness(entry.businessID), business.mode == .berkeliling, business.status == .active else { continue }
            try recordCheckIn(of: business, at: entry.position, accuracy: nil, source: .location, endsAt: ends, liveMessage: nil, now: now)
            count += 1
        }
        return count
    }

    /// Moves the vendor's current check-in (a live location's edit); false when none is active.
    public func moveCheckIn(businessID: Int64, to position: GeoPoint, accuracy: Double?, now: Date) throws -> Bool {
        let timestamp = PostgresBusinessRow.timestamp(now)
        let moved = try execute("""
            UPDATE checkin SET latitude = \(position.latitude), longitude = \(position.longitude), accuracy = \(accuracy), updated_at = \(timestamp)
            WHERE business_id = \(businessID) AND ended_at IS NULL AND ends_at > \(timestamp)
            """)
        guard moved > 0 else { return false }
        try syncPlace(businessID: businessID, now: now)
        return true
    }

    /// Ends today's check-in early (/tutup); false when there was none.
    public func checkOut(businessID: Int64, now: Date) throws -> Bool {
        let timestamp = PostgresBusinessRow.timestamp(now)
        let ended = try execute("""
            UPDATE checkin SET ended_at = \(timestamp) WHERE business_id = \(businessID) AND ended_at IS NULL AND ends_at > \(timestamp)
            """) > 0
        try syncPlace(businessID: businessID, now: now)
        return ended
    }

    /// The business's check-in that is active at `now`, if any.
    public func activeCheckIn(businessID: Int64, now: Date) throws -> CheckIn? {
        try rows("""
            SELECT id, business_id, latitude, longitude, accuracy, source, started_at, updated_at, ends_at, ended_at FROM checkin
            WHERE business_id = \(businessID) AND ended_at IS NULL AND ends_at > \(PostgresBusinessRow.timestamp(now)) ORDER BY started_at DESC, id DESC LIMIT 1
            """).first.map { row in
            let (id, business, latitude, longitude, accuracy, source, started, updated, ends, ended)
                = try row.decode((Int64, Int64, Double, Double, Double?, String, Int64, Int64, Int64, Int64?).self)
            return CheckIn(id: id, businessID: business, position: GeoPoint(latitude: latitude, longitude: longitude), accuracy: accuracy,
                           source: CheckIn.Source(rawValue: source) ?? .location, startedAt: Date(timeIntervalSince1970: TimeInterval(started)),
                           updatedAt: Date(timeIntervalSince1970: TimeInterval(updated)), endsAt: Date(timeIntervalSince1970: TimeInterval(ends)),
                           endedAt: ended.map { Date(timeIntervalSince1970: TimeInterval($0)) })
        }
    }

    /// Whether the vendor ended a check-in of today before `now` (/tutup, or a live location that stopped).
    public func checkedOutToday(businessID: Int64, now: Date) throws -> Bool {
        // Started today, not yesterday: a check-in ended yesterday says nothing about today.
        let since = PostgresBusinessRow.timestamp(startOfDay(containing: now))
        return try one("""
            SELECT EXISTS (SELECT 1 FROM checkin WHERE business_id = \(businessID) AND started_at >= \(since)
                           AND ended_at IS NOT NULL AND ended_at <= \(PostgresBusinessRow.timestamp(now)))
            """, as: Bool.self) ?? false
    }

    /// Removes search entries of check-ins that have expired; returns how many.
    @discardableResult
    public func purgeExpiredPlaces(now: Date) throws -> Int {
        try execute("DELETE FROM place WHERE expires_at IS NOT NULL AND expires_at <= \(PostgresBusinessRow.timestamp(now))")
    }

    /// The business, its row locked until the transaction ends: two check-ins of one vendor at once (two
    /// workers, two messages) are recorded one after the other, so the second ends the first as on SQLite.
    private func lockedBusiness(_ id: Int64) throws -> Business? {
        try businesses(where: "b.id = \(id) FOR UPDATE").first
    }

    /// Ends the business's earlier check-in of today, stores the new one and moves its place there.
    @discardableResult
    private func recordCheckIn(of business: Business, at position: GeoPoint, accuracy: Double?, source: CheckIn.Source, endsAt: Date,
                               liveMessage: LiveMessage?, now: Date) throws -> CheckIn {
        let timestamp = PostgresBusinessRow.timestamp(now)
        let ends = PostgresBusinessRow.timestamp(endsAt)
        try execute("UPDATE checkin SET ended_at = \(timestamp) WHERE business_id = \(business.id) AND ended_at IS NULL AND ends_at > \(timestamp)")
        guard let id = try one("""
            INSERT INTO checkin (business_id, latitude, longitude, accuracy, source, started_at, updated_at, ends_at, live_chat_id, live_message_id)
            VALUES (\(business.id), \(position.latitude), \(position.longitude), \(accuracy), \(source.rawValue), \(timestamp), \(timestamp),
                    \(ends), \(liveMessage?.chatID), \(liveMessage.map { Int64($0.messageID) }))
            RETURNING id
            """, as: Int64.self) else { throw RegistryError.noSuchBusiness(business.id) }
        try syncPlace(businessID: business.id, now: now)
        let started = Date(timeIntervalSince1970: TimeInterval(timestamp))
        return CheckIn(id: id, businessID: business.id, position: position, accuracy: accuracy, source: source, startedAt: started,
                       updatedAt: started, endsAt: Date(timeIntervalSince1970: TimeInterval(ends)), endedAt: nil)
    }
}
