import Foundation
import LapakBroadcast
import Logging
import PostgresNIO
import TelegramBotAPI

/// Staff announcements on PostgreSQL, shared by every worker; only the bulk leader sends them.
///
/// The tables mirror SQLite's (migration 4), and the store keeps `Outbox`'s contract, so the same
/// `BroadcastSender` drives both: a row is marked 'sending' just before its request and gets its outcome
/// after, and a sender that takes over puts the rows left in 'sending' back to pending, counted on their
/// broadcast as possibly repeated. With several workers the sender of each runs behind the worker's
/// `BulkLeadership`, so one worker at a time takes rows; the others only read.
///
/// Given a `fence`, a row is marked 'sending' only while that leadership's connection holds the advisory
/// lock as PostgreSQL sees it, in the same statement: a leader whose connection died, and that has not
/// noticed yet, cannot take another row, whatever its `isLeader` still says.
///
/// The audience is given as a list of chat ids in `start(_:recipients:)`: the registry's audience filters
/// (category, kelurahan, halal, groups) are SQLite queries and are not ported yet; the announcement's
/// `audience` is only stored, for the report.
public struct PostgresBroadcastStore: BroadcastStore {
    let store: PostgresStore
    /// Whose lock must be held for a row to be marked 'sending'; nil for no check (one worker, tools).
    let fence: BulkLeadership?

    /// The broadcasts in `store`; rows are marked 'sending' only while `fence` holds the lock, if given.
    public init(store: PostgresStore, fence: BulkLeadership? = nil) {
        self.store = store
        self.fence = fence
    }

    private var logger: Logger { store.logger }

    /// Writes the broadcast and one pending row per recipient (in the given order, duplicates once) in one
    /// transaction, before anything is sent. Recipients who unsubscribed or are unreachable are left out.
    public func start(_ announcement: Announcement, recipients: [Int64], now: Date = Date()) async throws -> BroadcastRecord {
        let timestamp = Int64(now.timeIntervalSince1970)
        let audience = announcement.audience.json.serializedString()
        return try await store.client.withTransaction(logger: logger) { connection in
            var id: Int64?
            for try await inserted in try await connection.query("""
                INSERT INTO broadcast (staff_id, staff_chat_id, text, audience, rsvp_label, status, recipients, created_at)
                VALUES (\(announcement.staffID), \(announcement.staffChatID), \(announcement.text), \(audience),
                        \(announcement.rsvpLabel), 'sending', 0, \(timestamp))
                RETURNING id
                """, logger: logger).decode(Int64.self) { id = inserted }
            guard let id else { throw PostgresStoreError("INSERT INTO broadcast returned no id") }
            // The outbox ids follow the list's order, which is the order of sending.
            var count = 0
            for try await written in try await connection.query("""
                WITH added AS (
                    INSERT INTO outbox (broadcast_id, chat_id, state, updated_at)
                    SELECT \(id), r.chat_id, 'pending', \(timestamp)
                    FROM unnest(\(recipients)::bigint[]) WITH ORDINALITY AS r(chat_id, position)
                    LEFT JOIN subscription s ON s.user_id = r.chat_id
                    WHERE s.user_id IS NULL OR (s.subscribed AND s.unreachable_at IS NULL)
                    ORDER BY r.position
                    ON CONFLICT (broadcast_id, chat_id) DO NOTHING
                    RETURNING 1)
                SELECT count(*) FROM added
                """, logger: logger).decode(Int.self) { count = written }
            try await connection.query("UPDATE broadcast SET recipients = \(count) WHERE id = \(id)", logger: logger)
            return BroadcastRecord(id: id, announcement: announcement, progressMessageID: nil, status: .sending, recipients: count,
                                   repeatedAfterCrash: 0, createdAt: Date(timeIntervalSince1970: TimeInterval(timestamp)), finishedAt: nil)
        }
    }

    // MARK: - The sender's bookkeeping

    public func recoverInterrupted(now: Date) async throws -> Int {
        // One statement: the rows counted are exactly the rows reset, even if a former leader still
        // records an outcome meanwhile. Fenced like `markSending`: a worker that is not the leader must not
        // take back rows the leader has in flight. (A data-modifying WITH runs to completion whether or not
        // the final SELECT reads it.)
        let rows = try await store.client.query("""
            WITH reset AS (
                UPDATE outbox SET state = 'pending', updated_at = \(Int64(now.timeIntervalSince1970))
                WHERE state = 'sending' AND \(unescaped: fenceCondition)
                RETURNING broadcast_id),
            per_broadcast AS (SELECT broadcast_id, count(*) AS n FROM reset GROUP BY broadcast_id),
            counted AS (
                UPDATE broadcast b SET repeated_after_crash = repeated_after_crash + p.n
                FROM per_broadcast p WHERE b.id = p.broadcast_id AND b.status = 'sending')
            SELECT count(*) FROM reset
            """, logger: logger)
        for try await reset in rows.decode(Int.self) { return reset }
        return 0
    }

