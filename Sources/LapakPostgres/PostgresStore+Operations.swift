import Foundation
import LapakDatabase
import PostgresNIO

extension PostgresStore {
    /// The operational figures at `now` (see `OperationalFigures`), read as SQLite's are, in one round trip.
    ///
    /// Asked by `/metrics` and `/readyz` straight on the pool (async, no handler thread): a scrape must not
    /// wait behind a burst of updates for a thread of the handlers.
    public func operationalFigures(now: Int64) async throws -> OperationalFigures {
        let rows = try await client.query("""
            SELECT (SELECT count(*) FROM reply_outbox WHERE state = 'pending'),
                   (SELECT min(created_at) FROM reply_outbox WHERE state = 'pending'),
                   (SELECT count(*) FROM outbox o WHERE o.state IN ('pending', 'sending')),
                   (SELECT min(b.created_at) FROM outbox o JOIN broadcast b ON b.id = o.broadcast_id WHERE o.state IN ('pending', 'sending')),
                   (SELECT coalesce(json_object_agg(status, n), '{}')::text FROM (SELECT status, count(*) AS n FROM business GROUP BY status) s),
                   (SELECT count(*) FROM place WHERE checkin_id IS NOT NULL AND (expires_at IS NULL OR expires_at > \(now)))
            """, logger: logger)
        var figures: OperationalFigures?
        for try await (replies, oldestReply, announcements, oldestAnnouncement, statuses, carts)
            in rows.decode((Int64, Int64?, Int64, Int64?, String, Int64).self) {
            let byStatus = (try? JSONDecoder().decode([String: Int].self, from: Data(statuses.utf8))) ?? [:]
            figures = OperationalFigures(
                pendingReplies: Int(replies), oldestPendingReply: oldestReply,
                pendingAnnouncements: Int(announcements), oldestPendingAnnouncement: oldestAnnouncement, businessesByStatus: byStatus,
                vendorsCheckedIn: Int(carts))
        }
        // A SELECT without FROM answers one row; none would be a broken connection's doing.
        guard let figures else { throw PostgresOperationsError("the figures' query returned no row") }
        return figures
    }
}

extension PostgresStore {
    /// The oldest undelivered reply that `worker` sends (claimed by it, or not claimed by any worker yet): its
    /// chat and when it was written.
    public func oldestPendingReply(claimableBy worker: String) async throws -> (chatID: Int64, createdAt: Int64)? {
        let rows = try await client.query("""
            SELECT chat_id, created_at FROM reply_outbox
            WHERE state = 'pending' AND (claimed_by = \(worker) OR claimed_by IS NULL) ORDER BY id LIMIT 1
            """, logger: logger)
        for try await (chat, createdAt) in rows.decode((Int64, Int64).self) { return (chat, createdAt) }
        return nil
    }
}

/// A scrape's query answered in a way it cannot (no row).
struct PostgresOperationsError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
