import Foundation
import GRDB
import LapakDatabase

/// Where a mobile vendor sells today.
public struct CheckIn: Sendable, Hashable {
    /// How the position was given.
    public enum Source: String, Sendable, Hashable {
        /// A one-off location message.
        case location
        /// A live location that follows the cart.
        case live
    }

    public var id: Int64
    public var businessID: Int64
    public var position: GeoPoint
    public var accuracy: Double?
    public var source: Source
    public var startedAt: Date
    public var updatedAt: Date
    /// Local midnight, or the end of the live location if sooner.
    public var endsAt: Date
    /// When the vendor ended it early (/tutup).
    public var endedAt: Date?

    /// A check-in as stored (public: PostgreSQL's session builds them from its rows too).
    public init(id: Int64, businessID: Int64, position: GeoPoint, accuracy: Double?, source: Source, startedAt: Date, updatedAt: Date,
                endsAt: Date, endedAt: Date?) {
        self.id = id
        self.businessID = businessID
        self.position = position
        self.accuracy = accuracy
        self.source = source
        self.startedAt = startedAt
        self.updatedAt = updatedAt
        self.endsAt = endsAt
        self.endedAt = endedAt
    }
}

/// The Telegram message of a live location: its edits are the cart's moves.
public struct LiveMessage: Sendable, Hashable {
    public var chatID: Int64
    public var messageID: Int

    public init(chatID: Int64, messageID: Int) {
        self.chatID = chatID
        self.messageID = messageID
    }
}

/// A registry operation that does not apply.
public enum RegistryError: Error, Sendable, Hashable, CustomStringConvertible {
    case noSuchBusiness(Int64)
    /// Only berkeliling businesses check in.
    case notMobile(String)
    /// Suspended or deleted businesses cannot check in.
    case notActive(String)

    public var description: String {
        switch self {
        case .noSuchBusiness(let id): return "no business with id \(id)"
        case .notMobile(let name): return "\(name) is a fixed shop (menetap); only mobile vendors check in"
        case .notActive(let name): return "\(name) is not active"
        }
    }
}

extension Registry {
    /// The first local midnight after `now` in the registry's time zone: when "today" ends.
    public func endOfDay(after now: Date) -> Date { LocalDays(timeZone: timeZone).endOfDay(after: now) }

    /// Records where a mobile vendor sells now, ending any earlier check-in of today.
    ///
    /// - Parameter liveUntil: for a live location, when its sharing period ends.
    /// - Parameter liveMessage: the chat and message of a live location, whose edits move the check-in.
    @discardableResult
    public func checkIn(businessID: Int64, at position: GeoPoint, accuracy: Double? = nil, source: CheckIn.Source = .location,
                        liveUntil: Date? = nil, liveMessage: LiveMessage? = nil, now: Date = Date()) async throws -> CheckIn {
        try await database.writer.write {
            try session($0).checkIn(businessID: businessID, at: position, accuracy: accuracy, source: source, liveUntil: liveUntil,
                                    liveMessage: liveMessage, now: now)
        }
    }

    /// Checks in many mobile vendors at once (one transaction), e.g. to stage a demo day; returns how many.
    /// Businesses that are not active mobile vendors are passed over.
    @discardableResult
    public func checkIn(_ positions: [(businessID: Int64, position: GeoPoint)], now: Date = Date()) async throws -> Int {
        try await database.writer.write { try session($0).checkIn(positions, now: now) }
    }

