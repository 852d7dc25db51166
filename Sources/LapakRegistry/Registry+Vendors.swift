import Foundation
import GRDB
import LapakDatabase

/// What vendors and staff do to their records: enroll, link an account, edit, close for the day, verify.
extension Registry {
    /// Stores a self-enrolled business: active at once, not yet verified, owned by `owner`.
    ///
    /// Its registry id is the next free `TG-000001`-style number, so the agency can tell self-enrolled
    /// records from its own imports at a glance. `halalClaimed` records the owner's word; the halal mark
    /// itself waits for staff.
    public func enroll(_ business: Business, owner: Int64, halalClaimed: Bool = false, now: Date = Date()) async throws -> Business {
        try await database.writer.write { try session($0).enroll(business, owner: owner, halalClaimed: halalClaimed, now: now) }
    }

    /// The businesses an account owns (deleted ones excluded), oldest first.
    public func businesses(ownedBy owner: Int64) async throws -> [Business] {
        try await database.writer.read { try session($0).businesses(ownedBy: owner) }
    }

    /// Businesses registered with `phone` (normalised `+62…`), deleted ones excluded.
    public func businesses(phone: String) async throws -> [Business] {
        try await database.writer.read { try session($0).businesses(phone: phone) }
    }

    /// Saves changed fields of an existing business (found by id); its status is kept.
    @discardableResult
    public func update(_ business: Business, now: Date = Date()) async throws -> Business {
        try await database.writer.write { try session($0).update(business, now: now) }
    }

    /// Marks a business checked (or not) by the agency. Verifying confirms the owner's halal claim too:
    /// staff check the certificate with the rest of the record.
    public func setVerified(_ verified: Bool, ofBusiness id: Int64, now: Date = Date()) async throws {
        try await database.writer.write { try session($0).setVerified(verified, ofBusiness: id, now: now) }
    }

    // MARK: - Halal claims

    /// Records (or withdraws) the owner's word that the business is halal certified, awaiting staff.
    public func setHalalClaim(_ claimed: Bool, ofBusiness id: Int64, now: Date = Date()) async throws {
        try await database.writer.write { try session($0).setHalalClaim(claimed, ofBusiness: id, now: now) }
    }

    /// Whether the owner claims a halal certificate that staff have not confirmed yet.
    public func hasHalalClaim(_ id: Int64) async throws -> Bool {
        try await database.writer.read { try session($0).hasHalalClaim(id) }
    }

    /// Staff set the certificate mark itself (/halal, or a card's button); any pending claim is settled.
    @discardableResult
    public func certifyHalal(_ certified: Bool, ofBusiness id: Int64, now: Date = Date()) async throws -> Business {
        try await database.writer.write { try session($0).certifyHalal(certified, ofBusiness: id, now: now) }
    }

    /// Self-enrolled businesses not yet checked by staff (active ones), oldest first, and how many there are.
    public func unverified(limit: Int) async throws -> (businesses: [Business], total: Int) {
        try await database.writer.read { try session($0).unverified(limit: limit) }
    }

    // MARK: - Closed today (menetap)

    /// Hides a fixed shop from searches until the next local midnight; returns when it shows again.
    @discardableResult
    public func closeToday(businessID: Int64, now: Date = Date()) async throws -> Date {
        try await database.writer.write { try session($0).closeToday(businessID: businessID, now: now) }
    }

    /// Shows a shop closed today again.
    public func reopen(businessID: Int64, now: Date = Date()) async throws {
        try await database.writer.write { try session($0).reopen(businessID: businessID, now: now) }
    }

    /// When a shop closed today opens again, if it is closed at `now`.
    public func closedUntil(businessID: Int64, now: Date = Date()) async throws -> Date? {
        try await database.writer.read { try session($0).closedUntil(businessID: businessID, now: now) }
    }

    // MARK: - Live locations

    /// Moves the check-in that follows `message` (an edit of a live location); returns its business, or
    /// nil when no active check-in follows that message (a citizen's live location, or one that ended).
    public func moveLiveCheckIn(following message: LiveMessage, to position: GeoPoint, accuracy: Double? = nil,
                                now: Date = Date()) async throws -> Business? {
        try await database.writer.write { try session($0).moveLiveCheckIn(following: message, to: position, accuracy: accuracy, now: now) }
    }

    /// Ends the check-in that follows `message` (the vendor stopped sharing); returns its business.
    public func endLiveCheckIn(following message: LiveMessage, now: Date = Date()) async throws -> Business? {
        try await database.writer.write { try session($0).endLiveCheckIn(following: message, now: now) }
    }

