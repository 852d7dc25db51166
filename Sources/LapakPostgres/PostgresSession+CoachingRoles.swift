import Foundation
import LapakRegistry
import PostgresNIO

/// Coaching roles on PostgreSQL, answering as SQLite's `Registry+CoachingRoles.swift`.
extension PostgresSession {
    /// Declares (or changes) the coaching role of business `id`. A mentor states a capacity in
    /// `CoachingRoleError.capacityRange`; a beginner's capacity is ignored. Declaring again keeps the
    /// original `since` when the role is unchanged, so "beginner since" survives a capacity edit.
    ///
    /// One upsert statement, so two declarations at once end as one row (the later one's role and capacity).
    public func setCoachingRole(_ role: CoachingRole, capacity: Int, ofBusiness id: Int64, now: Date) throws {
        let stored = role == .mentor ? capacity : 0
        if role == .mentor, !CoachingRoleError.capacityRange.contains(capacity) {
            throw CoachingRoleError("a mentor takes \(CoachingRoleError.capacityRange.lowerBound)–\(CoachingRoleError.capacityRange.upperBound) apprentices, not \(capacity)")
        }
        guard try coachingBusinessExists(id) else { throw RegistryError.noSuchBusiness(id) }
        try execute("""
            INSERT INTO coaching_role (business_id, role, capacity, since) VALUES (\(id), \(role.rawValue), \(stored), \(CoachingRows.seconds(now)))
            ON CONFLICT (business_id) DO UPDATE SET
                since = CASE WHEN coaching_role.role = excluded.role THEN coaching_role.since ELSE excluded.since END,
                role = excluded.role, capacity = excluded.capacity
            """)
    }

    /// Withdraws business `id` from the coaching programme (no role any more). True when it had one.
    @discardableResult
    public func clearCoachingRole(ofBusiness id: Int64) throws -> Bool {
        try execute("DELETE FROM coaching_role WHERE business_id = \(id)") > 0
    }

    /// The coaching profile of business `id`, if it declared one.
    public func coachingProfile(ofBusiness id: Int64) throws -> CoachingProfile? {
        try one("SELECT business_id, role, capacity, since FROM coaching_role WHERE business_id = \(id)",
                as: (Int64, String, Int, Int64).self).map { business, role, capacity, since in
            CoachingProfile(businessID: business, role: CoachingRole(rawValue: role) ?? .beginner, capacity: capacity,
                            since: CoachingRows.date(fromSeconds: since))
        }
    }

    /// Active beginners wanting coaching, optionally of one kind (category slug) and kelurahan, oldest
    /// declaration first: staff building a business group (kelompok usaha) or starting a pairing pick from these.
    public func beginners(category: String?, kelurahan: String?, limit: Int) throws -> [Business] {
        try rows("""
            SELECT \(unescaped: CoachingRows.businessColumns("b")) FROM coaching_role c JOIN business b ON b.id = c.business_id
            WHERE c.role = 'beginner' AND b.status = 'active'
              AND (\(category)::text IS NULL OR b.category = \(category)) AND (\(kelurahan)::text IS NULL OR b.kelurahan = \(kelurahan))
            ORDER BY c.since, b.id LIMIT \(limit)
            """).map(CoachingRows.business(from:))
    }
}