    /// Ends the business's earlier check-in of today, stores the new one and moves its search entry there.
    @discardableResult
    static func recordCheckIn(of business: Business, at position: GeoPoint, accuracy: Double?, source: CheckIn.Source, endsAt: Date,
                              now: Date, liveMessage: LiveMessage? = nil, codes: inout CategoryCodes, in db: Database) throws -> CheckIn {
        let timestamp = Int64(now.timeIntervalSince1970)
        let ends = Int64(endsAt.timeIntervalSince1970)
        try db.cachedStatement(sql: "UPDATE checkin SET ended_at = ? WHERE business_id = ? AND ended_at IS NULL AND ends_at > ?")
            .execute(arguments: [timestamp, business.id, timestamp])
        try db.cachedStatement(sql: """
            INSERT INTO checkin (business_id, latitude, longitude, accuracy, source, started_at, updated_at, ends_at, live_chat_id, live_message_id)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [business.id, position.latitude, position.longitude, accuracy, source.rawValue, timestamp, timestamp, ends,
                                     liveMessage?.chatID, liveMessage?.messageID])
        let id = db.lastInsertedRowID
        try syncPlace(for: business, now: now, codes: &codes, in: db)
        let started = Date(timeIntervalSince1970: TimeInterval(timestamp))
        return CheckIn(id: id, businessID: business.id, position: position, accuracy: accuracy, source: source, startedAt: started,
                       updatedAt: started, endsAt: Date(timeIntervalSince1970: TimeInterval(ends)), endedAt: nil)
    }

    /// Moves the vendor's current check-in (a live location's edit); false when none is active.
    @discardableResult
    public func moveCheckIn(businessID: Int64, to position: GeoPoint, accuracy: Double? = nil, now: Date = Date()) async throws -> Bool {
        try await database.writer.write { try session($0).moveCheckIn(businessID: businessID, to: position, accuracy: accuracy, now: now) }
    }

    /// Ends today's check-in early (/tutup); false when there was none.
    @discardableResult
    public func checkOut(businessID: Int64, now: Date = Date()) async throws -> Bool {
        try await database.writer.write { try session($0).checkOut(businessID: businessID, now: now) }
    }

    /// The business's check-in that is active at `now`, if any.
    public func activeCheckIn(businessID: Int64, now: Date = Date()) async throws -> CheckIn? {
        try await database.writer.read { try session($0).activeCheckIn(businessID: businessID, now: now) }
    }

    /// Whether the vendor ended a check-in of today before `now` (/tutup, or a live location that stopped).
    public func checkedOutToday(businessID: Int64, now: Date = Date()) async throws -> Bool {
        try await database.writer.read { try session($0).checkedOutToday(businessID: businessID, now: now) }
    }

    /// The last local midnight at or before `now` in the registry's time zone: when "today" began.
    public func startOfDay(containing now: Date) -> Date { LocalDays(timeZone: timeZone).startOfDay(containing: now) }

    /// Removes search entries of check-ins that have expired. The search skips them anyway; removing them
    /// keeps the R*Tree to today's vendors. Every check-in does it, so yesterday's carts go with today's first.
    @discardableResult
    public func purgeExpiredPlaces(now: Date = Date()) async throws -> Int {
        try await database.writer.write { try session($0).purgeExpiredPlaces(now: now) }
    }

    @discardableResult
    static func purgeExpiredPlaces(now: Date, in db: Database) throws -> Int {
        let ids = try Int64.fetchAll(db.cachedStatement(sql: "SELECT business_id FROM place WHERE expires_at IS NOT NULL AND expires_at <= ?"),
                                     arguments: [Int64(now.timeIntervalSince1970)])
        for id in ids { try removePlace(id, in: db) }
        return ids.count
    }
}

extension Registry.Session {
    /// `checkIn(businessID:at:accuracy:source:liveUntil:liveMessage:now:)` inside the caller's transaction.
    @discardableResult
    public func checkIn(businessID: Int64, at position: GeoPoint, accuracy: Double? = nil, source: CheckIn.Source = .location,
                        liveUntil: Date? = nil, liveMessage: LiveMessage? = nil, now: Date = Date()) throws -> CheckIn {
        let midnight = endOfDay(after: now)
        let ends = min(liveUntil ?? midnight, midnight)
        guard let business = try self.business(id: businessID) else { throw RegistryError.noSuchBusiness(businessID) }
        guard business.mode == .berkeliling else { throw RegistryError.notMobile(business.name) }
        guard business.status == .active else { throw RegistryError.notActive(business.name) }
        try Registry.purgeExpiredPlaces(now: now, in: db)
        var codes = CategoryCodes()
        return try Registry.recordCheckIn(of: business, at: position, accuracy: accuracy, source: source, endsAt: ends, now: now,
                                          liveMessage: liveMessage, codes: &codes, in: db)
    }

    /// `checkIn(_:now:)` (many vendors at once) inside the caller's transaction.
    @discardableResult
    public func checkIn(_ positions: [(businessID: Int64, position: GeoPoint)], now: Date = Date()) throws -> Int {
        let ends = endOfDay(after: now)
        try Registry.purgeExpiredPlaces(now: now, in: db)
        var codes = CategoryCodes()
        var count = 0
        for entry in positions {
            guard let business = try self.business(id: entry.businessID) else { continue }
            guard business.mode == .berkeliling, business.status == .active else { continue }
            try Registry.recordCheckIn(of: business, at: entry.position, accuracy: nil, source: .location, endsAt: ends, now: now,
                                       codes: &codes, in: db)
            count += 1
        }
        return count
    }

    /// `moveCheckIn(businessID:to:accuracy:now:)` inside the caller's transaction.
    @discardableResult
    public func moveCheckIn(businessID: Int64, to position: GeoPoint, accuracy: Double? = nil, now: Date = Date()) throws -> Bool {
        let timestamp = Int64(now.timeIntervalSince1970)
        try db.cachedStatement(sql: """
            UPDATE checkin SET latitude = ?, longitude = ?, accuracy = ?, updated_at = ?
            WHERE business_id = ? AND ended_at IS NULL AND ends_at > ?
            """).execute(arguments: [position.latitude, position.longitude, accuracy, timestamp, businessID, timestamp])
        guard db.changesCount > 0 else { return false }
        var codes = CategoryCodes()
        try Registry.syncPlace(businessID: businessID, now: now, codes: &codes, in: db)
        return true
    }

    /// `checkOut(businessID:now:)` inside the caller's transaction.
    @discardableResult
    public func checkOut(businessID: Int64, now: Date = Date()) throws -> Bool {
        let timestamp = Int64(now.timeIntervalSince1970)
        try db.cachedStatement(sql: "UPDATE checkin SET ended_at = ? WHERE business_id = ? AND ended_at IS NULL AND ends_at > ?").execute(arguments: [timestamp, businessID, timestamp])
        let ended = db.changesCount > 0
        var codes = CategoryCodes()
        try Registry.syncPlace(businessID: businessID, now: now, codes: &codes, in: db)
        return ended
    }

    /// `activeCheckIn(businessID:now:)` inside the caller's transaction.
    public func activeCheckIn(businessID: Int64, now: Date = Date()) throws -> CheckIn? {
        try Row.fetchOne(db.cachedStatement(sql: """
            SELECT * FROM checkin WHERE business_id = ? AND ended_at IS NULL AND ends_at > ? ORDER BY started_at DESC LIMIT 1
            """), arguments: [businessID, Int64(now.timeIntervalSince1970)]).map { row in
            let ended: Int64? = row["ended_at"]
            return CheckIn(id: row["id"], businessID: row["business_id"], position: GeoPoint(latitude: row["latitude"], longitude: row["longitude"]),
                           accuracy: row["accuracy"], source: CheckIn.Source(rawValue: row["source"]) ?? .location,
                           startedAt: Date(timeIntervalSince1970: TimeInterval(row["started_at"] as Int64)),
                           updatedAt: Date(timeIntervalSince1970: TimeInterval(row["updated_at"] as Int64)),
                           endsAt: Date(timeIntervalSince1970: TimeInterval(row["ends_at"] as Int64)),
                           endedAt: ended.map { Date(timeIntervalSince1970: TimeInterval($0)) })
        }
    }

    /// `checkedOutToday(businessID:now:)` inside the caller's transaction.
    public func checkedOutToday(businessID: Int64, now: Date = Date()) throws -> Bool {
        // Started today, not yesterday: a check-in ended yesterday says nothing about today.
        let since = Int64(registry.startOfDay(containing: now).timeIntervalSince1970)
        return try Bool.fetchOne(db.cachedStatement(sql: """
            SELECT EXISTS (SELECT 1 FROM checkin WHERE business_id = ? AND started_at >= ? AND ended_at IS NOT NULL AND ended_at <= ?)
            """), arguments: [businessID, since, Int64(now.timeIntervalSince1970)]) ?? false
    }

    /// `purgeExpiredPlaces(now:)` inside the caller's transaction.
    @discardableResult
    public func purgeExpiredPlaces(now: Date = Date()) throws -> Int {
        try Registry.purgeExpiredPlaces(now: now, in: db)
    }
}
