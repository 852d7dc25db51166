import Foundation
import CRTreeNearest
import GRDB
import LapakDatabase

/// A senior business proposed for a beginner: where it is, how far, how long registered, how much room.
public struct MentorCandidate: Sendable, Hashable {
    public var business: Business
    /// Metres from the beginner.
    public var distance: Double
    /// When the business entered the registry (years registered are counted from it).
    public var registeredAt: Date
    /// Apprentices it can still take.
    public var room: Int

    /// A candidate as found (the PostgreSQL store builds these too).
    public init(business: Business, distance: Double, registeredAt: Date, room: Int) {
        self.business = business
        self.distance = distance
        self.registeredAt = registeredAt
        self.room = room
    }
}

extension Registry.Session {
    /// When a business entered the registry (business.created_at).
    public func registeredAt(ofBusiness id: Int64) throws -> Date? {
        try Int64.fetchOne(db.cachedStatement(sql: "SELECT created_at FROM business WHERE id = ?"), arguments: [id])
            .map { Date(timeIntervalSince1970: TimeInterval($0)) }
    }

    /// Where a business is for matching: where it can be found now, else its home base, else its kelurahan.
    public func matchingPosition(of business: Business) throws -> GeoPoint? {
        if let position = try currentPosition(ofBusiness: business.id) { return position }
        if let location = business.location { return location }
        return Kelurahan.named(business.kelurahan).map { GeoPoint(latitude: $0.latitude, longitude: $0.longitude) }
    }

    /// Seniors for `beginner`: the same kind, verified, active, linked to Telegram, declared willing to
    /// coach and with room, nearest first, by exact distance between their places in the search index.
    ///
    /// The willing seniors of a kind are few (one query over the `business_kind` index and `coaching_role`): up to `directLimit` of them
    /// are measured directly from their indexed places; more are found by walking the registry's R*Tree
    /// (lapak_nearest) of the kind nearest first, which stops once no later entry can enter the page. A
    /// walk alone costs a visit of every business of the kind when fewer than `limit` seniors exist.
    public func proposeMentors(for beginner: Business, limit: Int = 5, maxDistance: Double = 25_000,
                               directLimit: Int = 256) throws -> [MentorCandidate] {
        guard limit > 0, let origin = try matchingPosition(of: beginner) else { return [] }
        var willing: [Int64: (registered: Int64, room: Int)] = [:]
        try Row.fetchCursor(db.cachedStatement(sql: """
            SELECT b.id, b.created_at,
                   c.capacity - (SELECT count(*) FROM apprenticeship a WHERE a.mentor_id = b.id AND a.status IN ('proposed', 'active'))
            FROM business b INDEXED BY business_kind JOIN coaching_role c ON c.business_id = b.id AND c.role = 'mentor'
            WHERE b.category = ? AND b.verified = 1 AND b.status = 'active' AND b.owner_telegram_id IS NOT NULL AND b.id <> ?
            """), arguments: [beginner.category, beginner.id]).forEach { row in
            let room: Int = row[2]
            if room > 0 { willing[row[0]] = (row[1], room) }
        }
        guard !willing.isEmpty else { return [] }
        var hits: [(id: Int64, position: GeoPoint, distance: Double)]
        if willing.count <= directLimit {
            let place = try db.cachedStatement(sql: "SELECT latitude, longitude FROM place WHERE business_id = ?")
            hits = try willing.keys.compactMap { id in
                try Row.fetchOne(place, arguments: [id]).flatMap { row -> (id: Int64, position: GeoPoint, distance: Double)? in
                    let position = GeoPoint(latitude: row[0], longitude: row[1])
                    let distance = origin.distance(to: position)
                    return distance <= maxDistance ? (id, position, distance) : nil
                }
            }
            hits.sort { $0.distance != $1.distance ? $0.distance < $1.distance : $0.id < $1.id }
            hits = Array(hits.prefix(limit))
        } else {
            hits = try nearestMatching(origin: origin, category: beginner.category, limit: limit, maxDistance: maxDistance) { willing[$0] != nil }
        }
        return try Registry.results(for: hits, in: db).map { result in
            let (created, room) = willing[result.business.id] ?? (0, 0)
            return MentorCandidate(business: result.business, distance: result.distance,
                                   registeredAt: Date(timeIntervalSince1970: TimeInterval(created)), room: room)
        }
    }

    /// The `limit` nearest searchable businesses of `category` around `origin` that `accept` admits,
    /// by exact distance (ties by id). Entries come from the R*Tree in increasing order of a lower bound of
    /// their distance; the walk stops once that bound passes the last distance the page needs.
    func nearestMatching(origin: GeoPoint, category: String, limit: Int, maxDistance: Double,
                         accept: (Int64) throws -> Bool) throws -> [(id: Int64, position: GeoPoint, distance: Double)] {
        guard limit > 0, let code = try CategoryCodes.existingCode(for: category, in: db) else { return [] }
        let value = Registry.indexValue(ofCategoryCode: code)
        let nearestFirst = try db.cachedStatement(sql: """
            SELECT id, min_latitude, max_latitude, min_longitude, max_longitude FROM place_index
            WHERE id MATCH lapak_nearest(?, ?, ?, ?, ?)
            """)
        let exactPosition = try db.cachedStatement(sql: "SELECT latitude, longitude FROM place WHERE business_id = ?")
        var found: [(id: Int64, position: GeoPoint, distance: Double)] = []
        try nearestFirst.forEachRow(arguments: [origin.latitude, origin.longitude, value, value, maxDistance]) { row in
            let bound = lapak_box_distance_lower_bound(origin.latitude, origin.longitude, row.double(1), row.double(2),
                                                       row.double(3), row.double(4)) - 0.01
            if found.count >= limit, bound > found[limit - 1].distance { return false }
            let id = row.int64(0)
            guard try accept(id) else { return true }
            var position: GeoPoint?
            try exactPosition.forEachRow(arguments: [id]) { place in
                position = GeoPoint(latitude: place.double(0), longitude: place.double(1))
                return false
            }
            guard let position else { return true }
            let distance = origin.distance(to: position)
            guard distance <= maxDistance else { return true }
            let index = found.firstIndex { distance < $0.distance || (distance == $0.distance && id < $0.id) } ?? found.endIndex
            found.insert((id, position, distance), at: index)
            if found.count > limit { found.removeLast() }
            return true
        }
        return found
    }
}

extension Registry {
    /// `proposeMentors(for:limit:maxDistance:)` in its own read (benchmarks, tools).
    public func proposeMentors(for beginner: Business, limit: Int = 5, directLimit: Int = 256) throws -> [MentorCandidate] {
        try database.writer.read { try session($0).proposeMentors(for: beginner, limit: limit, directLimit: directLimit) }
    }
}
