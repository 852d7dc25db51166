import Foundation
import GRDB
import LapakDatabase
import TelegramBotAPI

/// An announcement staff asked to send.
public struct Announcement: Sendable, Hashable {
    public var staffID: Int64
    /// Where the progress message lives (the staff member's chat).
    public var staffChatID: Int64
    /// The message exactly as vendors get it (Telegram HTML).
    public var text: String
    public var audience: Audience
    /// The label of the "✋ Ikut" button, or nil for no RSVP.
    public var rsvpLabel: String?

    /// An announcement by `staffID`, whose progress is shown in `staffChatID`.
    public init(staffID: Int64, staffChatID: Int64, text: String, audience: Audience, rsvpLabel: String?) {
        self.staffID = staffID
        self.staffChatID = staffChatID
        self.text = text
        self.audience = audience
        self.rsvpLabel = rsvpLabel
    }
}

/// Where a broadcast is.
public enum BroadcastStatus: String, Sendable, Hashable, CaseIterable {
    case sending, done
    /// Stopped by staff: the rest was skipped.
    case stopped
}

/// A stored broadcast.
public struct BroadcastRecord: Sendable, Hashable {
    public var id: Int64
    public var announcement: Announcement
    public var progressMessageID: Int?
    public var status: BroadcastStatus
    /// Recipients when it was written to the outbox.
    public var recipients: Int
    /// Sends that were in flight when the daemon died: they were sent again and may have arrived twice.
    public var repeatedAfterCrash: Int
    public var createdAt: Date
    public var finishedAt: Date?

    /// A broadcast as a store read it.
    public init(id: Int64, announcement: Announcement, progressMessageID: Int?, status: BroadcastStatus, recipients: Int,
                repeatedAfterCrash: Int, createdAt: Date, finishedAt: Date?) {
        self.id = id
        self.announcement = announcement
        self.progressMessageID = progressMessageID
        self.status = status
        self.recipients = recipients
        self.repeatedAfterCrash = repeatedAfterCrash
        self.createdAt = createdAt
        self.finishedAt = finishedAt
    }
}

/// How far a broadcast got.
public struct DeliveryCounts: Sendable, Hashable {
    public var pending = 0
    public var sending = 0
    public var sent = 0
    /// Rejected for good (400 chat not found, too many errors), with the reason in the outbox.
    public var failed = 0
    /// Blocked the bot or deactivated (403): skipped in future broadcasts.
    public var unreachable = 0
    /// Unsubscribed meanwhile, or stopped by staff.
    public var skipped = 0

    /// No rows yet.
    public init() {}

    /// Every recipient of the broadcast.
    public var total: Int { pending + sending + sent + failed + unreachable + skipped }
    /// Recipients with a final outcome.
    public var finished: Int { sent + failed + unreachable + skipped }

    /// Counts `count` rows in the outbox state `state` (a row's `state` column, in either store).
    public mutating func add(_ count: Int, inState state: String) {
        switch state {
        case "pending": pending += count
        case "sending": sending += count
        case "sent": sent += count
        case "failed": failed += count
        case "unreachable": unreachable += count
        default: skipped += count
        }
    }
}

/// One recipient's row of the outbox.
public struct OutboxEntry: Sendable, Hashable {
    public var id: Int64
    public var broadcastID: Int64
    public var chatID: Int64
    public var attempts: Int

    /// A row as a store read it.
    public init(id: Int64, broadcastID: Int64, chatID: Int64, attempts: Int) {
        self.id = id
        self.broadcastID = broadcastID
        self.chatID = chatID
        self.attempts = attempts
    }
}

/// The durable outbox and its bookkeeping: broadcasts, one row per recipient, subscriptions and RSVPs.
public struct Outbox: Sendable {
    let database: AppDatabase

    /// The outbox in `database`.
    public init(database: AppDatabase) { self.database = database }

    /// The outbox bound to `db`, to run inside the caller's transaction.
    public func session(_ db: Database) -> Session { Session(db: db) }

