import Foundation
import GRDB
import LapakDatabase

/// How an account became a business's owner. Nothing else links one: a typed phone number proves
/// nothing, since search results show every business's phone to everyone.
public enum OwnershipProof: String, Sendable, Hashable {
    /// The user shared their own contact with the button; Telegram vouches that the number is theirs.
    case contact
    /// Staff approved the user's request.
    case staff
}

/// One row of the ownership audit: who became the owner of which business, how and when.
public struct OwnershipRecord: Sendable, Hashable {
    public var businessID: Int64
    public var ownerTelegramID: Int64
    public var proof: OwnershipProof
    public var phone: String
    /// The staff member who approved a `.staff` link.
    public var approvedBy: Int64?
    public var createdAt: Date

    /// A record as stored.
    public init(businessID: Int64, ownerTelegramID: Int64, proof: OwnershipProof, phone: String, approvedBy: Int64?, createdAt: Date) {
        self.businessID = businessID
        self.ownerTelegramID = ownerTelegramID
        self.proof = proof
        self.phone = phone
        self.approvedBy = approvedBy
        self.createdAt = createdAt
    }
}

/// A request to link a registered business, made by someone who typed its phone number.
public struct LinkRequest: Sendable, Hashable {
    /// Where a request stands.
    public enum Status: String, Sendable, Hashable {
        case pending, approved, rejected
    }

    public var id: Int64
    public var businessID: Int64
    public var userID: Int64
    /// The requester's Telegram name, for the staff notice.
    public var userName: String
    /// The number the requester typed.
    public var phone: String
    public var status: Status
    public var decidedBy: Int64?

    /// A request as stored (public: PostgreSQL's session builds them from its rows too).
    public init(id: Int64, businessID: Int64, userID: Int64, userName: String, phone: String, status: Status, decidedBy: Int64?) {
        self.id = id
        self.businessID = businessID
        self.userID = userID
        self.userName = userName
        self.phone = phone
        self.status = status
        self.decidedBy = decidedBy
    }
}

/// What a staff decision on a link request did.
public enum LinkDecision: Sendable, Hashable {
    /// The business now belongs to the requester.
    case linked(Business)
    /// The request was refused.
    case rejected
    /// Another staff member decided first, or the business found an owner meanwhile; nothing changed.
    case alreadyDecided(LinkRequest.Status)
    /// Approved, but the business has an owner already (or was deleted); the request is closed unlinked.
    case businessTaken
}

extension Registry {
    /// Links the business `id` to `owner` if it has none yet, with the audit row (see the session's `link`).
    public func link(_ id: Int64, to owner: Int64, proof: OwnershipProof, phone: String, approvedBy: Int64? = nil,
                     now: Date = Date()) async throws -> Business? {
        try await database.writer.write { try session($0).link(id, to: owner, proof: proof, phone: phone, approvedBy: approvedBy, now: now) }
    }

    /// The audit of a business's owners, oldest first.
    public func ownershipHistory(of businessID: Int64) async throws -> [OwnershipRecord] {
        try await database.writer.read { try session($0).ownershipHistory(of: businessID) }
    }
}

extension Registry.Session {
    /// Links the business `id` to `owner` if it still has no owner, and writes the audit row.
    ///
    /// For `.contact` the business must carry `phone`, the number Telegram vouched for; the check is done
    /// again here because the id comes from a button and the record may have changed. Returns the linked
    /// business, or nil when nothing was linked.
    public func link(_ id: Int64, to owner: Int64, proof: OwnershipProof, phone: String, approvedBy: Int64? = nil,
                     request: Int64? = nil, now: Date = Date()) throws -> Business? {
        let timestamp = Int64(now.timeIntervalSince1970)
        try db.cachedStatement(sql: """
            UPDATE business SET owner_telegram_id = ?, updated_at = ?
            WHERE id = ? AND owner_telegram_id IS NULL AND status <> 'inactive' AND (? OR phone = ?)
            """).execute(arguments: [owner, timestamp, id, proof == .staff, phone])
        guard db.changesCount > 0 else { return nil }
        try db.cachedStatement(sql: """
            INSERT INTO ownership_link (business_id, owner_telegram_id, method, phone, approved_by, request_id, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [id, owner, proof.rawValue, phone, approvedBy, request, timestamp])
        return try business(id: id)
    }

    /// The audit of a business's owners, oldest first.
    public func ownershipHistory(of businessID: Int64) throws -> [OwnershipRecord] {
        try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM ownership_link WHERE business_id = ? ORDER BY id"), arguments: [businessID])
            .map { row in
                OwnershipRecord(businessID: row["business_id"], ownerTelegramID: row["owner_telegram_id"],
                                proof: OwnershipProof(rawValue: row["method"]) ?? .staff, phone: row["phone"],
                                approvedBy: row["approved_by"], createdAt: Date(timeIntervalSince1970: TimeInterval(row["created_at"] as Int64)))
            }
    }

    /// Records `user`'s request to link `businessID`; a second request while one is pending returns the first.
    /// - Returns: the request and whether it is new (only a new one is announced to staff).
    public func requestLink(_ businessID: Int64, by user: Int64, userName: String, phone: String,
                            now: Date = Date()) throws -> (request: LinkRequest, isNew: Bool) {
        try db.cachedStatement(sql: """
            INSERT INTO link_request (business_id, user_id, user_name, phone, created_at) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (business_id, user_id) WHERE status = 'pending' DO NOTHING
            """).execute(arguments: [businessID, user, userName, phone, Int64(now.timeIntervalSince1970)])
        let isNew = db.changesCount > 0
        guard let row = try Row.fetchOne(db.cachedStatement(sql: """
            SELECT * FROM link_request WHERE business_id = ? AND user_id = ? AND status = 'pending'
            """), arguments: [businessID, user]) else { throw RegistryError.noSuchBusiness(businessID) }
        return (Self.linkRequest(from: row), isNew)
    }

    /// The link request with this id.
    public func linkRequest(_ id: Int64) throws -> LinkRequest? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM link_request WHERE id = ?"), arguments: [id]).map(Self.linkRequest(from:))
    }

    /// Staff approve or refuse a pending request; an approval links the business (audited) if it is still unowned.
    public func decideLinkRequest(_ id: Int64, approve: Bool, by staffID: Int64, now: Date = Date()) throws -> LinkDecision {
        guard let request = try linkRequest(id) else { throw RegistryError.noSuchBusiness(id) }
        guard request.status == .pending else { return .alreadyDecided(request.status) }
        let timestamp = Int64(now.timeIntervalSince1970)
        let linked = approve
            ? try link(request.businessID, to: request.userID, proof: .staff, phone: request.phone, approvedBy: staffID, request: id, now: now)
            : nil
        let status: LinkRequest.Status = linked != nil ? .approved : .rejected
        try db.cachedStatement(sql: "UPDATE link_request SET status = ?, decided_by = ?, decided_at = ? WHERE id = ?")
            .execute(arguments: [status.rawValue, staffID, timestamp, id])
        if let linked { return .linked(linked) }
        return approve ? .businessTaken : .rejected
    }

    private static func linkRequest(from row: Row) -> LinkRequest {
        LinkRequest(id: row["id"], businessID: row["business_id"], userID: row["user_id"], userName: row["user_name"], phone: row["phone"],
                    status: LinkRequest.Status(rawValue: row["status"]) ?? .pending, decidedBy: row["decided_by"])
    }
}
