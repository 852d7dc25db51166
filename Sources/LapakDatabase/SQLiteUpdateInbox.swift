import Foundation
import GRDB
import TelegramBotAPI

/// The `UpdateInbox` in SQLite: a batch and the next offset are committed in one transaction.
public struct SQLiteUpdateInbox: UpdateInbox {
    private let database: AppDatabase
    /// How long handled updates are remembered, so a redelivered one is recognised (Telegram keeps
    /// unconfirmed updates for 24 hours; twice that is safe).
    public var retention: TimeInterval
    private let now: @Sendable () -> Date

    public init(database: AppDatabase, retention: TimeInterval = 48 * 3600, now: @escaping @Sendable () -> Date = { Date() }) {
        self.database = database
        self.retention = retention
        self.now = now
    }

    public func nextOffset() async throws -> Int64? {
        try await database.writer.read { db in
            try Int64.fetchOne(db, sql: "SELECT value FROM poller_state WHERE key = 'next_offset'")
        }
    }

    public func unfinishedUpdates() async throws -> [Update] {
        let payloads = try await database.writer.read { db in
            try String.fetchAll(db, sql: "SELECT payload FROM update_inbox WHERE handled_at IS NULL ORDER BY update_id")
        }
        // A stored payload was written by us from a decoded update, so it decodes again.
        return payloads.compactMap { try? Update(json: JSONValue.parse($0)) }
    }

    public func accept(_ updates: [Update], nextOffset: Int64) async throws -> [Update] {
        let receivedAt = Int64(now().timeIntervalSince1970)
        let forgetBefore = receivedAt - Int64(retention)
        // On the calling thread: one short transaction a batch, cheaper than a hop to the writer queue.
        return try database.writeOnCallingThread { db in
            var fresh: [Update] = []
            for update in updates {
                try db.cachedStatement(sql: "INSERT OR IGNORE INTO update_inbox (update_id, chat_id, payload, received_at) VALUES (?, ?, ?, ?)")
                    .execute(arguments: [update.updateID, update.chatID, update.json.serializedString(), receivedAt])
                if db.changesCount > 0 { fresh.append(update) }
            }
            try db.execute(
                sql: """
                    INSERT INTO poller_state (key, value) VALUES ('next_offset', ?)
                    ON CONFLICT(key) DO UPDATE SET value = max(value, excluded.value)
                    """,
                arguments: [nextOffset])
            try db.cachedStatement(sql: "DELETE FROM update_inbox WHERE handled_at < ?").execute(arguments: [forgetBefore])
            try ReplyOutbox.forgetFinished(before: forgetBefore, in: db)
            return fresh
        }
    }

    public func markHandled(_ updateID: Int64) async throws {
        let handledAt = Int64(now().timeIntervalSince1970)
        try await database.writer.write { db in
            try Self.markHandled(updateID, at: handledAt, in: db)
        }
    }

    /// Marks an update handled inside a caller's transaction, so its effects and the mark commit together.
    public static func markHandled(_ updateID: Int64, at handledAt: Int64 = Int64(Date().timeIntervalSince1970), in db: Database) throws {
        try db.cachedStatement(sql: "UPDATE update_inbox SET handled_at = ? WHERE update_id = ? AND handled_at IS NULL")
            .execute(arguments: [handledAt, updateID])
    }

    /// Whether `updateID` is stored and marked handled, inside a caller's transaction.
    public static func isHandled(_ updateID: Int64, in db: Database) throws -> Bool {
        try Bool.fetchOne(db.cachedStatement(sql: "SELECT handled_at IS NOT NULL FROM update_inbox WHERE update_id = ?"),
                          arguments: [updateID]) ?? false
    }

    /// Whether handling of `updateID` finished before (it was stored and marked handled).
    public func isHandled(_ updateID: Int64) async throws -> Bool {
        try await database.writer.read { db in
            try Bool.fetchOne(db, sql: "SELECT handled_at IS NOT NULL FROM update_inbox WHERE update_id = ?", arguments: [updateID]) ?? false
        }
    }
}
