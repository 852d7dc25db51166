import Foundation
import LapakRegistry
import PostgresNIO

/// Proposing seniors for a beginner on PostgreSQL, answering as SQLite's `Registry+MentorSearch.swift`:
/// the same seniors, the same exact distances (measured here with `GeoPoint.distance`, as SQLite does,
/// from the positions stored in `place`), the same order with ties by business id.
extension PostgresSession {
    /// When a business entered the registry (business.created_at).
    public func registeredAt(ofBusiness id: Int64) throws -> Date? {
        try one("SELECT created_at FROM business WHERE id = \(id)", as: Int64.self).map(CoachingRows.date(fromSeconds:))
    }

    /// Where a business is for matching: where it can be found now (its `place`: the shop, or today's
    /// cart), else its home base, else its kelurahan.
    public func matchingPosition(of business: Business) throws -> GeoPoint? {
        if let (latitude, longitude) = try one("""
            SELECT ST_Y(geom::geometry), ST_X(geom::geometry) FROM place WHERE business_id = \(business.id)
            """, as: (Double, Double).self) {
            return GeoPoint(latitude: latitude, longitude: longitude)
        }
        if let location = business.location { return location }
        return Kelurahan.named(business.kelurahan).map { GeoPoint(latitude: $0.latitude, longitude: $0.longitude) }
    }

    /// Seniors for `beginner`: the same kind, verified, active, linked to Telegram, declared willing to
    /// coach and with room, nearest first, by exact distance between their places in the search index.
    ///
    /// The willing seniors of a kind are few (one query over `business` and `coaching_role`): up to
    /// `directLimit` of them are measured directly from their places; more are found by walking the kind's
    /// places nearest first on the GiST (category, geom) index (`ORDER BY geom <-> origin`), which reads
    /// pages until no later place can enter the page asked for.
    public func proposeMentors(for beginner: Business, limit: Int, maxDistance: Double, directLimit: Int) throws -> [MentorCandidate] {
        guard limit > 0, let origin = try matchingPosition(of: beginner) else { return [] }
        var willing: [Int64: (registered: Int64, room: Int)] = [:]
        for (id, created, room) in try all("""
            SELECT b.id, b.created_at,
                   c.capacity - (SELECT count(*) FROM apprenticeship a WHERE a.mentor_id = b.id AND a.status IN ('proposed', 'active'))
            FROM business b JOIN coaching_role c ON c.business_id = b.id AND c.role = 'mentor'
            WHERE b.category = \(beginner.category) AND b.verified AND b.status = 'active' AND b.owner_telegram_id IS NOT NULL
              AND b.id <> \(beginner.id)
            """, as: (Int64, Int64, Int).self) where room > 0 {
            willing[id] = (created, room)
        }
        guard !willing.isEmpty else { return [] }
        let hits = willing.count <= directLimit
            ? try nearestDirectly(Array(willing.keys), origin: origin, limit: limit, maxDistance: maxDistance)
            : try nearestByWalk(Array(willing.keys), category: beginner.category, origin: origin, limit: limit, maxDistance: maxDistance)
        guard !hits.isEmpty else { return [] }
        var businesses: [Int64: Business] = [:]
        for row in try rows("""
            SELECT \(unescaped: CoachingRows.businessColumns("b")) FROM business b WHERE b.id = ANY(\(hits.map(\.id))::int8[])
            """) {
            let business = try CoachingRows.business(from: row)
            businesses[business.id] = business
        }
        return hits.compactMap { hit in
            guard let business = businesses[hit.id], let (created, room) = willing[hit.id] else { return nil }
            return MentorCandidate(business: business, distance: hit.distance, registeredAt: CoachingRows.date(fromSeconds: created), room: room)
        }
    }

    /// A senior's place and its exact distance from the beginner.
    typealias MentorHit = (id: Int64, distance: Double)

    /// The `limit` nearest of `ids` within `maxDistance`, measuring each one's place.
    private func nearestDirectly(_ ids: [Int64], origin: GeoPoint, limit: Int, maxDistance: Double) throws -> [MentorHit] {
        let places = try all("""
            SELECT business_id, ST_Y(geom::geometry), ST_X(geom::geometry) FROM place WHERE business_id = ANY(\(ids)::int8[])
            """, as: (Int64, Double, Double).self)
        return Self.page(places, origin: origin, limit: limit, maxDistance: maxDistance)
    }

    /// Rows read past the page on each step of the walk, so equal distances at its edge are all seen.
    static let mentorWalkMargin = 8

    /// The `limit` nearest of `ids` within `maxDistance`, walking the kind's places nearest first.
    ///
    /// The index orders by sphere distance (`<->`), which agrees with `GeoPoint.distance` to well under a
    /// centimetre; a step reads `wanted` places and stops once the farthest one read is more than 1 cm past
    /// the page's last distance (or past `maxDistance`), else reads twice as many. As SQLite's R*Tree walk,
    /// it never needs every place of the kind unless the page does.
    private func nearestByWalk(_ ids: [Int64], category: String, origin: GeoPoint, limit: Int, maxDistance: Double) throws -> [MentorHit] {
        var wanted = limit + Self.mentorWalkMargin
        while true {
            let places = try all("""
                SELECT p.business_id, ST_Y(p.geom::geometry), ST_X(p.geom::geometry),
                       p.geom <-> ST_SetSRID(ST_MakePoint(\(origin.longitude), \(origin.latitude)), 4326)::geography
                FROM place p WHERE p.category = \(category) AND p.business_id = ANY(\(ids)::int8[])
                ORDER BY p.geom <-> ST_SetSRID(ST_MakePoint(\(origin.longitude), \(origin.latitude)), 4326)::geography
                LIMIT \(wanted)
                """, as: (Int64, Double, Double, Double).self)
            let page = Self.page(places.map { ($0.0, $0.1, $0.2) }, origin: origin, limit: limit, maxDistance: maxDistance)
            guard places.count == wanted, let farthest = places.last?.3 else { return page }
            let needed = page.count == limit ? page[limit - 1].distance : maxDistance
            if farthest > needed + 0.01 { return page }
            wanted *= 2
        }
    }

    /// The nearest `limit` of `places` within `maxDistance` from `origin`, by exact distance, ties by id.
    private static func page(_ places: [(Int64, Double, Double)], origin: GeoPoint, limit: Int, maxDistance: Double) -> [MentorHit] {
        let measured = places.compactMap { id, latitude, longitude -> MentorHit? in
            let distance = origin.distance(to: GeoPoint(latitude: latitude, longitude: longitude))
            return distance <= maxDistance ? (id, distance) : nil
        }
        return Array(measured.sorted { ($0.distance, $0.id) < ($1.distance, $1.id) }.prefix(limit))
    }
}
