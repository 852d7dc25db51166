import Foundation
import LapakRegistry
import PostgresNIO

/// Waves of offers on PostgreSQL, answering as `Registry.Session` does on SQLite (Registry+OverflowWaves.swift).
extension PostgresSession {
    /// SQLite's default reach of a wave (`waveCandidates(for:size:maxDistance:)`), which `offerNextWave` uses.
    static let waveReach: Double = 25_000

    /// The business columns a candidate is read with, and where it can be found now (NULL: nowhere).
    private static let candidateColumns = """
        b.id, b.registry_id, b.name, b.category, b.mode, b.latitude, b.longitude, b.kelurahan, b.address, b.phone, b.owner_telegram_id,
        b.halal, b.status, b.verified, b.source, ST_Y(p.geom::geometry) AS place_latitude, ST_X(p.geom::geometry) AS place_longitude
        """

    /// A place counts while it is a shop (no expiry) or today's check-in: the protocol passes no `now`,
    /// and the offers go out now, so the database's clock decides. (SQLite purges yesterday's carts from
    /// its index at every check-in; PostgreSQL's `place` keeps them with their expiry.)
    private static let livePlace = "(p.expires_at IS NULL OR p.expires_at > EXTRACT(EPOCH FROM now()))"

    /// The next `size` businesses to offer `order` to, none offered before: first the originator's own
    /// apprentices (active apprenticeships), then verified, active businesses of the originator's kind
    /// linked to Telegram, nearest to the order's place (a KNN walk of `place`'s GiST (category, geom) index).
    /// Never the originator's own businesses.
    public func waveCandidates(for order: OverflowOrder, size: Int, maxDistance: Double) throws -> [OfferCandidate] {
        guard size > 0, let category = try one("SELECT category FROM business WHERE id = \(order.fromBusinessID)", as: String.self) else {
            return []
        }
        // Apprentices in the order their apprenticeships were made, as SQLite's `activeApprenticeships(ofMentor:)`;
        // unlike strangers they need not be verified (staff paired them).
        let chosen = try rows("""
            SELECT \(unescaped: Self.candidateColumns)
            FROM apprenticeship a JOIN business b ON b.id = a.beginner_id
            LEFT JOIN place p ON p.business_id = b.id AND \(unescaped: Self.livePlace)
            WHERE a.mentor_id = \(order.fromBusinessID) AND a.status = 'active' AND b.status = 'active'
              AND b.owner_telegram_id IS NOT NULL AND b.owner_telegram_id <> \(order.fromUserID)
              AND NOT EXISTS (SELECT 1 FROM overflow_offer f WHERE f.order_id = \(order.id) AND f.business_id = b.id)
            ORDER BY a.id LIMIT \(size)
            """).map { try Self.candidate(from: $0, for: order, viaApprenticeship: true) }
        guard chosen.count < size else { return chosen }
        let wanted = size - chosen.count
        // Filters ride along the index walk, which stops after `wanted` rows plus a margin; the margin's rows
        // are sorted here by SQLite's exact distance and then row id, so ties at the page's edge fall as on SQLite.
        let nearest = try rows("""
            SELECT \(unescaped: Self.candidateColumns)
            FROM place p JOIN business b ON b.id = p.business_id
            WHERE p.category = \(category) AND \(unescaped: Self.livePlace)
              AND b.verified AND b.status = 'active' AND b.owner_telegram_id IS NOT NULL AND b.owner_telegram_id <> \(order.fromUserID)
              AND b.id <> ALL(\(chosen.map(\.business.id)))
              AND NOT EXISTS (SELECT 1 FROM overflow_offer f WHERE f.order_id = \(order.id) AND f.business_id = b.id)
            ORDER BY p.geom <-> ST_SetSRID(ST_MakePoint(\(order.place.longitude), \(order.place.latitude)), 4326)::geography
            LIMIT \(wanted + PostgresRegistry.tieMargin)
            """).map { try Self.candidate(from: $0, for: order, viaApprenticeship: false) }
        let inReach = nearest.compactMap { candidate -> (OfferCandidate, Double)? in
            guard let distance = candidate.distance, distance <= maxDistance else { return nil }
            return (candidate, distance)
        }
        return chosen + inReach.sorted { ($0.1, $0.0.business.id) < ($1.1, $1.0.business.id) }.prefix(wanted).map(\.0)
    }

