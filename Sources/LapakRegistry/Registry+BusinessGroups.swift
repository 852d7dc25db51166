import Foundation
import GRDB
import LapakDatabase

/// A business group (kelompok usaha) the agency coaches: new businesses of one kind in one kelurahan.
public struct BusinessGroup: Sendable, Hashable {
    public var id: Int64
    public var name: String
    /// A category slug.
    public var category: String
    public var kelurahan: String
    public var createdAt: Date
    /// How many businesses belong to it.
    public var memberCount: Int
    /// How many support entries were recorded for it.
    public var supportCount: Int

    /// A group as stored (the PostgreSQL store builds these too).
    public init(id: Int64, name: String, category: String, kelurahan: String, createdAt: Date, memberCount: Int, supportCount: Int) {
        self.id = id
        self.name = name
        self.category = category
        self.kelurahan = kelurahan
        self.createdAt = createdAt
        self.memberCount = memberCount
        self.supportCount = supportCount
    }
}

/// What the agency gave a group.
public enum SupportKind: String, Sendable, Hashable, CaseIterable {
    /// A training session (pelatihan).
    case training
    /// Equipment (peralatan).
    case equipment
    /// Anything else (lainnya).
    case other
}

/// One entry of support given to a group, on a local date.
public struct GroupSupport: Sendable, Hashable {
    public var id: Int64
    public var groupID: Int64
    public var kind: SupportKind
    public var description: String
    /// The local date as `YYYY-MM-DD`.
    public var givenOn: String

    /// A support entry as stored (the PostgreSQL store builds these too).
    public init(id: Int64, groupID: Int64, kind: SupportKind, description: String, givenOn: String) {
        self.id = id
        self.groupID = groupID
        self.kind = kind
        self.description = description
        self.givenOn = givenOn
    }
}

/// A group that cannot be stored, with what is wrong.
public struct BusinessGroupError: Error, Sendable, Hashable, CustomStringConvertible {
    public var description: String
    /// An error saying what is wrong.
    public init(_ description: String) { self.description = description }
}

extension Registry {
    /// Every group, newest first; see the session's `businessGroups`.
    public func businessGroups() async throws -> [BusinessGroup] {
        try await database.writer.read { try session($0).businessGroups() }
    }

    /// Creates a group with its members; see the session's `createGroup`.
    public func createGroup(name: String, category: String, kelurahan: String, members: [Int64], by staffID: Int64,
                            now: Date = Date()) async throws -> BusinessGroup {
        try await database.writer.write {
            try session($0).createGroup(name: name, category: category, kelurahan: kelurahan, members: members, by: staffID, now: now)
        }
    }
}

extension Registry.Session {
    private static let groupColumns = """
        g.id, g.name, g.category, g.kelurahan, g.created_at,
        (SELECT count(*) FROM business_group_member m WHERE m.group_id = g.id),
        (SELECT count(*) FROM business_group_support s WHERE s.group_id = g.id)
        """

    /// Every group, newest first.
    public func businessGroups(limit: Int = 1000) throws -> [BusinessGroup] {
        try Row.fetchAll(db.cachedStatement(sql: "SELECT \(Self.groupColumns) FROM business_group g ORDER BY g.id DESC LIMIT ?"),
                         arguments: [limit]).map(Self.group(from:))
    }

