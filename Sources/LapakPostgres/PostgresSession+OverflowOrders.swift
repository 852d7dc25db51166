import Foundation
import LapakRegistry
import PostgresNIO

/// Overflow orders on PostgreSQL, answering as `Registry.Session` does on SQLite (Registry+OverflowOrders.swift).
///
/// SQLite has one writer, so its order of reads and writes is never interleaved with another update's.
/// Here several workers write at once; every change of an order's status is one `UPDATE … WHERE status …`
/// on the order's row, and the row lock makes the second of two such statements wait and then re-check its
/// condition against the first's committed change (READ COMMITTED), so it changes nothing.
extension PostgresSession: OverflowOrderStore {
    /// The columns `overflowOrder(from:)` reads, in SELECT and RETURNING lists.
    static let overflowOrderColumns = """
        id, from_business_id, from_user_id, from_username, what, quantity, needed_at, latitude, longitude, kelurahan, note,
        customer_contact, status, wave, wave_expires_at, taken_by_business_id, taken_by_user_id, created_at, closed_at
        """
    /// The columns `offer(from:)` reads, in this order.
    static let offerColumns = "order_id, business_id, user_id, wave, via_apprenticeship, reply_id, status"

    /// Stores a new overflow order from `business` (owned by `userID`); offers go out with `offerNextWave`.
    public func createOverflowOrder(_ draft: OverflowOrderDraft, from business: Business, userID: Int64, username: String?,
                                    now: Date) throws -> OverflowOrder {
        let inserted = try rows("""
            INSERT INTO overflow_order (from_business_id, from_user_id, from_username, what, quantity, needed_at, latitude, longitude, kelurahan,
                note, customer_contact, status, created_at)
            VALUES (\(business.id), \(userID), \(username), \(draft.what), \(draft.quantity), \(Int64(draft.neededAt.timeIntervalSince1970)),
                \(draft.place.latitude), \(draft.place.longitude), \(draft.kelurahan), \(draft.note), \(draft.customerContact), 'open',
                \(Int64(now.timeIntervalSince1970)))
            RETURNING \(unescaped: Self.overflowOrderColumns)
            """)
        guard let row = inserted.first else { throw PostgresProgrammeError("INSERT INTO overflow_order returned no row") }
        return try Self.overflowOrder(from: row)
    }

    /// The order with this id.
    public func overflowOrder(_ id: Int64) throws -> OverflowOrder? {
        try rows("SELECT \(unescaped: Self.overflowOrderColumns) FROM overflow_order WHERE id = \(id)").first.map(Self.overflowOrder(from:))
    }

    /// The offers of an order, in the order they were made.
    public func offers(of orderID: Int64) throws -> [OverflowOffer] {
        try rows("SELECT \(unescaped: Self.offerColumns) FROM overflow_offer WHERE order_id = \(orderID) ORDER BY wave, seq")
            .map(Self.offer(from:))
    }

    /// Remembers the reply outbox row of an offer's message.
    public func setOfferReply(order orderID: Int64, business businessID: Int64, replyID: Int64) throws {
        try execute("UPDATE overflow_offer SET reply_id = \(replyID) WHERE order_id = \(orderID) AND business_id = \(businessID)")
    }

