import Foundation
import GRDB
import TelegramBotAPI

/// The reply outbox in SQLite: what handlers said, committed with their state changes, until delivered.
///
/// A handler's replies are inserted in the same transaction as its effects and the update's "handled"
/// mark, so after a crash an update is either not handled (and runs again, having left no trace) or
/// handled with its replies waiting here. Rows stay a while after delivery: their message ids serve
/// later edits (a broadcast's progress message).
public struct ReplyOutbox: ReplyStore {
    private let database: AppDatabase
    private let now: @Sendable () -> Date

    /// The outbox in `database`; `now` stamps delivery times.
    public init(database: AppDatabase, now: @escaping @Sendable () -> Date = { Date() }) {
        self.database = database
        self.now = now
    }

    /// Adds a reply inside the caller's transaction and returns it with its row id.
    public static func add(_ request: BotRequest, chatID: Int64, updateID: Int64?, messageOf: Int64? = nil, at createdAt: Int64,
                           in db: Database) throws -> OutgoingReply {
        let statement = try db.cachedStatement(sql: """
            INSERT INTO reply_outbox (update_id, chat_id, method, parameters, message_of, created_at) VALUES (?, ?, ?, ?, ?, ?)
            """)
        let json = request.parameters.serializedString()
        try statement.execute(arguments: [updateID, chatID, request.method, json, messageOf, createdAt])
        return OutgoingReply(id: db.lastInsertedRowID, chatID: chatID, method: request.method, parameters: request.parameters,
                             messageOf: messageOf, body: Array(json.utf8))
    }

    public func undeliveredReplies() async throws -> [OutgoingReply] {
        let rows = try database.writer.read { db in
            try Row.fetchAll(db, sql: "SELECT id, chat_id, method, parameters, message_of FROM reply_outbox WHERE state = 'pending' ORDER BY id")
        }
        return rows.compactMap { row in
            // Written by us from a JSONValue, so it parses again.
            guard let parameters = try? JSONValue.parse(row[3] as String) else { return nil }
            return OutgoingReply(id: row[0], chatID: row[1], method: row[2], parameters: parameters, messageOf: row[4])
        }
    }

    public func record(_ outcomes: [ReplyOutcome]) async throws {
        guard !outcomes.isEmpty else { return }
        let finishedAt = Int64(now().timeIntervalSince1970)
        // Shares the next group commit with the handlers running now: under a crowd, one transaction for
        // many updates' outcomes instead of one each.
        try await database.commits.run({ db in
            let statement = try db.cachedStatement(sql: """
                UPDATE reply_outbox SET state = ?, message_id = ?, error = ?, attempts = attempts + ?, finished_at = ? WHERE id = ?
                """)
            for outcome in outcomes {
                try statement.execute(arguments: [outcome.status.rawValue, outcome.messageID, outcome.error, outcome.attempts, finishedAt, outcome.id])
            }
        }, recover: { error, _ in throw error })
    }

    public func sentMessageID(ofReply id: Int64) async throws -> Int? {
        try await database.writer.read { db in try Self.sentMessageID(ofReply: id, in: db) }
    }

    /// The message id of a sent reply, inside the caller's transaction.
    public static func sentMessageID(ofReply id: Int64, in db: Database) throws -> Int? {
        try Int.fetchOne(db.cachedStatement(sql: "SELECT message_id FROM reply_outbox WHERE id = ? AND state = 'sent'"), arguments: [id])
    }

    /// Forgets delivered replies finished before `cutoff` (seconds since 1970), inside the caller's transaction.
    static func forgetFinished(before cutoff: Int64, in db: Database) throws {
        try db.cachedStatement(sql: "DELETE FROM reply_outbox WHERE finished_at < ?").execute(arguments: [cutoff])
    }
}

/// The reply outbox inside one SQLite transaction.
public struct SQLiteReplyWriter: ReplyWriter {
    /// The caller's connection, inside its transaction.
    public let db: Database

    /// A writer on `db`.
    public init(db: Database) { self.db = db }

    public func addReply(_ request: BotRequest, chatID: Int64, updateID: Int64?, messageOf: Int64?, at createdAt: Int64) throws -> OutgoingReply {
        try ReplyOutbox.add(request, chatID: chatID, updateID: updateID, messageOf: messageOf, at: createdAt, in: db)
    }

    public func sentMessageID(ofReply id: Int64) throws -> Int? {
        try ReplyOutbox.sentMessageID(ofReply: id, in: db)
    }
}
