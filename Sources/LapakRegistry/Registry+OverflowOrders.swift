import Foundation
import GRDB
import LapakDatabase

/// Where an overflow order stands: offered (open), taken, expired (no one took the last wave), cancelled.
public enum OverflowOrderStatus: String, Sendable, Hashable, CaseIterable {
    case open, taken, expired, cancelled
}

/// An order a vendor passes on (limpahan pesanan).
public struct OverflowOrder: Sendable, Hashable {
    public var id: Int64
    public var fromBusinessID: Int64
    public var fromUserID: Int64
    /// The originator's @username when the order was made.
    public var fromUsername: String?
    /// What, as the vendor wrote it ("200 nasi kotak").
    public var what: String
    public var quantity: Int
    public var neededAt: Date
    /// Where it is needed: a shared location, or the kelurahan's centre.
    public var place: GeoPoint
    public var kelurahan: String
    public var note: String
    /// The customer's contact, shown only to whoever takes the order.
    public var customerContact: String
    public var status: OverflowOrderStatus
    /// How many waves of offers went out.
    public var wave: Int
    public var waveExpiresAt: Date?
    public var takenByBusinessID: Int64?
    public var takenByUserID: Int64?
    public var createdAt: Date
    public var closedAt: Date?

    /// An order with every field, as a store reads it back.
    public init(id: Int64, fromBusinessID: Int64, fromUserID: Int64, fromUsername: String?, what: String, quantity: Int, neededAt: Date,
                place: GeoPoint, kelurahan: String, note: String, customerContact: String, status: OverflowOrderStatus, wave: Int,
                waveExpiresAt: Date?, takenByBusinessID: Int64?, takenByUserID: Int64?, createdAt: Date, closedAt: Date?) {
        self.id = id
        self.fromBusinessID = fromBusinessID
        self.fromUserID = fromUserID
        self.fromUsername = fromUsername
        self.what = what
        self.quantity = quantity
        self.neededAt = neededAt
        self.place = place
        self.kelurahan = kelurahan
        self.note = note
        self.customerContact = customerContact
        self.status = status
        self.wave = wave
        self.waveExpiresAt = waveExpiresAt
        self.takenByBusinessID = takenByBusinessID
        self.takenByUserID = takenByUserID
        self.createdAt = createdAt
        self.closedAt = closedAt
    }
}

/// What a vendor describes when passing an order on.
public struct OverflowOrderDraft: Sendable, Hashable {
    public var what: String
    public var quantity: Int
    public var neededAt: Date
    public var place: GeoPoint
    public var kelurahan: String
    public var note: String
    public var customerContact: String

    /// A draft with every field.
    public init(what: String, quantity: Int, neededAt: Date, place: GeoPoint, kelurahan: String, note: String = "", customerContact: String = "") {
        self.what = what
        self.quantity = quantity
        self.neededAt = neededAt
        self.place = place
        self.kelurahan = kelurahan
        self.note = note
        self.customerContact = customerContact
    }
}

/// One business offered an order.
public struct OverflowOffer: Sendable, Hashable {
    /// What became of an offer.
    public enum Status: String, Sendable, Hashable {
        case offered, taken, declined, lost, expired
    }

    public var orderID: Int64
    public var businessID: Int64
    public var userID: Int64
    public var wave: Int
    /// Offered because the business is an apprentice of the originator.
    public var viaApprenticeship: Bool
    /// The reply outbox row of the offer message, to edit it later.
    public var replyID: Int64?
    public var status: Status

    /// An offer with every field, as a store reads it back.
    public init(orderID: Int64, businessID: Int64, userID: Int64, wave: Int, viaApprenticeship: Bool, replyID: Int64?, status: Status) {
        self.orderID = orderID
        self.businessID = businessID
        self.userID = userID
        self.wave = wave
        self.viaApprenticeship = viaApprenticeship
        self.replyID = replyID
        self.status = status
    }
}

/// What an Ambil press did.
public enum TakeOutcome: Sendable, Hashable {
    /// This press won: the order is theirs; `others` are the offers to edit to "sudah diambil".
    case taken(OverflowOrder, others: [OverflowOffer])
    /// The order was no longer open (taken by someone else, expired, cancelled).
    case tooLate(OverflowOrderStatus)
    /// The presser was never offered this order (a forged press).
    case notOffered
}

/// Staff's totals of overflow orders.
public struct OverflowTotals: Sendable, Hashable {
    public var open = 0
    public var taken = 0
    public var expired = 0
    public var cancelled = 0
    /// Taken by one of the originator's apprentices.
    public var takenByApprentices = 0

