import Foundation
import LapakRegistry
import PostgresNIO

/// How the coaching programme's rows are read on PostgreSQL: the columns each query selects, in the order
/// the decoders below expect, so a query and its decoder cannot drift apart.
enum CoachingRows {
    /// The business columns, qualified by `alias`, in `business(from:)`'s order.
    static func businessColumns(_ alias: String) -> String {
        ["id", "registry_id", "name", "category", "mode", "latitude", "longitude", "kelurahan", "address", "phone",
         "owner_telegram_id", "halal", "status", "verified", "source"].map { "\(alias).\($0)" }.joined(separator: ", ")
    }

    /// A business from a row selected with `businessColumns`.
    static func business(from row: PostgresRow) throws -> Business {
        let cells = row.makeRandomAccess()
        let latitude = try cells[5].decode(Double?.self), longitude = try cells[6].decode(Double?.self)
        return Business(
            id: try cells[0].decode(Int64.self), registryID: try cells[1].decode(String.self), name: try cells[2].decode(String.self),
            category: try cells[3].decode(String.self), mode: OperatingMode(rawValue: try cells[4].decode(String.self)) ?? .menetap,
            location: latitude.flatMap { lat in longitude.map { GeoPoint(latitude: lat, longitude: $0) } },
            kelurahan: try cells[7].decode(String.self), address: try cells[8].decode(String.self), phone: try cells[9].decode(String.self),
            ownerTelegramID: try cells[10].decode(Int64?.self), halal: try cells[11].decode(Bool.self),
            status: BusinessStatus(rawValue: try cells[12].decode(String.self)) ?? .active, verified: try cells[13].decode(Bool.self),
            source: BusinessSource(rawValue: try cells[14].decode(String.self)) ?? .imported)
    }

    /// The apprenticeship columns in `apprenticeship(from:)`'s order.
    static let apprenticeshipColumns = """
        id, beginner_id, mentor_id, status, beginner_accepted, mentor_accepted, beginner_username, mentor_username, weeks,
        proposed_by, created_at, starts_at, ends_at, closed_at
        """

    /// An apprenticeship from a row selected with `apprenticeshipColumns`.
    static func apprenticeship(from row: PostgresRow) throws -> Apprenticeship {
        let cells = row.makeRandomAccess()
        func optionalDate(_ index: Int) throws -> Date? { try cells[index].decode(Int64?.self).map(CoachingRows.date(fromSeconds:)) }
        return Apprenticeship(
            id: try cells[0].decode(Int64.self), beginnerID: try cells[1].decode(Int64.self), mentorID: try cells[2].decode(Int64.self),
            status: ApprenticeshipStatus(rawValue: try cells[3].decode(String.self)) ?? .cancelled,
            beginnerAccepted: try cells[4].decode(Bool.self), mentorAccepted: try cells[5].decode(Bool.self),
            beginnerUsername: try cells[6].decode(String?.self), mentorUsername: try cells[7].decode(String?.self),
            weeks: try cells[8].decode(Int.self), proposedBy: try cells[9].decode(Int64.self),
            createdAt: date(fromSeconds: try cells[10].decode(Int64.self)), startsAt: try optionalDate(11), endsAt: try optionalDate(12),
            closedAt: try optionalDate(13))
    }

    /// The group columns (with its member and support counts), group aliased `g`, in `group(from:)`'s order.
    static let groupColumns = """
        g.id, g.name, g.category, g.kelurahan, g.created_at,
        (SELECT count(*) FROM business_group_member m WHERE m.group_id = g.id),
        (SELECT count(*) FROM business_group_support s WHERE s.group_id = g.id)
        """

    /// A group from a row selected with `groupColumns`.
    static func group(from row: PostgresRow) throws -> BusinessGroup {
        let (id, name, category, kelurahan, created, members, support) = try row.decode((Int64, String, String, String, Int64, Int, Int).self)
        return BusinessGroup(id: id, name: name, category: category, kelurahan: kelurahan, createdAt: date(fromSeconds: created),
                             memberCount: members, supportCount: support)
    }

    /// A stored timestamp (whole seconds since 1970) as a date.
    static func date(fromSeconds seconds: Int64) -> Date { Date(timeIntervalSince1970: TimeInterval(seconds)) }

    /// A date as stored: whole seconds since 1970, truncated as SQLite's store truncates.
    static func seconds(_ date: Date) -> Int64 { Int64(date.timeIntervalSince1970) }

    /// A week in seconds, as SQLite's `Registry.Session.week`.
    static let week: Int64 = 7 * 24 * 3600
}

extension PostgresSession {
    /// Whether business `id` exists; the coaching methods refuse unknown businesses as SQLite's do.
    func coachingBusinessExists(_ id: Int64) throws -> Bool {
        try one("SELECT 1::int8 FROM business WHERE id = \(id)", as: Int64.self) != nil
    }
}