    fileprivate static func activeLiveCheckIn(following message: LiveMessage, at timestamp: Int64, in db: Database) throws -> Int64? {
        try Int64.fetchOne(db.cachedStatement(sql: """
            SELECT business_id FROM checkin WHERE live_chat_id = ? AND live_message_id = ? AND ended_at IS NULL AND ends_at > ?
            """), arguments: [message.chatID, message.messageID, timestamp])
    }
}

extension Registry.Session {
    /// `enroll(_:owner:halalClaimed:now:)` inside the caller's transaction.
    public func enroll(_ business: Business, owner: Int64, halalClaimed: Bool = false, now: Date = Date()) throws -> Business {
        var record = business.selfEnrolled(by: owner)
        var number = (try Int.fetchOne(db.cachedStatement(sql: "SELECT count(*) FROM business WHERE registry_id LIKE 'TG-%'")) ?? 0) + 1
        repeat {
            record.registryID = String(format: "TG-%06d", number)
            number += 1
        } while try Registry.fetchBusiness(registryID: record.registryID, in: db) != nil
        var codes = CategoryCodes()
        let stored = try Registry.upsert(record, existing: nil, now: now, codes: &codes, in: db).0
        if halalClaimed {
            try db.cachedStatement(sql: "INSERT INTO halal_claim (business_id, claimed_at) VALUES (?, ?)").execute(arguments: [stored.id, Int64(now.timeIntervalSince1970)])
        }
        return stored
    }

