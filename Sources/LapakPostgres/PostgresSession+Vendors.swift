import Foundation
import LapakRegistry
import PostgresNIO

/// What vendors and staff do to their records on PostgreSQL: enroll, edit, verify, halal claims, closed today,
/// live locations. As SQLite's `Registry+Vendors.swift`.
extension PostgresSession {
    /// Stores a self-enrolled business: active at once, not yet verified, owned by `owner`.
    ///
    /// Its registry id is the next free `TG-000001`-style number, counted as SQLite counts it. Two workers
    /// enrolling at once count the same number: the insert is `ON CONFLICT (registry_id) DO NOTHING`, which
    /// waits for the other transaction and, once that one has committed the number, inserts nothing, so this
    /// one tries the next number. The unique registry id decides and the transaction never aborts. (A
    /// sequence would not do: it leaves gaps at every rollback and ignores `TG-` ids imported from a sheet.)
    public func enroll(_ business: Business, owner: Int64, halalClaimed: Bool, now: Date) throws -> Business {
        var record = business.selfEnrolled(by: owner)
        // ILIKE: SQLite's LIKE is case-insensitive.
        var number = (try one("SELECT count(*) FROM business WHERE registry_id ILIKE 'TG-%'", as: Int.self) ?? 0) + 1
        let timestamp = PostgresBusinessRow.timestamp(now)
        while true {
            record.registryID = String(format: "TG-%06d", number)
            number += 1
            if let id = try insertBusiness(record, at: timestamp) {
                record.id = id
                break
            }
        }
        try syncPlace(businessID: record.id, now: now)
        if halalClaimed {
            try execute("INSERT INTO halal_claim (business_id, claimed_at) VALUES (\(record.id), \(timestamp))")
        }
        return record
    }

    /// The businesses an account owns (deleted ones excluded), oldest first.
    public func businesses(ownedBy owner: Int64) throws -> [Business] {
        try businesses(where: "b.owner_telegram_id = \(owner) AND b.status <> 'inactive' ORDER BY b.id")
    }

    /// Businesses registered with `phone` (normalised `+62…`), deleted ones excluded.
    public func businesses(phone: String) throws -> [Business] {
        guard !phone.isEmpty else { return [] }
        return try businesses(where: "b.phone = \(phone) AND b.status <> 'inactive' ORDER BY b.id")
    }

    /// Saves changed fields of an existing business (found by id); its status is kept.
    public func update(_ business: Business, now: Date) throws -> Business {
        guard let existing = try self.business(id: business.id) else { throw RegistryError.noSuchBusiness(business.id) }
        var record = business
        record.registryID = existing.registryID
        return try upsert(record, existing: existing, now: now).0
    }

    /// Marks a business checked (or not) by the agency; verifying confirms a pending halal claim too.
    public func setVerified(_ verified: Bool, ofBusiness id: Int64, now: Date) throws {
        let timestamp = PostgresBusinessRow.timestamp(now)
        try execute("UPDATE business SET verified = \(verified), updated_at = \(timestamp) WHERE id = \(id)")
        guard verified else { return }
        // The claim is taken by the same statement that removes it, so two staff verifying at once confirm it once.
        guard try execute("DELETE FROM halal_claim WHERE business_id = \(id)") > 0 else { return }
        try execute("UPDATE business SET halal = true, updated_at = \(timestamp) WHERE id = \(id)")
        try syncPlace(businessID: id, now: now)
    }

    /// Records (or withdraws) the owner's word that the business is halal certified, awaiting staff.
    public func setHalalClaim(_ claimed: Bool, ofBusiness id: Int64, now: Date) throws {
        if claimed {
            try execute("INSERT INTO halal_claim (business_id, claimed_at) VALUES (\(id), \(PostgresBusinessRow.timestamp(now))) ON CONFLICT DO NOTHING")
        } else {
            try execute("DELETE FROM halal_claim WHERE business_id = \(id)")
        }
    }

