import Foundation
import GRDB

/// What `/metrics` and `/readyz` read from the database at a scrape: the outboxes' backlogs, the registry's
/// size, the carts on the map. The same figures from SQLite and from PostgreSQL.
public struct OperationalFigures: Sendable, Hashable {
    /// Replies written and not yet delivered.
    public var pendingReplies: Int
    /// When the oldest of them was written (seconds since 1970).
    public var oldestPendingReply: Int64?
    /// Announcement rows still to send (pending or in flight).
    public var pendingAnnouncements: Int
    /// When the oldest announcement with rows still to send was made.
    public var oldestPendingAnnouncement: Int64?
    /// Businesses by status (`active`, `suspended`, `inactive`).
    public var businessesByStatus: [String: Int]
    /// Mobile vendors checked in and not yet expired.
    public var vendorsCheckedIn: Int

    /// Figures as read.
    public init(pendingReplies: Int, oldestPendingReply: Int64?, pendingAnnouncements: Int,
                oldestPendingAnnouncement: Int64?, businessesByStatus: [String: Int], vendorsCheckedIn: Int) {
        self.pendingReplies = pendingReplies
        self.oldestPendingReply = oldestPendingReply
        self.pendingAnnouncements = pendingAnnouncements
        self.oldestPendingAnnouncement = oldestPendingAnnouncement
        self.businessesByStatus = businessesByStatus
        self.vendorsCheckedIn = vendorsCheckedIn
    }
}

extension AppDatabase {
    /// The operational figures at `now`, in one read.
    public func operationalFigures(now: Int64) async throws -> OperationalFigures {
        try await writer.read { db in
            let replies = try Row.fetchOne(db, sql: "SELECT count(*) AS n, min(created_at) AS oldest FROM reply_outbox WHERE state = 'pending'")
            let broadcasts = try Row.fetchOne(db, sql: """
                SELECT count(*) AS n, min(b.created_at) AS oldest FROM outbox o JOIN broadcast b ON b.id = o.broadcast_id
                WHERE o.state IN ('pending', 'sending')
                """)
            var byStatus: [String: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT status, count(*) AS n FROM business GROUP BY status") {
                byStatus[row["status"]] = row["n"]
            }
            let carts = try Int.fetchOne(db, sql: """
                SELECT count(*) FROM place WHERE checkin_id IS NOT NULL AND (expires_at IS NULL OR expires_at > ?)
                """, arguments: [now]) ?? 0
            return OperationalFigures(
                pendingReplies: replies?["n"] ?? 0, oldestPendingReply: replies?["oldest"],
                pendingAnnouncements: broadcasts?["n"] ?? 0, oldestPendingAnnouncement: broadcasts?["oldest"], businessesByStatus: byStatus,
                vendorsCheckedIn: carts)
        }
    }
}

extension AppDatabase {
    /// The oldest undelivered reply: its chat and when it was written (seconds since 1970); nil when none waits.
    ///
    /// What `/readyz` asks at every probe: one row by the primary key's order, not the whole of
    /// `operationalFigures` (business counts, carts and both outboxes are for a scrape).
    public func oldestPendingReply() async throws -> (chatID: Int64, createdAt: Int64)? {
        try await writer.read { db in
            try Row.fetchOne(db, sql: "SELECT chat_id, created_at FROM reply_outbox WHERE state = 'pending' ORDER BY id LIMIT 1")
                .map { (chatID: $0["chat_id"], createdAt: $0["created_at"]) }
        }
    }
}
