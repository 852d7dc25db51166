import Foundation
import GRDB
import LapakDatabase

/// A business to offer an order to, and why.
public struct OfferCandidate: Sendable, Hashable {
    public var business: Business
    /// The owner's Telegram id, who gets the offer.
    public var userID: Int64
    /// An apprentice of the originator (offered first).
    public var viaApprenticeship: Bool
    /// Metres from the order's place, when the business has a searchable place.
    public var distance: Double?

    /// A candidate with every field.
    public init(business: Business, userID: Int64, viaApprenticeship: Bool, distance: Double?) {
        self.business = business
        self.userID = userID
        self.viaApprenticeship = viaApprenticeship
        self.distance = distance
    }
}

extension Registry.Session {
    /// The next `size` businesses to offer `order` to, none offered before: first the originator's own
    /// apprentices (active apprenticeships), then verified, active businesses of the originator's kind
    /// linked to Telegram, nearest to the order's place (through the R*Tree walk of `nearestMatching`).
    /// Never the originator's own businesses.
    public func waveCandidates(for order: OverflowOrder, size: Int = 3, maxDistance: Double = 25_000) throws -> [OfferCandidate] {
        guard size > 0, let origin = try business(id: order.fromBusinessID) else { return [] }
        let offered = Set(try Int64.fetchAll(db.cachedStatement(sql: "SELECT business_id FROM overflow_offer WHERE order_id = ?"),
                                             arguments: [order.id]))
        var chosen: [OfferCandidate] = []
        for apprenticeship in try activeApprenticeships(ofMentor: origin.id) where chosen.count < size {
            guard !offered.contains(apprenticeship.beginnerID), let beginner = try business(id: apprenticeship.beginnerID),
                  beginner.status == .active, let owner = beginner.ownerTelegramID, owner != order.fromUserID else { continue }
            let distance = try currentPosition(ofBusiness: beginner.id).map { order.place.distance(to: $0) }
            chosen.append(OfferCandidate(business: beginner, userID: owner, viaApprenticeship: true, distance: distance))
        }
        guard chosen.count < size else { return chosen }
        let taken = Set(chosen.map(\.business.id))
        let check = try db.cachedStatement(sql: """
            SELECT owner_telegram_id FROM business WHERE id = ? AND verified = 1 AND status = 'active' AND owner_telegram_id IS NOT NULL
              AND owner_telegram_id <> ?
            """)
        var owners: [Int64: Int64] = [:]
        let hits = try nearestMatching(origin: order.place, category: origin.category, limit: size - chosen.count, maxDistance: maxDistance) { id in
            guard !offered.contains(id), !taken.contains(id) else { return false }
            var owner: Int64?
            try check.forEachRow(arguments: [id, order.fromUserID]) { row in
                owner = row.int64(0)
                return false
            }
            owners[id] = owner
            return owner != nil
        }
        for hit in hits {
            guard let business = try business(id: hit.id), let owner = owners[hit.id] else { continue }
            chosen.append(OfferCandidate(business: business, userID: owner, viaApprenticeship: false, distance: hit.distance))
        }
        return chosen
    }

    /// Sends the next wave: records offers to the next candidates, reopens the order (an expired one is
    /// widened) with a new time limit. Returns the new offers' candidates; empty (and the order unchanged)
    /// when no one is left to ask or the order is taken or cancelled.
    public func offerNextWave(of orderID: Int64, size: Int = 3, answerWithin: TimeInterval, now: Date) throws -> [OfferCandidate] {
        guard let order = try overflowOrder(orderID), order.status == .open || order.status == .expired else { return [] }
        let candidates = try waveCandidates(for: order, size: size)
        guard !candidates.isEmpty else { return [] }
        let seconds = Int64(now.timeIntervalSince1970)
        let wave = order.wave + 1
        try db.cachedStatement(sql: """
            UPDATE overflow_order SET status = 'open', wave = ?, wave_expires_at = ?, closed_at = NULL WHERE id = ?
            """).execute(arguments: [wave, seconds + Int64(answerWithin), orderID])
        for candidate in candidates {
            try db.cachedStatement(sql: """
                INSERT INTO overflow_offer (order_id, business_id, user_id, wave, via_apprenticeship, status, offered_at)
                VALUES (?, ?, ?, ?, ?, 'offered', ?)
                """).execute(arguments: [orderID, candidate.business.id, candidate.userID, wave, candidate.viaApprenticeship, seconds])
        }
        return candidates
    }

    /// No one is left to offer an order that is not taken: it ends as expired.
    public func markOverflowOrderExhausted(_ orderID: Int64, now: Date) throws {
        try db.cachedStatement(sql: "UPDATE overflow_order SET status = 'expired', closed_at = ? WHERE id = ? AND status IN ('open', 'expired')")
            .execute(arguments: [Int64(now.timeIntervalSince1970), orderID])
    }
}

extension Registry {
    /// `waveCandidates(for:size:)` in its own read (benchmarks, tools).
    public func waveCandidates(for order: OverflowOrder, size: Int = 3) throws -> [OfferCandidate] {
        try database.writer.read { try session($0).waveCandidates(for: order, size: size) }
    }
}