    /// The outbox inside one transaction: synchronous mirrors of the async methods, on the caller's `Database`.
    ///
    /// Deliberately not Sendable: it lives only as long as the `write { db in … }` or `read { db in … }` closure
    /// that made it, so changes of several stores (and marking the update handled) commit together.
    public struct Session {
        /// The caller's connection, inside its transaction.
        public let db: Database

        /// A session on `db` (see `Outbox.session(_:)`).
        public init(db: Database) { self.db = db }
    }

    // MARK: - Audience

    /// How many chats `audience` reaches now.
    public func recipientCount(_ audience: Audience) async throws -> Int {
        try await database.writer.read { try session($0).recipientCount(audience) }
    }

    /// Writes the broadcast and one outbox row per recipient in one transaction, before anything is sent.
    ///
    /// The bot calls the session's `start` inside the update's transaction, which also clears the draft,
    /// so a "Kirim" press redelivered after a crash can neither send twice nor be lost.
    public func start(_ announcement: Announcement, now: Date = Date()) async throws -> BroadcastRecord {
        try await database.writer.write { try session($0).start(announcement, now: now) }
    }


    // MARK: - The sender's bookkeeping

    /// After a crash: sends marked 'sending' were in flight. They go back to pending (so nothing is lost)
    /// and are counted on their broadcast as possibly repeated. Returns how many there were.
    public func recoverInterrupted(now: Date = Date()) async throws -> Int {
        try await database.writer.write { try session($0).recoverInterrupted(now: now) }
    }

    /// Broadcasts still sending, oldest first.
    public func activeBroadcasts() async throws -> [BroadcastRecord] {
        try await database.writer.read { try session($0).activeBroadcasts() }
    }

    /// The broadcast with this id.
    public func broadcast(_ id: Int64) async throws -> BroadcastRecord? {
        try await database.writer.read { try session($0).broadcast(id) }
    }

    /// Pending rows whose time has come, in outbox order.
    public func dueEntries(of broadcastID: Int64, now: Date = Date(), limit: Int) async throws -> [OutboxEntry] {
        try await database.writer.read { try session($0).dueEntries(of: broadcastID, now: now, limit: limit) }
    }

    /// The earliest due time of a pending row (a retry waiting for its backoff), if any row is pending.
    public func nextDue(of broadcastID: Int64) async throws -> Date? {
        try await database.writer.read { try session($0).nextDue(of: broadcastID) }
    }

    /// Marks a row as being sent, just before its request. False (and the row skipped) when the
    /// recipient unsubscribed or became unreachable meanwhile, or the row is no longer pending.
    public func markSending(_ entry: OutboxEntry, now: Date = Date()) async throws -> Bool {
        try await database.writer.write { try session($0).markSending(entry, now: now) }
    }

    /// The message arrived.
    public func markSent(_ entry: OutboxEntry, messageID: Int, now: Date = Date()) async throws {
        try await database.writer.write { try session($0).markSent(entry, messageID: messageID, now: now) }
    }

    /// Rejected for good, with the reason.
    public func markFailed(_ entry: OutboxEntry, reason: String, now: Date = Date()) async throws {
        try await database.writer.write { try session($0).markFailed(entry, reason: reason, now: now) }
    }

    /// 403: the recipient blocked the bot or was deactivated; future broadcasts skip them.
    public func markUnreachable(_ entry: OutboxEntry, reason: String, now: Date = Date()) async throws {
        try await database.writer.write { try session($0).markUnreachable(entry, reason: reason, now: now) }
    }

    /// Back to pending, to be tried again at `dueAt`; a 429 does not count as an attempt.
    public func reschedule(_ entry: OutboxEntry, at dueAt: Date, error: String, countsAsAttempt: Bool, now: Date = Date()) async throws {
        try await database.writer.write {
            try session($0).reschedule(entry, at: dueAt, error: error, countsAsAttempt: countsAsAttempt, now: now)
        }
    }

