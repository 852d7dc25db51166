import Foundation
import LapakRegistry
import PostgresNIO

/// Business groups (kelompok usaha) on PostgreSQL, answering as SQLite's `Registry+BusinessGroups.swift`.
extension PostgresSession {
    /// Every group, newest first.
    public func businessGroups(limit: Int) throws -> [BusinessGroup] {
        try rows("SELECT \(unescaped: CoachingRows.groupColumns) FROM business_group g ORDER BY g.id DESC LIMIT \(limit)").map(CoachingRows.group(from:))
    }

    /// The group with this id.
    public func businessGroup(id: Int64) throws -> BusinessGroup? {
        try rows("SELECT \(unescaped: CoachingRows.groupColumns) FROM business_group g WHERE g.id = \(id)").first.map(CoachingRows.group(from:))
    }

    /// The groups business `id` belongs to, oldest first.
    public func groups(ofBusiness id: Int64) throws -> [BusinessGroup] {
        try rows("""
            SELECT \(unescaped: CoachingRows.groupColumns) FROM business_group g JOIN business_group_member bm ON bm.group_id = g.id
            WHERE bm.business_id = \(id) ORDER BY g.id
            """).map(CoachingRows.group(from:))
    }

    /// Creates a group with its members (duplicates and unknown businesses are refused, nothing is stored then).
    ///
    /// Members are checked before anything is written, so a caller that catches the error finds no
    /// half-made group; the first unknown member in id order is the one named, as on SQLite.
    public func createGroup(name: String, category: String, kelurahan: String, members: [Int64], by staffID: Int64,
                            now: Date) throws -> BusinessGroup {
        let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw BusinessGroupError("a group needs a name") }
        guard !members.isEmpty else { throw BusinessGroupError("a group needs at least one member") }
        let distinct = Set(members).sorted()
        try requireBusinesses(distinct)
        let timestamp = CoachingRows.seconds(now)
        guard let id = try one("""
            INSERT INTO business_group (name, category, kelurahan, created_by, created_at)
            VALUES (\(trimmed), \(category), \(kelurahan), \(staffID), \(timestamp)) RETURNING id
            """, as: Int64.self) else { throw BusinessGroupError("the group could not be stored") }
        try execute("""
            INSERT INTO business_group_member (group_id, business_id, added_at)
            SELECT \(id), member, \(timestamp) FROM unnest(\(distinct)::int8[]) AS member
            """)
        guard let group = try businessGroup(id: id) else { throw BusinessGroupError("the group vanished while being created") }
        return group
    }

    /// Makes `members` the members of group `id`: new ones are added, the others removed.
    ///
    /// The group's row is locked first (`FOR UPDATE`): two staff editing one group at once take turns, so
    /// each sees the members the other left and reports only the businesses it really added.
    /// - Returns: the businesses that were added.
    @discardableResult
    public func setMembers(ofGroup id: Int64, to members: [Int64], now: Date) throws -> [Int64] {
        guard !members.isEmpty else { throw BusinessGroupError("a group needs at least one member") }
        guard try one("SELECT id FROM business_group WHERE id = \(id) FOR UPDATE", as: Int64.self) != nil else {
            throw BusinessGroupError("no group with id \(id)")
        }
        let current = Set(try all("SELECT business_id FROM business_group_member WHERE group_id = \(id)", as: Int64.self))
        let wanted = Set(members)
        let added = wanted.subtracting(current).sorted()
        try requireBusinesses(added)
        let gone = current.subtracting(wanted).sorted()
        if !gone.isEmpty {
            try execute("DELETE FROM business_group_member WHERE group_id = \(id) AND business_id = ANY(\(gone)::int8[])")
        }
        if !added.isEmpty {
            try execute("""
                INSERT INTO business_group_member (group_id, business_id, added_at)
                SELECT \(id), member, \(CoachingRows.seconds(now)) FROM unnest(\(added)::int8[]) AS member
                """)
        }
        return added
    }

    /// The member businesses of group `id`, by name (byte order, as SQLite's BINARY collation).
    public func members(ofGroup id: Int64) throws -> [Business] {
        try rows("""
            SELECT \(unescaped: CoachingRows.businessColumns("b")) FROM business_group_member m JOIN business b ON b.id = m.business_id
            WHERE m.group_id = \(id) ORDER BY b.name COLLATE "C", b.id
            """).map(CoachingRows.business(from:))
    }

    /// Records support given to group `id` on `date` (`YYYY-MM-DD`).
    @discardableResult
    public func recordSupport(_ kind: SupportKind, description: String, on date: String, toGroup id: Int64, by staffID: Int64,
                              now: Date) throws -> GroupSupport {
        let text = description.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else { throw BusinessGroupError("a support entry needs a description") }
        guard try businessGroup(id: id) != nil else { throw BusinessGroupError("no group with id \(id)") }
        guard let supportID = try one("""
            INSERT INTO business_group_support (group_id, kind, description, given_on, recorded_by, created_at)
            VALUES (\(id), \(kind.rawValue), \(text), \(date), \(staffID), \(CoachingRows.seconds(now))) RETURNING id
            """, as: Int64.self) else { throw BusinessGroupError("the support entry could not be stored") }
        return GroupSupport(id: supportID, groupID: id, kind: kind, description: text, givenOn: date)
    }

    /// The support given to group `id`, newest date first.
    public func support(ofGroup id: Int64, limit: Int) throws -> [GroupSupport] {
        try all("""
            SELECT id, group_id, kind, description, given_on FROM business_group_support WHERE group_id = \(id)
            ORDER BY given_on COLLATE "C" DESC, id DESC LIMIT \(limit)
            """, as: (Int64, Int64, String, String, String).self).map {
            GroupSupport(id: $0.0, groupID: $0.1, kind: SupportKind(rawValue: $0.2) ?? .other, description: $0.3, givenOn: $0.4)
        }
    }

    /// Active businesses of one kind in one kelurahan, by name: candidates for a new group. The kelurahan
    /// matches ignoring ASCII case, as SQLite's `COLLATE NOCASE`.
    public func businesses(category: String, kelurahan: String, limit: Int) throws -> [Business] {
        try rows("""
            SELECT \(unescaped: CoachingRows.businessColumns("b")) FROM business b
            WHERE b.status = 'active' AND b.category = \(category) AND lower(b.kelurahan) = lower(\(kelurahan))
            ORDER BY b.name COLLATE "C", b.id LIMIT \(limit)
            """).map(CoachingRows.business(from:))
    }

    /// Totals for /statistik: groups, memberships, and support entries by kind.
    public func groupTotals() throws -> (groups: Int, members: Int, support: [SupportKind: Int]) {
        let groups = try one("SELECT count(*) FROM business_group", as: Int.self) ?? 0
        let members = try one("SELECT count(DISTINCT business_id) FROM business_group_member", as: Int.self) ?? 0
        var support: [SupportKind: Int] = [:]
        for (kind, count) in try all("SELECT kind, count(*) FROM business_group_support GROUP BY kind", as: (String, Int).self) {
            if let kind = SupportKind(rawValue: kind) { support[kind] = count }
        }
        return (groups, members, support)
    }

    /// Throws `RegistryError.noSuchBusiness` for the first of `ids` (in the order given) that does not exist.
    func requireBusinesses(_ ids: [Int64]) throws {
        guard !ids.isEmpty else { return }
        let known = Set(try all("SELECT id FROM business WHERE id = ANY(\(ids)::int8[])", as: Int64.self))
        if let missing = ids.first(where: { !known.contains($0) }) { throw RegistryError.noSuchBusiness(missing) }
    }
}