    public func activeBroadcasts() async throws -> [BroadcastRecord] {
        try await records(store.client.query("\(unescaped: Self.broadcastSelect) WHERE status = 'sending' ORDER BY id", logger: logger))
    }

    public func broadcast(_ id: Int64) async throws -> BroadcastRecord? {
        try await records(store.client.query("\(unescaped: Self.broadcastSelect) WHERE id = \(id)", logger: logger)).first
    }

    public func dueEntries(of broadcastID: Int64, now: Date, limit: Int) async throws -> [OutboxEntry] {
        let rows = try await store.client.query("""
            SELECT id, broadcast_id, chat_id, attempts FROM outbox
            WHERE broadcast_id = \(broadcastID) AND state = 'pending' AND due_at <= \(Self.milliseconds(now)) ORDER BY id LIMIT \(limit)
            """, logger: logger)
        var entries: [OutboxEntry] = []
        for try await (id, broadcast, chat, attempts) in rows.decode((Int64, Int64, Int64, Int).self) {
            entries.append(OutboxEntry(id: id, broadcastID: broadcast, chatID: chat, attempts: attempts))
        }
        return entries
    }

    public func nextDue(of broadcastID: Int64) async throws -> Date? {
        let rows = try await store.client.query("SELECT min(due_at) FROM outbox WHERE broadcast_id = \(broadcastID) AND state = 'pending'",
                                                logger: logger)
        for try await due in rows.decode(Int64?.self) { return due.map { Date(timeIntervalSince1970: TimeInterval($0) / 1000) } }
        return nil
    }

    public func markSending(_ entry: OutboxEntry, now: Date) async throws -> Bool {
        let rows = try await store.client.query("""
            UPDATE outbox SET
                state = CASE WHEN wanted THEN 'sending' ELSE 'skipped' END,
                attempts = attempts + CASE WHEN wanted THEN 1 ELSE 0 END,
                updated_at = \(Int64(now.timeIntervalSince1970))
            FROM (SELECT coalesce((SELECT subscribed AND unreachable_at IS NULL FROM subscription WHERE user_id = \(entry.chatID)), true)
                  AS wanted) w
            WHERE id = \(entry.id) AND state = 'pending' AND \(unescaped: fenceCondition)
            RETURNING state
            """, logger: logger)
        for try await state in rows.decode(String.self) { return state == "sending" }
        return false
    }

    public func markSent(_ entry: OutboxEntry, messageID: Int, now: Date) async throws {
        try await finish(entry, state: "sent", messageID: Int64(messageID), error: nil, now: now)
    }

    public func markFailed(_ entry: OutboxEntry, reason: String, now: Date) async throws {
        try await finish(entry, state: "failed", messageID: nil, error: reason, now: now)
    }

    public func markUnreachable(_ entry: OutboxEntry, reason: String, now: Date) async throws {
        let timestamp = Int64(now.timeIntervalSince1970)
        try await store.client.withTransaction(logger: logger) { connection in
            try await connection.query("""
                UPDATE outbox SET state = 'unreachable', error = \(reason), updated_at = \(timestamp) WHERE id = \(entry.id)
                """, logger: logger)
            try await connection.query("""
                INSERT INTO subscription (user_id, subscribed, unreachable_at, unreachable_reason, updated_at)
                VALUES (\(entry.chatID), true, \(timestamp), \(reason), \(timestamp))
                ON CONFLICT (user_id) DO UPDATE SET unreachable_at = excluded.unreachable_at,
                    unreachable_reason = excluded.unreachable_reason, updated_at = excluded.updated_at
                """, logger: logger)
        }
    }

    public func reschedule(_ entry: OutboxEntry, at dueAt: Date, error: String, countsAsAttempt: Bool, now: Date) async throws {
        try await store.client.query("""
            UPDATE outbox SET state = 'pending', due_at = \(Self.milliseconds(dueAt)), error = \(error),
                attempts = attempts - \(countsAsAttempt ? 0 : 1), updated_at = \(Int64(now.timeIntervalSince1970))
            WHERE id = \(entry.id)
            """, logger: logger)
    }

