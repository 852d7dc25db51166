import Foundation

/// Overflow orders inside one update's transaction: orders passed on in waves of offers, one winner.
///
/// Every method runs inside the caller's transaction and throws what the store throws; the caller's commit
/// makes it durable.
public protocol OverflowOrderStore {
    /// Stores a new overflow order from `business` (owned by `userID`); offers go out with `offerNextWave`.
    func createOverflowOrder(_ draft: OverflowOrderDraft, from business: Business, userID: Int64, username: String?, now: Date) throws -> OverflowOrder
    /// The order with this id.
    func overflowOrder(_ id: Int64) throws -> OverflowOrder?
    /// The offers of an order, in the order they were made.
    func offers(of orderID: Int64) throws -> [OverflowOffer]
    /// Remembers the reply outbox row of an offer's message.
    func setOfferReply(order orderID: Int64, business businessID: Int64, replyID: Int64) throws
    /// The first press of Ambil by an offered owner wins: one `UPDATE … WHERE status = 'open'`, so two
    /// presses at the same moment leave exactly one winner; the other offers are marked lost.
    func takeOverflowOrder(_ orderID: Int64, business businessID: Int64, userID: Int64, now: Date) throws -> TakeOutcome
    /// An offered owner says no (Tolak). False when the offer is not theirs or no longer open.
    func declineOverflowOrder(_ orderID: Int64, business businessID: Int64, userID: Int64, now: Date) throws -> Bool
    /// The originator cancels an order that is not taken. False when it was already taken or closed.
    func cancelOverflowOrder(_ orderID: Int64, now: Date) throws -> [OverflowOffer]?
    /// Open orders whose wave ran out at `now`.
    func overflowOrdersWithExpiredWave(now: Date, limit: Int) throws -> [OverflowOrder]
    /// When the next open wave runs out, if any.
    func nextOverflowWaveExpiry() throws -> Date?
    /// Marks an order whose wave ran out as expired (its unanswered offers too). Returns those offers,
    /// or nil when it was not open any more (taken meanwhile).
    func expireOverflowWave(_ orderID: Int64, now: Date) throws -> [OverflowOffer]?
    /// Staff's totals.
    func overflowTotals() throws -> OverflowTotals
    /// The next `size` businesses to offer `order` to, none offered before: first the originator's own
    /// apprentices (active apprenticeships), then verified, active businesses of the originator's kind
    /// linked to Telegram, nearest to the order's place (through the R*Tree walk of `nearestMatching`).
    /// Never the originator's own businesses.
    func waveCandidates(for order: OverflowOrder, size: Int, maxDistance: Double) throws -> [OfferCandidate]
    /// Sends the next wave: records offers to the next candidates, reopens the order (an expired one is
    /// widened) with a new time limit. Returns the new offers' candidates; empty (and the order unchanged)
    /// when no one is left to ask or the order is taken or cancelled.
    func offerNextWave(of orderID: Int64, size: Int, answerWithin: TimeInterval, now: Date) throws -> [OfferCandidate]
    /// No one is left to offer an order that is not taken: it ends as expired.
    func markOverflowOrderExhausted(_ orderID: Int64, now: Date) throws
}
