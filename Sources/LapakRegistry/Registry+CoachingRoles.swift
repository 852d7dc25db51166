import Foundation
import GRDB
import LapakDatabase

/// Where a business stands in the agency's coaching programme (pembinaan).
public enum CoachingRole: String, Sendable, Hashable, CaseIterable {
    /// A new business that wants coaching: "saya pemula, ingin dibina".
    case beginner
    /// An established business willing to take apprentices: "bersedia membina".
    case mentor
}

/// A business's declared place in the coaching programme.
public struct CoachingProfile: Sendable, Hashable {
    public var businessID: Int64
    public var role: CoachingRole
    /// How many apprentices a mentor can take at once; 0 for a beginner.
    public var capacity: Int
    /// When the business declared the role.
    public var since: Date

    /// A profile as stored.
    public init(businessID: Int64, role: CoachingRole, capacity: Int, since: Date) {
        self.businessID = businessID
        self.role = role
        self.capacity = capacity
        self.since = since
    }
}

/// A coaching role that cannot be stored, with what is wrong.
public struct CoachingRoleError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The smallest and largest number of apprentices a mentor may offer to take.
    public static let capacityRange = 1...20

    public var description: String

    /// An error saying what is wrong.
    public init(_ description: String) { self.description = description }
}

extension Registry {
    /// Declares (or changes) the coaching role of business `id`; see the session's `setCoachingRole`.
    public func setCoachingRole(_ role: CoachingRole, capacity: Int = 0, ofBusiness id: Int64, now: Date = Date()) async throws {
        try await database.writer.write { try session($0).setCoachingRole(role, capacity: capacity, ofBusiness: id, now: now) }
    }

    /// The coaching profile of business `id`, if it declared one.
    public func coachingProfile(ofBusiness id: Int64) async throws -> CoachingProfile? {
        try await database.writer.read { try session($0).coachingProfile(ofBusiness: id) }
    }

    /// Active beginners wanting coaching; see the session's `beginners`.
    public func beginners(category: String? = nil, kelurahan: String? = nil, limit: Int = 200) async throws -> [Business] {
        try await database.writer.read { try session($0).beginners(category: category, kelurahan: kelurahan, limit: limit) }
    }
}

extension Registry.Session {
    /// Declares (or changes) the coaching role of business `id`. A mentor states a capacity in
    /// `CoachingRoleError.capacityRange`; a beginner's capacity is ignored. Declaring again keeps the
    /// original `since` when the role is unchanged, so "beginner since" survives a capacity edit.
    public func setCoachingRole(_ role: CoachingRole, capacity: Int = 0, ofBusiness id: Int64, now: Date = Date()) throws {
        let stored = role == .mentor ? capacity : 0
        if role == .mentor, !CoachingRoleError.capacityRange.contains(capacity) {
            throw CoachingRoleError("a mentor takes \(CoachingRoleError.capacityRange.lowerBound)–\(CoachingRoleError.capacityRange.upperBound) apprentices, not \(capacity)")
        }
        guard try business(id: id) != nil else { throw RegistryError.noSuchBusiness(id) }
        try db.cachedStatement(sql: """
            INSERT INTO coaching_role (business_id, role, capacity, since) VALUES (?, ?, ?, ?)
            ON CONFLICT (business_id) DO UPDATE SET
                since = CASE WHEN role = excluded.role THEN since ELSE excluded.since END,
                role = excluded.role, capacity = excluded.capacity
            """).execute(arguments: [id, role.rawValue, stored, Int64(now.timeIntervalSince1970)])
    }

    /// Withdraws business `id` from the coaching programme (no role any more). True when it had one.
    @discardableResult
    public func clearCoachingRole(ofBusiness id: Int64) throws -> Bool {
        try db.cachedStatement(sql: "DELETE FROM coaching_role WHERE business_id = ?").execute(arguments: [id])
        return db.changesCount > 0
    }

    /// The coaching profile of business `id`, if it declared one.
    public func coachingProfile(ofBusiness id: Int64) throws -> CoachingProfile? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM coaching_role WHERE business_id = ?"), arguments: [id])
            .map(Self.coachingProfile(from:))
    }

    /// Active beginners wanting coaching, optionally of one kind (category slug) and kelurahan, oldest
    /// declaration first: staff building a business group (kelompok usaha) or starting a pairing pick from these.
    public func beginners(category: String? = nil, kelurahan: String? = nil, limit: Int = 200) throws -> [Business] {
        try Row.fetchAll(db.cachedStatement(sql: """
            SELECT business.* FROM coaching_role JOIN business ON business.id = coaching_role.business_id
            WHERE coaching_role.role = 'beginner' AND business.status = 'active'
              AND (?1 IS NULL OR business.category = ?1) AND (?2 IS NULL OR business.kelurahan = ?2)
            ORDER BY coaching_role.since, business.id LIMIT ?3
            """), arguments: [category, kelurahan, limit]).map(Registry.business(from:))
    }

    static func coachingProfile(from row: Row) -> CoachingProfile {
        CoachingProfile(businessID: row["business_id"], role: CoachingRole(rawValue: row["role"]) ?? .beginner,
                        capacity: row["capacity"], since: Date(timeIntervalSince1970: TimeInterval(row["since"] as Int64)))
    }
}