    /// Sends the next wave: records offers to the next candidates, reopens the order (an expired one is
    /// widened) with a new time limit. Returns the new offers' candidates; empty (and the order unchanged)
    /// when no one is left to ask or the order is taken or cancelled.
    ///
    /// The order's row is locked first (`FOR UPDATE`): two workers sending a wave of one order at once
    /// would otherwise both read the same wave number and candidates. The second waits, then reads the
    /// first's wave and its offers, and asks the next businesses; a take or cancel waits for the wave.
    public func offerNextWave(of orderID: Int64, size: Int, answerWithin: TimeInterval, now: Date) throws -> [OfferCandidate] {
        guard let row = try rows("SELECT \(unescaped: Self.overflowOrderColumns) FROM overflow_order WHERE id = \(orderID) FOR UPDATE").first
        else { return [] }
        let order = try Self.overflowOrder(from: row)
        guard order.status == .open || order.status == .expired else { return [] }
        let candidates = try waveCandidates(for: order, size: size, maxDistance: Self.waveReach)
        guard !candidates.isEmpty else { return [] }
        let seconds = Int64(now.timeIntervalSince1970)
        let wave = order.wave + 1
        try execute("""
            UPDATE overflow_order SET status = 'open', wave = \(wave), wave_expires_at = \(seconds + Int64(answerWithin)), closed_at = NULL
            WHERE id = \(orderID)
            """)
        for candidate in candidates {  // one at a time, so `seq` keeps the candidates' order
            try execute("""
                INSERT INTO overflow_offer (order_id, business_id, user_id, wave, via_apprenticeship, status, offered_at)
                VALUES (\(orderID), \(candidate.business.id), \(candidate.userID), \(wave), \(candidate.viaApprenticeship), 'offered', \(seconds))
                """)
        }
        return candidates
    }

    /// No one is left to offer an order that is not taken: it ends as expired.
    public func markOverflowOrderExhausted(_ orderID: Int64, now: Date) throws {
        try execute("""
            UPDATE overflow_order SET status = 'expired', closed_at = \(Int64(now.timeIntervalSince1970)) WHERE id = \(orderID) AND status IN ('open', 'expired')
            """)
    }

    /// A candidate from a row of `candidateColumns`; its distance as SQLite measures it (`GeoPoint.distance`).
    private static func candidate(from row: PostgresRow, for order: OverflowOrder, viaApprenticeship: Bool) throws -> OfferCandidate {
        let cells = row.makeRandomAccess()
        let latitude = try cells["latitude"].decode(Double?.self), longitude = try cells["longitude"].decode(Double?.self)
        let business = Business(
            id: try cells["id"].decode(Int64.self), registryID: try cells["registry_id"].decode(String.self), name: try cells["name"].decode(String.self),
            category: try cells["category"].decode(String.self), mode: OperatingMode(rawValue: try cells["mode"].decode(String.self)) ?? .menetap,
            location: latitude.flatMap { lat in longitude.map { GeoPoint(latitude: lat, longitude: $0) } },
            kelurahan: try cells["kelurahan"].decode(String.self), address: try cells["address"].decode(String.self),
            phone: try cells["phone"].decode(String.self), ownerTelegramID: try cells["owner_telegram_id"].decode(Int64?.self),
            halal: try cells["halal"].decode(Bool.self), status: BusinessStatus(rawValue: try cells["status"].decode(String.self)) ?? .active,
            verified: try cells["verified"].decode(Bool.self), source: BusinessSource(rawValue: try cells["source"].decode(String.self)) ?? .imported)
        guard let owner = business.ownerTelegramID else { throw PostgresProgrammeError("candidate \(business.id) has no owner") }
        let placeLatitude = try cells["place_latitude"].decode(Double?.self), placeLongitude = try cells["place_longitude"].decode(Double?.self)
        let position = placeLatitude.flatMap { lat in placeLongitude.map { GeoPoint(latitude: lat, longitude: $0) } }
        return OfferCandidate(business: business, userID: owner, viaApprenticeship: viaApprenticeship, distance: position.map { order.place.distance(to: $0) })
    }
}