    /// Counts of the broadcast's rows by state.
    public func counts(of broadcastID: Int64) async throws -> DeliveryCounts {
        try await database.writer.read { try session($0).counts(of: broadcastID) }
    }

    /// Ends a broadcast: done when every row has its outcome, or stopped by staff (the rest skipped).
    public func close(_ broadcastID: Int64, as status: BroadcastStatus, now: Date = Date()) async throws {
        try await database.writer.write { try session($0).close(broadcastID, as: status, now: now) }
    }

    /// Why the recipients of a broadcast failed, most common first (for the final report).
    public func failureReasons(of broadcastID: Int64, limit: Int = 3) async throws -> [(reason: String, count: Int)] {
        try await database.writer.read { try session($0).failureReasons(of: broadcastID, limit: limit) }
    }

    static func milliseconds(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded(.down)) }

    static func record(from row: Row) -> BroadcastRecord {
        let audience = (try? JSONValue.parse(row["audience"] as String)).map(Audience.init(json:)) ?? Audience()
        let finished: Int64? = row["finished_at"]
        return BroadcastRecord(
            id: row["id"],
            announcement: Announcement(staffID: row["staff_id"], staffChatID: row["staff_chat_id"], text: row["text"], audience: audience,
                                       rsvpLabel: row["rsvp_label"]),
            progressMessageID: row["progress_message_id"] ?? row["progress_reply_message_id"], status: BroadcastStatus(rawValue: row["status"]) ?? .done,
            recipients: row["recipients"], repeatedAfterCrash: row["repeated_after_crash"],
            createdAt: Date(timeIntervalSince1970: TimeInterval(row["created_at"] as Int64)),
            finishedAt: finished.map { Date(timeIntervalSince1970: TimeInterval($0)) })
    }
}

extension Outbox {
    /// A broadcast row with the message id of its progress reply, once that reply was sent.
    static let broadcastColumns = """
        *, (SELECT message_id FROM reply_outbox r WHERE r.id = broadcast.progress_reply_id AND r.state = 'sent') AS progress_reply_message_id
        """
}

extension Outbox.Session {
    /// `recipientCount(_:)` inside the caller's transaction.
    public func recipientCount(_ audience: Audience) throws -> Int {
        let query = audience.recipientsQuery()
        return try Int.fetchOne(db.cachedStatement(sql: "SELECT count(*) FROM (\(query.sql))"), arguments: query.arguments) ?? 0
    }

    /// `start(_:now:)` inside the caller's transaction.
    public func start(_ announcement: Announcement, now: Date = Date()) throws -> BroadcastRecord {
        let query = announcement.audience.recipientsQuery()
        let timestamp = Int64(now.timeIntervalSince1970)
        try db.cachedStatement(sql: """
            INSERT INTO broadcast (staff_id, staff_chat_id, text, audience, rsvp_label, status, recipients, created_at)
            VALUES (?, ?, ?, ?, ?, 'sending', 0, ?)
            """).execute(arguments: [announcement.staffID, announcement.staffChatID, announcement.text,
                             announcement.audience.json.serializedString(), announcement.rsvpLabel, timestamp])
        let id = db.lastInsertedRowID
        try db.cachedStatement(sql: "INSERT INTO outbox (broadcast_id, chat_id, state, updated_at) SELECT ?, owner_telegram_id, 'pending', ? FROM (\(query.sql))").execute(arguments: [id, timestamp] + query.arguments)
        let recipients = db.changesCount
        try db.cachedStatement(sql: "UPDATE broadcast SET recipients = ? WHERE id = ?").execute(arguments: [recipients, id])
        return BroadcastRecord(id: id, announcement: announcement, progressMessageID: nil, status: .sending, recipients: recipients,
                               repeatedAfterCrash: 0, createdAt: Date(timeIntervalSince1970: TimeInterval(timestamp)), finishedAt: nil)
    }

