import Foundation
import LapakRegistry
import PostgresNIO

/// Who owns a business on PostgreSQL: links with their audit, and link requests staff decide. As SQLite's
/// `Registry+Ownership.swift`, made safe for several workers deciding at once.
extension PostgresSession {
    /// Links the business `id` to `owner` if it still has no owner, and writes the audit row.
    ///
    /// One UPDATE whose WHERE holds the old state ("no owner yet"): a second worker linking the same business
    /// waits for the first one's row lock, re-reads the row, finds an owner and changes nothing, so the first
    /// press wins and exactly one audit row is written.
    public func link(_ id: Int64, to owner: Int64, proof: OwnershipProof, phone: String, approvedBy: Int64?, request: Int64?,
                     now: Date) throws -> Business? {
        let timestamp = PostgresBusinessRow.timestamp(now)
        let linked = try execute("""
            UPDATE business SET owner_telegram_id = \(owner), updated_at = \(timestamp)
            WHERE id = \(id) AND owner_telegram_id IS NULL AND status <> 'inactive' AND (\(proof == .staff) OR phone = \(phone))
            """)
        guard linked > 0 else { return nil }
        try execute("""
            INSERT INTO ownership_link (business_id, owner_telegram_id, method, phone, approved_by, request_id, created_at)
            VALUES (\(id), \(owner), \(proof.rawValue), \(phone), \(approvedBy), \(request), \(timestamp))
            """)
        return try business(id: id)
    }

    /// The audit of a business's owners, oldest first.
    public func ownershipHistory(of businessID: Int64) throws -> [OwnershipRecord] {
        try rows("""
            SELECT business_id, owner_telegram_id, method, phone, approved_by, created_at FROM ownership_link
            WHERE business_id = \(businessID) ORDER BY id
            """).map { row in
            let (business, owner, method, phone, approvedBy, created) = try row.decode((Int64, Int64, String, String, Int64?, Int64).self)
            return OwnershipRecord(businessID: business, ownerTelegramID: owner, proof: OwnershipProof(rawValue: method) ?? .staff, phone: phone,
                                   approvedBy: approvedBy, createdAt: Date(timeIntervalSince1970: TimeInterval(created)))
        }
    }

    /// Records `user`'s request to link `businessID`; a second request while one is pending returns the first.
    public func requestLink(_ businessID: Int64, by user: Int64, userName: String, phone: String,
                            now: Date) throws -> (request: LinkRequest, isNew: Bool) {
        // The partial unique index decides between two workers: the second insert waits for the first and then
        // inserts nothing.
        let isNew = try execute("""
            INSERT INTO link_request (business_id, user_id, user_name, phone, created_at)
            VALUES (\(businessID), \(user), \(userName), \(phone), \(PostgresBusinessRow.timestamp(now)))
            ON CONFLICT (business_id, user_id) WHERE status = 'pending' DO NOTHING
            """) > 0
        guard let request = try linkRequests(where: "business_id = \(businessID) AND user_id = \(user) AND status = 'pending'").first else {
            throw RegistryError.noSuchBusiness(businessID)
        }
        return (request, isNew)
    }

    /// The link request with this id.
    public func linkRequest(_ id: Int64) throws -> LinkRequest? {
        try linkRequests(where: "id = \(id)").first
    }

    /// Staff approve or refuse a pending request; an approval links the business (audited) if it is still unowned.
    ///
    /// The request row is read FOR UPDATE: a second staff member deciding at once waits for the first one's
    /// commit and then sees the request decided, as on SQLite's single writer.
    public func decideLinkRequest(_ id: Int64, approve: Bool, by staffID: Int64, now: Date) throws -> LinkDecision {
        guard let request = try linkRequests(where: "id = \(id) FOR UPDATE").first else { throw RegistryError.noSuchBusiness(id) }
        guard request.status == .pending else { return .alreadyDecided(request.status) }
        let linked = approve
            ? try link(request.businessID, to: request.userID, proof: .staff, phone: request.phone, approvedBy: staffID, request: id, now: now)
            : nil
        let status: LinkRequest.Status = linked != nil ? .approved : .rejected
        try execute("UPDATE link_request SET status = \(status.rawValue), decided_by = \(staffID), decided_at = \(PostgresBusinessRow.timestamp(now)) WHERE id = \(id)")
        if let linked { return .linked(linked) }
        return approve ? .businessTaken : .rejected
    }

    /// The link requests `condition` (SQL after `WHERE`) selects.
    private func linkRequests(where condition: PostgresQuery) throws -> [LinkRequest] {
        let query = PostgresQuery(unsafeSQL: "SELECT id, business_id, user_id, user_name, phone, status, decided_by FROM link_request WHERE "
                                      + condition.sql, binds: condition.binds)
        return try rows(query).map { row in
            let (id, businessID, userID, userName, phone, status, decidedBy) = try row.decode((Int64, Int64, Int64, String, String, String, Int64?).self)
            return LinkRequest(id: id, businessID: businessID, userID: userID, userName: userName, phone: phone,
                               status: LinkRequest.Status(rawValue: status) ?? .pending, decidedBy: decidedBy)
        }
    }
}