    /// The group with this id.
    public func businessGroup(id: Int64) throws -> BusinessGroup? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT \(Self.groupColumns) FROM business_group g WHERE g.id = ?"), arguments: [id])
            .map(Self.group(from:))
    }

    /// The groups business `id` belongs to, oldest first.
    public func groups(ofBusiness id: Int64) throws -> [BusinessGroup] {
        try Row.fetchAll(db.cachedStatement(sql: """
            SELECT \(Self.groupColumns) FROM business_group g JOIN business_group_member bm ON bm.group_id = g.id
            WHERE bm.business_id = ? ORDER BY g.id
            """), arguments: [id]).map(Self.group(from:))
    }

    /// Creates a group with its members (duplicates and unknown businesses are refused, nothing is stored then).
    public func createGroup(name: String, category: String, kelurahan: String, members: [Int64], by staffID: Int64,
                            now: Date = Date()) throws -> BusinessGroup {
        let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw BusinessGroupError("a group needs a name") }
        guard !members.isEmpty else { throw BusinessGroupError("a group needs at least one member") }
        let timestamp = Int64(now.timeIntervalSince1970)
        try db.cachedStatement(sql: "INSERT INTO business_group (name, category, kelurahan, created_by, created_at) VALUES (?, ?, ?, ?, ?)")
            .execute(arguments: [trimmed, category, kelurahan, staffID, timestamp])
        let id = db.lastInsertedRowID
        for member in Set(members).sorted() {
            guard try business(id: member) != nil else { throw RegistryError.noSuchBusiness(member) }
            try db.cachedStatement(sql: "INSERT INTO business_group_member (group_id, business_id, added_at) VALUES (?, ?, ?)")
                .execute(arguments: [id, member, timestamp])
        }
        guard let group = try businessGroup(id: id) else { throw BusinessGroupError("the group vanished while being created") }
        return group
    }

    /// Makes `members` the members of group `id`: new ones are added, the others removed.
    /// - Returns: the businesses that were added.
    @discardableResult
    public func setMembers(ofGroup id: Int64, to members: [Int64], now: Date = Date()) throws -> [Int64] {
        guard !members.isEmpty else { throw BusinessGroupError("a group needs at least one member") }
        guard try businessGroup(id: id) != nil else { throw BusinessGroupError("no group with id \(id)") }
        let current = Set(try Int64.fetchAll(db.cachedStatement(sql: "SELECT business_id FROM business_group_member WHERE group_id = ?"),
                                             arguments: [id]))
        let wanted = Set(members)
        for gone in current.subtracting(wanted) {
            try db.cachedStatement(sql: "DELETE FROM business_group_member WHERE group_id = ? AND business_id = ?").execute(arguments: [id, gone])
        }
        let added = wanted.subtracting(current).sorted()
        for member in added {
            guard try business(id: member) != nil else { throw RegistryError.noSuchBusiness(member) }
            try db.cachedStatement(sql: "INSERT INTO business_group_member (group_id, business_id, added_at) VALUES (?, ?, ?)")
                .execute(arguments: [id, member, Int64(now.timeIntervalSince1970)])
        }
        return added
    }

    /// The member businesses of group `id`, by name.
    public func members(ofGroup id: Int64) throws -> [Business] {
        try Row.fetchAll(db.cachedStatement(sql: """
            SELECT business.* FROM business_group_member m JOIN business ON business.id = m.business_id
            WHERE m.group_id = ? ORDER BY business.name, business.id
            """), arguments: [id]).map(Registry.business(from:))
    }

    /// Records support given to group `id` on `date` (`YYYY-MM-DD`).
    @discardableResult
    public func recordSupport(_ kind: SupportKind, description: String, on date: String, toGroup id: Int64, by staffID: Int64,
                              now: Date = Date()) throws -> GroupSupport {
        let text = description.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else { throw BusinessGroupError("a support entry needs a description") }
        guard try businessGroup(id: id) != nil else { throw BusinessGroupError("no group with id \(id)") }
        try db.cachedStatement(sql: """
            INSERT INTO business_group_support (group_id, kind, description, given_on, recorded_by, created_at) VALUES (?, ?, ?, ?, ?, ?)
            """).execute(arguments: [id, kind.rawValue, text, date, staffID, Int64(now.timeIntervalSince1970)])
        return GroupSupport(id: db.lastInsertedRowID, groupID: id, kind: kind, description: text, givenOn: date)
    }

    /// The support given to group `id`, newest date first.
    public func support(ofGroup id: Int64, limit: Int = 50) throws -> [GroupSupport] {
        try Row.fetchAll(db.cachedStatement(sql: """
            SELECT id, group_id, kind, description, given_on FROM business_group_support WHERE group_id = ?
            ORDER BY given_on DESC, id DESC LIMIT ?
            """), arguments: [id, limit]).map {
            GroupSupport(id: $0[0], groupID: $0[1], kind: SupportKind(rawValue: $0[2]) ?? .other, description: $0[3], givenOn: $0[4])
        }
    }

    /// Active businesses of one kind in one kelurahan, by name: candidates for a new group.
    public func businesses(category: String, kelurahan: String, limit: Int = 200) throws -> [Business] {
        try Row.fetchAll(db.cachedStatement(sql: """
            SELECT * FROM business WHERE status = 'active' AND category = ? AND kelurahan = ? COLLATE NOCASE
            ORDER BY name, id LIMIT ?
            """), arguments: [category, kelurahan, limit]).map(Registry.business(from:))
    }

    /// Totals for /statistik: groups, memberships, and support entries by kind.
    public func groupTotals() throws -> (groups: Int, members: Int, support: [SupportKind: Int]) {
        let groups = try Int.fetchOne(db, sql: "SELECT count(*) FROM business_group") ?? 0
        let members = try Int.fetchOne(db, sql: "SELECT count(DISTINCT business_id) FROM business_group_member") ?? 0
        var support: [SupportKind: Int] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT kind, count(*) FROM business_group_support GROUP BY kind") {
            if let kind = SupportKind(rawValue: row[0]) { support[kind] = row[1] }
        }
        return (groups, members, support)
    }

    static func group(from row: Row) -> BusinessGroup {
        BusinessGroup(id: row[0], name: row[1], category: row[2], kelurahan: row[3],
                      createdAt: Date(timeIntervalSince1970: TimeInterval(row[4] as Int64)), memberCount: row[5], supportCount: row[6])
    }
}