    /// Remembers that the reply `replyID` (in the reply outbox) shows the broadcast's progress; its message
    /// id is read from the outbox once the reply is sent.
    public func setProgressReply(_ replyID: Int64, of broadcastID: Int64) throws {
        try db.cachedStatement(sql: "UPDATE broadcast SET progress_reply_id = ? WHERE id = ?").execute(arguments: [replyID, broadcastID])
    }


    /// `recoverInterrupted(now:)` inside the caller's transaction.
    public func recoverInterrupted(now: Date = Date()) throws -> Int {
        try db.cachedStatement(sql: """
            UPDATE broadcast SET repeated_after_crash = repeated_after_crash
                + (SELECT count(*) FROM outbox o WHERE o.broadcast_id = broadcast.id AND o.state = 'sending')
            WHERE status = 'sending'
            """).execute()
        try db.execute(sql: "UPDATE outbox SET state = 'pending', updated_at = ? WHERE state = 'sending'",
                       arguments: [Int64(now.timeIntervalSince1970)])
        return db.changesCount
    }

    /// `activeBroadcasts()` inside the caller's transaction.
    public func activeBroadcasts() throws -> [BroadcastRecord] {
        try Row.fetchAll(db.cachedStatement(sql: "SELECT \(Outbox.broadcastColumns) FROM broadcast WHERE status = 'sending' ORDER BY id")).map(Outbox.record(from:))
    }