    public func counts(of broadcastID: Int64) async throws -> DeliveryCounts {
        var counts = DeliveryCounts()
        let rows = try await store.client.query("SELECT state, count(*) FROM outbox WHERE broadcast_id = \(broadcastID) GROUP BY state",
                                                logger: logger)
        for try await (state, count) in rows.decode((String, Int).self) { counts.add(count, inState: state) }
        return counts
    }

    public func close(_ broadcastID: Int64, as status: BroadcastStatus, now: Date) async throws {
        let timestamp = Int64(now.timeIntervalSince1970)
        try await store.client.withTransaction(logger: logger) { connection in
            if status == .stopped {
                try await connection.query("""
                    UPDATE outbox SET state = 'skipped', error = 'stopped by staff', updated_at = \(timestamp)
                    WHERE broadcast_id = \(broadcastID) AND state = 'pending'
                    """, logger: logger)
            }
            try await connection.query("""
                UPDATE broadcast SET status = \(status.rawValue), finished_at = \(timestamp) WHERE id = \(broadcastID) AND status = 'sending'
                """, logger: logger)
        }
    }

    // MARK: - Rows

    private func finish(_ entry: OutboxEntry, state: String, messageID: Int64?, error: String?, now: Date) async throws {
        try await store.client.query("""
            UPDATE outbox SET state = \(state), message_id = \(messageID), error = \(error), updated_at = \(Int64(now.timeIntervalSince1970))
            WHERE id = \(entry.id)
            """, logger: logger)
    }

    /// A broadcast's columns, its progress message id taken from its progress reply once that was sent.
    static let broadcastSelect = """
        SELECT id, staff_id, staff_chat_id, text, audience, rsvp_label,
               coalesce(progress_message_id, (SELECT message_id FROM reply_outbox r WHERE r.id = broadcast.progress_reply_id AND r.state = 'sent')),
               status, recipients, repeated_after_crash, created_at, finished_at
        FROM broadcast
        """

    private func records(_ rows: PostgresRowSequence) async throws -> [BroadcastRecord] {
        var records: [BroadcastRecord] = []
        for try await row in rows { records.append(try Self.record(from: row)) }
        return records
    }

    /// A broadcast from a row of `broadcastSelect`.
    static func record(from row: PostgresRow) throws -> BroadcastRecord {
        let (id, staffID, staffChatID, text, audienceJSON, rsvpLabel, progress, status, recipients, repeated, createdAt, finishedAt)
            = try row.decode((Int64, Int64, Int64, String, String, String?, Int64?, String, Int, Int, Int64, Int64?).self)
        // Written by `start` from a JSONValue, so it parses again; "anyone" if not.
        let audience = (try? JSONValue.parse(audienceJSON)).map(Audience.init(json:)) ?? Audience()
        return BroadcastRecord(
            id: id,
            announcement: Announcement(staffID: staffID, staffChatID: staffChatID, text: text, audience: audience, rsvpLabel: rsvpLabel),
            progressMessageID: progress.map(Int.init), status: BroadcastStatus(rawValue: status) ?? .done,
            recipients: recipients, repeatedAfterCrash: repeated,
            createdAt: Date(timeIntervalSince1970: TimeInterval(createdAt)),
            finishedAt: finishedAt.map { Date(timeIntervalSince1970: TimeInterval($0)) })
    }

    /// The fence as an SQL condition: true without a fence; with one, true only while the fence's
    /// connection holds the lock as `pg_locks` shows it (a pid of 0, when the fence does not lead, matches
    /// no backend). Only integers go into the text.
    private var fenceCondition: String {
        guard let fence else { return "true" }
        return """
            EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted AND pid = \(fence.lockHolderPID ?? 0) AND objsubid = 1
                    AND classid::text::bigint = \(Self.highWord(fence.key)) AND objid::text::bigint = \(Self.lowWord(fence.key)))
            """
    }

    static func milliseconds(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded(.down)) }

    /// The halves of a bigint advisory key as `pg_locks` shows them: classid the high 32 bits, objid the low.
    static func highWord(_ key: Int64) -> Int64 { Int64(UInt32(truncatingIfNeeded: key >> 32)) }
    static func lowWord(_ key: Int64) -> Int64 { Int64(UInt32(truncatingIfNeeded: key)) }
}