    /// `businesses(ownedBy:)` inside the caller's transaction.
    public func businesses(ownedBy owner: Int64) throws -> [Business] {
        try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM business WHERE owner_telegram_id = ? AND status <> 'inactive' ORDER BY id"),
                         arguments: [owner]).map(Registry.business(from:))
    }

    /// `businesses(phone:)` inside the caller's transaction.
    public func businesses(phone: String) throws -> [Business] {
        guard !phone.isEmpty else { return [] }
        return try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM business WHERE phone = ? AND status <> 'inactive' ORDER BY id"),
                                arguments: [phone]).map(Registry.business(from:))
    }

    /// `update(_:now:)` inside the caller's transaction.
    @discardableResult
    public func update(_ business: Business, now: Date = Date()) throws -> Business {
        guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM business WHERE id = ?"), arguments: [business.id]) else {
            throw RegistryError.noSuchBusiness(business.id)
        }
        var record = business
        record.registryID = Registry.business(from: row).registryID
        var codes = CategoryCodes()
        return try Registry.upsert(record, existing: Registry.business(from: row), now: now, codes: &codes, in: db).0
    }

    /// `setVerified(_:ofBusiness:now:)` inside the caller's transaction.
    public func setVerified(_ verified: Bool, ofBusiness id: Int64, now: Date = Date()) throws {
        let timestamp = Int64(now.timeIntervalSince1970)
        try db.cachedStatement(sql: "UPDATE business SET verified = ?, updated_at = ? WHERE id = ?").execute(arguments: [verified, timestamp, id])
        guard verified, try hasHalalClaim(id) else { return }
        try db.cachedStatement(sql: "UPDATE business SET halal = 1, updated_at = ? WHERE id = ?").execute(arguments: [timestamp, id])
        try db.cachedStatement(sql: "DELETE FROM halal_claim WHERE business_id = ?").execute(arguments: [id])
        var codes = CategoryCodes()
        try Registry.syncPlace(businessID: id, now: now, codes: &codes, in: db)
    }

    /// `setHalalClaim(_:ofBusiness:now:)` inside the caller's transaction.
    public func setHalalClaim(_ claimed: Bool, ofBusiness id: Int64, now: Date = Date()) throws {
        if claimed {
            try db.cachedStatement(sql: "INSERT OR IGNORE INTO halal_claim (business_id, claimed_at) VALUES (?, ?)").execute(arguments: [id, Int64(now.timeIntervalSince1970)])
        } else {
            try db.cachedStatement(sql: "DELETE FROM halal_claim WHERE business_id = ?").execute(arguments: [id])
        }
    }

    /// `hasHalalClaim(_:)` inside the caller's transaction.
    public func hasHalalClaim(_ id: Int64) throws -> Bool {
        try Bool.fetchOne(db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM halal_claim WHERE business_id = ?)"), arguments: [id]) ?? false
    }

    /// `certifyHalal(_:ofBusiness:now:)` inside the caller's transaction.
    @discardableResult
    public func certifyHalal(_ certified: Bool, ofBusiness id: Int64, now: Date = Date()) throws -> Business {
        try db.cachedStatement(sql: "UPDATE business SET halal = ?, updated_at = ? WHERE id = ?").execute(arguments: [certified, Int64(now.timeIntervalSince1970), id])
        try db.cachedStatement(sql: "DELETE FROM halal_claim WHERE business_id = ?").execute(arguments: [id])
        var codes = CategoryCodes()
        try Registry.syncPlace(businessID: id, now: now, codes: &codes, in: db)
        guard let business = try self.business(id: id) else { throw RegistryError.noSuchBusiness(id) }
        return business
    }

    /// `unverified(limit:)` inside the caller's transaction.
    public func unverified(limit: Int) throws -> (businesses: [Business], total: Int) {
        let total = try Int.fetchOne(db.cachedStatement(sql: "SELECT count(*) FROM business WHERE verified = 0 AND status = 'active'")) ?? 0
        let page = try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM business WHERE verified = 0 AND status = 'active' ORDER BY id LIMIT ?"),
                                    arguments: [limit]).map(Registry.business(from:))
        return (page, total)
    }

    /// `closeToday(businessID:now:)` inside the caller's transaction.
    @discardableResult
    public func closeToday(businessID: Int64, now: Date = Date()) throws -> Date {
        let until = endOfDay(after: now)
        try db.cachedStatement(sql: "INSERT OR REPLACE INTO closure (business_id, until) VALUES (?, ?)").execute(arguments: [businessID, Int64(until.timeIntervalSince1970)])
        var codes = CategoryCodes()
        try Registry.syncPlace(businessID: businessID, now: now, codes: &codes, in: db)
        return until
    }

    /// `reopen(businessID:now:)` inside the caller's transaction.
    public func reopen(businessID: Int64, now: Date = Date()) throws {
        try db.cachedStatement(sql: "DELETE FROM closure WHERE business_id = ?").execute(arguments: [businessID])
        var codes = CategoryCodes()
        try Registry.syncPlace(businessID: businessID, now: now, codes: &codes, in: db)
    }

    /// `closedUntil(businessID:now:)` inside the caller's transaction.
    public func closedUntil(businessID: Int64, now: Date = Date()) throws -> Date? {
        try Int64.fetchOne(db.cachedStatement(sql: "SELECT until FROM closure WHERE business_id = ? AND until > ?"),
                           arguments: [businessID, Int64(now.timeIntervalSince1970)])
            .map { Date(timeIntervalSince1970: TimeInterval($0)) }
    }

    /// `moveLiveCheckIn(following:to:accuracy:now:)` inside the caller's transaction.
    public func moveLiveCheckIn(following message: LiveMessage, to position: GeoPoint, accuracy: Double? = nil,
                                now: Date = Date()) throws -> Business? {
        let timestamp = Int64(now.timeIntervalSince1970)
        guard let businessID = try Registry.activeLiveCheckIn(following: message, at: timestamp, in: db) else { return nil }
        try db.cachedStatement(sql: """
            UPDATE checkin SET latitude = ?, longitude = ?, accuracy = ?, updated_at = ?
            WHERE live_chat_id = ? AND live_message_id = ? AND ended_at IS NULL AND ends_at > ?
            """).execute(arguments: [position.latitude, position.longitude, accuracy, timestamp, message.chatID, message.messageID, timestamp])
        var codes = CategoryCodes()
        try Registry.syncPlace(businessID: businessID, now: now, codes: &codes, in: db)
        return try business(id: businessID)
    }

    /// `endLiveCheckIn(following:now:)` inside the caller's transaction.
    public func endLiveCheckIn(following message: LiveMessage, now: Date = Date()) throws -> Business? {
        let timestamp = Int64(now.timeIntervalSince1970)
        guard let businessID = try Registry.activeLiveCheckIn(following: message, at: timestamp, in: db) else { return nil }
        try db.cachedStatement(sql: "UPDATE checkin SET ended_at = ? WHERE live_chat_id = ? AND live_message_id = ? AND ended_at IS NULL").execute(arguments: [timestamp, message.chatID, message.messageID])
        var codes = CategoryCodes()
        try Registry.syncPlace(businessID: businessID, now: now, codes: &codes, in: db)
        return try business(id: businessID)
    }
}

extension Business {
    /// This record as its owner enrolls it (either store): owned by `owner`, active at once, not yet verified,
    /// and without the halal mark, which waits for staff.
    public func selfEnrolled(by owner: Int64) -> Business {
        var record = self
        record.ownerTelegramID = owner
        record.verified = false
        record.source = .selfEnrolled
        record.status = .active
        record.halal = false
        return record
    }
}

extension Kelurahan {
    /// The kelurahan whose pin is nearest to `point` (a good guess for an address line, not a boundary test).
    public static func nearest(to point: GeoPoint) -> Kelurahan {
        bontang.min { point.distance(to: GeoPoint(latitude: $0.latitude, longitude: $0.longitude))
            < point.distance(to: GeoPoint(latitude: $1.latitude, longitude: $1.longitude)) }!
    }
}