    /// Whether the owner claims a halal certificate that staff have not confirmed yet.
    public func hasHalalClaim(_ id: Int64) throws -> Bool {
        try one("SELECT EXISTS (SELECT 1 FROM halal_claim WHERE business_id = \(id))", as: Bool.self) ?? false
    }

    /// Staff set the certificate mark itself; any pending claim is settled.
    public func certifyHalal(_ certified: Bool, ofBusiness id: Int64, now: Date) throws -> Business {
        try execute("UPDATE business SET halal = \(certified), updated_at = \(PostgresBusinessRow.timestamp(now)) WHERE id = \(id)")
        try execute("DELETE FROM halal_claim WHERE business_id = \(id)")
        try syncPlace(businessID: id, now: now)
        guard let business = try business(id: id) else { throw RegistryError.noSuchBusiness(id) }
        return business
    }

    /// Self-enrolled businesses not yet checked by staff (active ones), oldest first, and how many there are.
    public func unverified(limit: Int) throws -> (businesses: [Business], total: Int) {
        let total = try one("SELECT count(*) FROM business WHERE NOT verified AND status = 'active'", as: Int.self) ?? 0
        return (try businesses(where: "NOT b.verified AND b.status = 'active' ORDER BY b.id LIMIT \(limit)"), total)
    }

    /// Hides a fixed shop from searches until the next local midnight; returns when it shows again.
    public func closeToday(businessID: Int64, now: Date) throws -> Date {
        let until = endOfDay(after: now)
        try execute("""
            INSERT INTO closure (business_id, until) VALUES (\(businessID), \(PostgresBusinessRow.timestamp(until)))
            ON CONFLICT (business_id) DO UPDATE SET until = excluded.until
            """)
        try syncPlace(businessID: businessID, now: now)
        return until
    }

    /// Shows a shop closed today again.
    public func reopen(businessID: Int64, now: Date) throws {
        try execute("DELETE FROM closure WHERE business_id = \(businessID)")
        try syncPlace(businessID: businessID, now: now)
    }

    /// When a shop closed today opens again, if it is closed at `now`.
    public func closedUntil(businessID: Int64, now: Date) throws -> Date? {
        try one("SELECT until FROM closure WHERE business_id = \(businessID) AND until > \(PostgresBusinessRow.timestamp(now))", as: Int64.self)
            .map { Date(timeIntervalSince1970: TimeInterval($0)) }
    }

    /// Moves the check-in that follows `message`; returns its business, or nil when none is active.
    public func moveLiveCheckIn(following message: LiveMessage, to position: GeoPoint, accuracy: Double?, now: Date) throws -> Business? {
        let timestamp = PostgresBusinessRow.timestamp(now)
        // One statement finds and moves it, so an edit racing the end of the live location moves nothing.
        guard let businessID = try one("""
            UPDATE checkin SET latitude = \(position.latitude), longitude = \(position.longitude), accuracy = \(accuracy),
                updated_at = \(timestamp)
            WHERE live_chat_id = \(message.chatID) AND live_message_id = \(Int64(message.messageID)) AND ended_at IS NULL
                AND ends_at > \(timestamp)
            RETURNING business_id
            """, as: Int64.self) else { return nil }
        try syncPlace(businessID: businessID, now: now)
        return try business(id: businessID)
    }

    /// Ends the check-in that follows `message` (the vendor stopped sharing); returns its business.
    public func endLiveCheckIn(following message: LiveMessage, now: Date) throws -> Business? {
        let timestamp = PostgresBusinessRow.timestamp(now)
        guard let businessID = try one("""
            SELECT business_id FROM checkin
            WHERE live_chat_id = \(message.chatID) AND live_message_id = \(Int64(message.messageID)) AND ended_at IS NULL
                AND ends_at > \(timestamp)
            """, as: Int64.self) else { return nil }
        // As SQLite: every open check-in of that message ends, an expired one too.
        try execute("""
            UPDATE checkin SET ended_at = \(timestamp)
            WHERE live_chat_id = \(message.chatID) AND live_message_id = \(Int64(message.messageID)) AND ended_at IS NULL
            """)
        try syncPlace(businessID: businessID, now: now)
        return try business(id: businessID)
    }
}