    /// The first press of Ambil by an offered owner wins: one `UPDATE … WHERE status = 'open'`, so two
    /// presses at the same moment leave exactly one winner; the other offers are marked lost.
    ///
    /// Two workers pressing at once: both read their offer as 'offered', both run the UPDATE; the second
    /// waits for the first's row lock, re-reads the row after the first commits, finds it 'taken' and
    /// changes nothing, so its changed-row count is 0 and it answers "too late".
    public func takeOverflowOrder(_ orderID: Int64, business businessID: Int64, userID: Int64, now: Date) throws -> TakeOutcome {
        guard let offer = try offer(orderID, business: businessID), offer.userID == userID else { return .notOffered }
        guard offer.status == .offered else {  // an offer of an earlier wave, answered or timed out: late
            return .tooLate(try overflowOrder(orderID)?.status ?? .cancelled)
        }
        let seconds = Int64(now.timeIntervalSince1970)
        let changed = try execute("""
            UPDATE overflow_order SET status = 'taken', taken_by_business_id = \(businessID), taken_by_user_id = \(userID), closed_at = \(seconds)
            WHERE id = \(orderID) AND status = 'open' AND wave_expires_at > \(seconds)
            """)
        guard changed == 1 else { return .tooLate(try overflowOrder(orderID)?.status ?? .cancelled) }
        try execute("""
            UPDATE overflow_offer SET status = 'taken', answered_at = \(seconds) WHERE order_id = \(orderID) AND business_id = \(businessID)
            """)
        let others = try offers(of: orderID).filter { $0.businessID != businessID && $0.status == .offered }
        try execute("UPDATE overflow_offer SET status = 'lost' WHERE order_id = \(orderID) AND business_id <> \(businessID) AND status = 'offered'")
        guard let taken = try overflowOrder(orderID) else { throw PostgresProgrammeError("overflow order \(orderID) vanished after it was taken") }
        return .taken(taken, others: others)
    }

    /// An offered owner says no (Tolak). False when the offer is not theirs or no longer open.
    ///
    /// The UPDATE checks 'offered' again: a take on another worker may have marked this offer lost since it was read.
    public func declineOverflowOrder(_ orderID: Int64, business businessID: Int64, userID: Int64, now: Date) throws -> Bool {
        guard let offer = try offer(orderID, business: businessID), offer.userID == userID, offer.status == .offered else { return false }
        return try execute("""
            UPDATE overflow_offer SET status = 'declined', answered_at = \(Int64(now.timeIntervalSince1970))
            WHERE order_id = \(orderID) AND business_id = \(businessID) AND status = 'offered'
            """) == 1
    }

    /// The originator cancels an order that is not taken. False when it was already taken or closed.
    public func cancelOverflowOrder(_ orderID: Int64, now: Date) throws -> [OverflowOffer]? {
        let changed = try execute("""
            UPDATE overflow_order SET status = 'cancelled', closed_at = \(Int64(now.timeIntervalSince1970)) WHERE id = \(orderID) AND status IN ('open', 'expired')
            """)
        guard changed == 1 else { return nil }
        return try expirePendingOffers(of: orderID)
    }

    /// Open orders whose wave ran out at `now`.
    public func overflowOrdersWithExpiredWave(now: Date, limit: Int) throws -> [OverflowOrder] {
        try rows("""
            SELECT \(unescaped: Self.overflowOrderColumns) FROM overflow_order WHERE status = 'open' AND wave_expires_at <= \(Int64(now.timeIntervalSince1970))
            ORDER BY wave_expires_at, id LIMIT \(limit)
            """).map(Self.overflowOrder(from:))
    }

    /// When the next open wave runs out, if any.
    public func nextOverflowWaveExpiry() throws -> Date? {
        try one("SELECT min(wave_expires_at) FROM overflow_order WHERE status = 'open'", as: Int64?.self)?
            .map { Date(timeIntervalSince1970: TimeInterval($0)) }
    }

    /// Marks an order whose wave ran out as expired (its unanswered offers too). Returns those offers,
    /// or nil when it was not open any more (taken meanwhile).
    public func expireOverflowWave(_ orderID: Int64, now: Date) throws -> [OverflowOffer]? {
        let seconds = Int64(now.timeIntervalSince1970)
        let changed = try execute("""
            UPDATE overflow_order SET status = 'expired', closed_at = \(seconds)
            WHERE id = \(orderID) AND status = 'open' AND wave_expires_at <= \(seconds)
            """)
        guard changed == 1 else { return nil }
        return try expirePendingOffers(of: orderID)
    }