    public init() {}
}

extension Registry.Session {
    /// Stores a new overflow order from `business` (owned by `userID`); offers go out with `offerNextWave`.
    public func createOverflowOrder(_ draft: OverflowOrderDraft, from business: Business, userID: Int64, username: String? = nil,
                                    now: Date) throws -> OverflowOrder {
        try db.cachedStatement(sql: """
            INSERT INTO overflow_order (from_business_id, from_user_id, from_username, what, quantity, needed_at, latitude, longitude, kelurahan, note,
                customer_contact, status, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', ?)
            """).execute(arguments: [business.id, userID, username, draft.what, draft.quantity, Int64(draft.neededAt.timeIntervalSince1970),
                                     draft.place.latitude, draft.place.longitude, draft.kelurahan, draft.note, draft.customerContact,
                                     Int64(now.timeIntervalSince1970)])
        return try overflowOrder(db.lastInsertedRowID)!
    }

    /// The order with this id.
    public func overflowOrder(_ id: Int64) throws -> OverflowOrder? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM overflow_order WHERE id = ?"), arguments: [id]).map(Self.overflowOrder(from:))
    }

    /// The offers of an order, in the order they were made.
    public func offers(of orderID: Int64) throws -> [OverflowOffer] {
        try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM overflow_offer WHERE order_id = ? ORDER BY wave, rowid"), arguments: [orderID])
            .map(Self.offer(from:))
    }

    /// Remembers the reply outbox row of an offer's message.
    public func setOfferReply(order orderID: Int64, business businessID: Int64, replyID: Int64) throws {
        try db.cachedStatement(sql: "UPDATE overflow_offer SET reply_id = ? WHERE order_id = ? AND business_id = ?")
            .execute(arguments: [replyID, orderID, businessID])
    }

    /// The first press of Ambil by an offered owner wins: one `UPDATE … WHERE status = 'open'`, so two
    /// presses at the same moment leave exactly one winner; the other offers are marked lost.
    public func takeOverflowOrder(_ orderID: Int64, business businessID: Int64, userID: Int64, now: Date) throws -> TakeOutcome {
        guard let offer = try offer(orderID, business: businessID), offer.userID == userID else { return .notOffered }
        guard offer.status == .offered else {  // an offer of an earlier wave, answered or timed out: late
            return .tooLate(try overflowOrder(orderID)?.status ?? .cancelled)
        }
        let seconds = Int64(now.timeIntervalSince1970)
        try db.cachedStatement(sql: """
            UPDATE overflow_order SET status = 'taken', taken_by_business_id = ?, taken_by_user_id = ?, closed_at = ?
            WHERE id = ? AND status = 'open' AND wave_expires_at > ?
            """).execute(arguments: [businessID, userID, seconds, orderID, seconds])
        guard db.changesCount == 1 else { return .tooLate(try overflowOrder(orderID)?.status ?? .cancelled) }
        try db.cachedStatement(sql: "UPDATE overflow_offer SET status = 'taken', answered_at = ? WHERE order_id = ? AND business_id = ?")
            .execute(arguments: [seconds, orderID, businessID])
        let others = try offers(of: orderID).filter { $0.businessID != businessID && $0.status == .offered }
        try db.cachedStatement(sql: """
            UPDATE overflow_offer SET status = 'lost' WHERE order_id = ? AND business_id <> ? AND status = 'offered'
            """).execute(arguments: [orderID, businessID])
        return .taken(try overflowOrder(orderID)!, others: others)
    }

    /// An offered owner says no (Tolak). False when the offer is not theirs or no longer open.
    public func declineOverflowOrder(_ orderID: Int64, business businessID: Int64, userID: Int64, now: Date) throws -> Bool {
        guard let offer = try offer(orderID, business: businessID), offer.userID == userID, offer.status == .offered else { return false }
        try db.cachedStatement(sql: "UPDATE overflow_offer SET status = 'declined', answered_at = ? WHERE order_id = ? AND business_id = ?")
            .execute(arguments: [Int64(now.timeIntervalSince1970), orderID, businessID])
        return true
    }

    /// The originator cancels an order that is not taken. False when it was already taken or closed.
    public func cancelOverflowOrder(_ orderID: Int64, now: Date) throws -> [OverflowOffer]? {
        try db.cachedStatement(sql: "UPDATE overflow_order SET status = 'cancelled', closed_at = ? WHERE id = ? AND status IN ('open', 'expired')")
            .execute(arguments: [Int64(now.timeIntervalSince1970), orderID])
        guard db.changesCount == 1 else { return nil }
        let pending = try offers(of: orderID).filter { $0.status == .offered }
        try db.cachedStatement(sql: "UPDATE overflow_offer SET status = 'expired' WHERE order_id = ? AND status = 'offered'").execute(arguments: [orderID])
        return pending
    }

    /// Open orders whose wave ran out at `now`.
    public func overflowOrdersWithExpiredWave(now: Date, limit: Int = 50) throws -> [OverflowOrder] {
        try Row.fetchAll(db.cachedStatement(sql: """
            SELECT * FROM overflow_order WHERE status = 'open' AND wave_expires_at <= ? ORDER BY wave_expires_at LIMIT ?
            """), arguments: [Int64(now.timeIntervalSince1970), limit]).map(Self.overflowOrder(from:))
    }

    /// When the next open wave runs out, if any.
    public func nextOverflowWaveExpiry() throws -> Date? {
        try Int64.fetchOne(db.cachedStatement(sql: "SELECT min(wave_expires_at) FROM overflow_order WHERE status = 'open'"))
            .map { Date(timeIntervalSince1970: TimeInterval($0)) }
    }

    /// Marks an order whose wave ran out as expired (its unanswered offers too). Returns those offers,
    /// or nil when it was not open any more (taken meanwhile).
    public func expireOverflowWave(_ orderID: Int64, now: Date) throws -> [OverflowOffer]? {
        let seconds = Int64(now.timeIntervalSince1970)
        try db.cachedStatement(sql: """
            UPDATE overflow_order SET status = 'expired', closed_at = ? WHERE id = ? AND status = 'open' AND wave_expires_at <= ?
            """).execute(arguments: [seconds, orderID, seconds])
        guard db.changesCount == 1 else { return nil }
        let pending = try offers(of: orderID).filter { $0.status == .offered }
        try db.cachedStatement(sql: "UPDATE overflow_offer SET status = 'expired' WHERE order_id = ? AND status = 'offered'").execute(arguments: [orderID])
        return pending
    }

    /// Staff's totals.
    public func overflowTotals() throws -> OverflowTotals {
        var totals = OverflowTotals()
        for row in try Row.fetchAll(db, sql: "SELECT status, count(*) FROM overflow_order GROUP BY status") {
            let count: Int = row[1]
            switch OverflowOrderStatus(rawValue: row[0]) {
            case .open: totals.open = count
            case .taken: totals.taken = count
            case .expired: totals.expired = count
            case .cancelled: totals.cancelled = count
            case nil: break
            }
        }
        totals.takenByApprentices = try Int.fetchOne(db, sql: """
            SELECT count(*) FROM overflow_order o JOIN overflow_offer f ON f.order_id = o.id AND f.business_id = o.taken_by_business_id
            WHERE o.status = 'taken' AND f.via_apprenticeship = 1
            """) ?? 0
        return totals
    }

    func offer(_ orderID: Int64, business businessID: Int64) throws -> OverflowOffer? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM overflow_offer WHERE order_id = ? AND business_id = ?"),
                         arguments: [orderID, businessID]).map(Self.offer(from:))
    }

    static func offer(from row: Row) -> OverflowOffer {
        OverflowOffer(orderID: row["order_id"], businessID: row["business_id"], userID: row["user_id"], wave: row["wave"],
                      viaApprenticeship: row["via_apprenticeship"], replyID: row["reply_id"],
                      status: OverflowOffer.Status(rawValue: row["status"]) ?? .expired)
    }

    static func overflowOrder(from row: Row) -> OverflowOrder {
        func date(_ column: String) -> Date? { (row[column] as Int64?).map { Date(timeIntervalSince1970: TimeInterval($0)) } }
        return OverflowOrder(id: row["id"], fromBusinessID: row["from_business_id"], fromUserID: row["from_user_id"], fromUsername: row["from_username"], what: row["what"],
                             quantity: row["quantity"], neededAt: date("needed_at")!,
                             place: GeoPoint(latitude: row["latitude"], longitude: row["longitude"]), kelurahan: row["kelurahan"],
                             note: row["note"], customerContact: row["customer_contact"],
                             status: OverflowOrderStatus(rawValue: row["status"]) ?? .cancelled, wave: row["wave"],
                             waveExpiresAt: date("wave_expires_at"), takenByBusinessID: row["taken_by_business_id"],
                             takenByUserID: row["taken_by_user_id"], createdAt: date("created_at")!, closedAt: date("closed_at"))
    }
}