    /// `broadcast(_:)` inside the caller's transaction.
    public func broadcast(_ id: Int64) throws -> BroadcastRecord? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT \(Outbox.broadcastColumns) FROM broadcast WHERE id = ?"), arguments: [id]).map(Outbox.record(from:))
    }

    /// `dueEntries(of:now:limit:)` inside the caller's transaction.
    public func dueEntries(of broadcastID: Int64, now: Date = Date(), limit: Int) throws -> [OutboxEntry] {
        try Row.fetchAll(db.cachedStatement(sql: """
            SELECT id, broadcast_id, chat_id, attempts FROM outbox
            WHERE broadcast_id = ? AND state = 'pending' AND due_at <= ? ORDER BY id LIMIT ?
            """), arguments: [broadcastID, Outbox.milliseconds(now), limit])
            .map { OutboxEntry(id: $0[0], broadcastID: $0[1], chatID: $0[2], attempts: $0[3]) }
    }

    /// `nextDue(of:)` inside the caller's transaction.
    public func nextDue(of broadcastID: Int64) throws -> Date? {
        try Int64.fetchOne(db.cachedStatement(sql: "SELECT min(due_at) FROM outbox WHERE broadcast_id = ? AND state = 'pending'"), arguments: [broadcastID])
            .map { Date(timeIntervalSince1970: TimeInterval($0) / 1000) }
    }

    /// `markSending(_:now:)` inside the caller's transaction.
    public func markSending(_ entry: OutboxEntry, now: Date = Date()) throws -> Bool {
        let timestamp = Int64(now.timeIntervalSince1970)
        let wanted = try Row.fetchOne(db.cachedStatement(sql: "SELECT subscribed, unreachable_at FROM subscription WHERE user_id = ?"), arguments: [entry.chatID])
            .map { ($0[0] as Bool) && ($0[1] as Int64?) == nil } ?? true
        if !wanted {
            try db.execute(sql: "UPDATE outbox SET state = 'skipped', updated_at = ? WHERE id = ? AND state = 'pending'",
                           arguments: [timestamp, entry.id])
            return false
        }
        try db.execute(sql: "UPDATE outbox SET state = 'sending', attempts = attempts + 1, updated_at = ? WHERE id = ? AND state = 'pending'",
                       arguments: [timestamp, entry.id])
        return db.changesCount == 1
    }

    /// `markSent(_:messageID:now:)` inside the caller's transaction.
    public func markSent(_ entry: OutboxEntry, messageID: Int, now: Date = Date()) throws {
        try finish(entry, state: "sent", messageID: messageID, error: nil, now: now)
    }

    /// `markFailed(_:reason:now:)` inside the caller's transaction.
    public func markFailed(_ entry: OutboxEntry, reason: String, now: Date = Date()) throws {
        try finish(entry, state: "failed", messageID: nil, error: reason, now: now)
    }

    /// `markUnreachable(_:reason:now:)` inside the caller's transaction.
    public func markUnreachable(_ entry: OutboxEntry, reason: String, now: Date = Date()) throws {
        let timestamp = Int64(now.timeIntervalSince1970)
        try db.cachedStatement(sql: "UPDATE outbox SET state = 'unreachable', error = ?, updated_at = ? WHERE id = ?")
            .execute(arguments: [reason, timestamp, entry.id])
        try db.cachedStatement(sql: """
            INSERT INTO subscription (user_id, subscribed, unreachable_at, unreachable_reason, updated_at) VALUES (?, 1, ?, ?, ?)
            ON CONFLICT(user_id) DO UPDATE SET unreachable_at = excluded.unreachable_at,
                unreachable_reason = excluded.unreachable_reason, updated_at = excluded.updated_at
            """).execute(arguments: [entry.chatID, timestamp, reason, timestamp])
    }

    /// `reschedule(_:at:error:countsAsAttempt:now:)` inside the caller's transaction.
    public func reschedule(_ entry: OutboxEntry, at dueAt: Date, error: String, countsAsAttempt: Bool, now: Date = Date()) throws {
        try db.cachedStatement(sql: """
            UPDATE outbox SET state = 'pending', due_at = ?, error = ?, attempts = attempts - ?, updated_at = ? WHERE id = ?
            """).execute(arguments: [Outbox.milliseconds(dueAt), error, countsAsAttempt ? 0 : 1, Int64(now.timeIntervalSince1970), entry.id])
    }

    private func finish(_ entry: OutboxEntry, state: String, messageID: Int?, error: String?, now: Date) throws {
        try db.cachedStatement(sql: "UPDATE outbox SET state = ?, message_id = ?, error = ?, updated_at = ? WHERE id = ?").execute(arguments: [state, messageID, error, Int64(now.timeIntervalSince1970), entry.id])
    }

    /// `counts(of:)` inside the caller's transaction.
    public func counts(of broadcastID: Int64) throws -> DeliveryCounts {
        var counts = DeliveryCounts()
        for row in try Row.fetchAll(db.cachedStatement(sql: "SELECT state, count(*) FROM outbox WHERE broadcast_id = ? GROUP BY state"), arguments: [broadcastID]) {
            counts.add(row[1], inState: row[0])
        }
        return counts
    }

    /// `close(_:as:now:)` inside the caller's transaction.
    public func close(_ broadcastID: Int64, as status: BroadcastStatus, now: Date = Date()) throws {
        let timestamp = Int64(now.timeIntervalSince1970)
        if status == .stopped {
            try db.cachedStatement(sql: "UPDATE outbox SET state = 'skipped', error = 'stopped by staff', updated_at = ? WHERE broadcast_id = ? AND state = 'pending'").execute(arguments: [timestamp, broadcastID])
        }
        try db.cachedStatement(sql: "UPDATE broadcast SET status = ?, finished_at = ? WHERE id = ? AND status = 'sending'").execute(arguments: [status.rawValue, timestamp, broadcastID])
    }

    /// `failureReasons(of:limit:)` inside the caller's transaction.
    public func failureReasons(of broadcastID: Int64, limit: Int = 3) throws -> [(reason: String, count: Int)] {
        try Row.fetchAll(db.cachedStatement(sql: """
            SELECT error, count(*) AS n FROM outbox WHERE broadcast_id = ? AND state = 'failed' GROUP BY error ORDER BY n DESC LIMIT ?
            """), arguments: [broadcastID, limit]).map { (($0[0] as String?) ?? "?", $0[1]) }
    }
}