    /// Staff's totals.
    public func overflowTotals() throws -> OverflowTotals {
        var totals = OverflowTotals()
        for row in try rows("SELECT status, count(*) FROM overflow_order GROUP BY status") {
            let (status, count) = try row.decode((String, Int).self)
            switch OverflowOrderStatus(rawValue: status) {
            case .open: totals.open = count
            case .taken: totals.taken = count
            case .expired: totals.expired = count
            case .cancelled: totals.cancelled = count
            case nil: break
            }
        }
        totals.takenByApprentices = try one("""
            SELECT count(*) FROM overflow_order o JOIN overflow_offer f ON f.order_id = o.id AND f.business_id = o.taken_by_business_id
            WHERE o.status = 'taken' AND f.via_apprenticeship
            """, as: Int.self) ?? 0
        return totals
    }

    /// Marks an order's unanswered offers expired (it was cancelled or its wave ran out); returns them as they were.
    private func expirePendingOffers(of orderID: Int64) throws -> [OverflowOffer] {
        try rows("""
            UPDATE overflow_offer SET status = 'expired' WHERE order_id = \(orderID) AND status = 'offered'
            RETURNING \(unescaped: Self.offerColumns), seq
            """)
            .map { (try $0.makeRandomAccess()["seq"].decode(Int64.self), try Self.offer(from: $0)) }
            .sorted { ($0.1.wave, $0.0) < ($1.1.wave, $1.0) }
            .map { var offer = $0.1; offer.status = .offered; return offer }
    }

    /// The offer of `orderID` made to business `businessID`, if any.
    func offer(_ orderID: Int64, business businessID: Int64) throws -> OverflowOffer? {
        try rows("SELECT \(unescaped: Self.offerColumns) FROM overflow_offer WHERE order_id = \(orderID) AND business_id = \(businessID)")
            .first.map(Self.offer(from:))
    }

    /// An offer from a row that starts with `offerColumns`.
    static func offer(from row: PostgresRow) throws -> OverflowOffer {
        let (orderID, businessID, userID, wave, viaApprenticeship, replyID, status) = try row.decode((Int64, Int64, Int64, Int, Bool, Int64?, String).self)
        return OverflowOffer(orderID: orderID, businessID: businessID, userID: userID, wave: wave, viaApprenticeship: viaApprenticeship,
                             replyID: replyID, status: OverflowOffer.Status(rawValue: status) ?? .expired)
    }

    /// An order from a row with `overflowOrderColumns`, read by name.
    static func overflowOrder(from row: PostgresRow) throws -> OverflowOrder {
        let row = row.makeRandomAccess()
        func date(_ column: String) throws -> Date? { try row[column].decode(Int64?.self).map { Date(timeIntervalSince1970: TimeInterval($0)) } }
        func required(_ column: String) throws -> Date {
            guard let date = try date(column) else { throw PostgresProgrammeError("overflow_order.\(column) is NULL") }
            return date
        }
        return OverflowOrder(
            id: try row["id"].decode(Int64.self), fromBusinessID: try row["from_business_id"].decode(Int64.self),
            fromUserID: try row["from_user_id"].decode(Int64.self), fromUsername: try row["from_username"].decode(String?.self),
            what: try row["what"].decode(String.self), quantity: try row["quantity"].decode(Int.self), neededAt: try required("needed_at"),
            place: GeoPoint(latitude: try row["latitude"].decode(Double.self), longitude: try row["longitude"].decode(Double.self)),
            kelurahan: try row["kelurahan"].decode(String.self), note: try row["note"].decode(String.self),
            customerContact: try row["customer_contact"].decode(String.self),
            status: OverflowOrderStatus(rawValue: try row["status"].decode(String.self)) ?? .cancelled, wave: try row["wave"].decode(Int.self),
            waveExpiresAt: try date("wave_expires_at"), takenByBusinessID: try row["taken_by_business_id"].decode(Int64?.self),
            takenByUserID: try row["taken_by_user_id"].decode(Int64?.self), createdAt: try required("created_at"), closedAt: try date("closed_at"))
    }
}

/// A row the programmes' tables must hold was not there (an INSERT … RETURNING without its row).
struct PostgresProgrammeError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
