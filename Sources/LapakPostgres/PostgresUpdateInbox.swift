import Foundation
import Logging
import PostgresNIO
import TelegramBotAPI

/// The `UpdateInbox` on PostgreSQL, shared by every worker: an update is stored once under its
/// update_id, so a webhook POST retried onto another worker, or a redelivery, is recognised.
public struct PostgresUpdateInbox: UpdateInbox {
    let store: PostgresStore
    /// How long handled updates are remembered (Telegram keeps unconfirmed ones for 24 hours).
    public var retention: TimeInterval
    private let now: @Sendable () -> Date

    /// An inbox in `store`.
    public init(store: PostgresStore, retention: TimeInterval = 48 * 3600, now: @escaping @Sendable () -> Date = { Date() }) {
        self.store = store
        self.retention = retention
        self.now = now
    }

    public func nextOffset() async throws -> Int64? {
        for try await value in try await store.client.query("SELECT value FROM poller_state WHERE key = 'next_offset'", logger: store.logger)
            .decode(Int64.self) {
            return value
        }
        return nil
    }

    public func unfinishedUpdates() async throws -> [Update] {
        var updates: [Update] = []
        let rows = try await store.client.query("SELECT payload FROM update_inbox WHERE handled_at IS NULL ORDER BY update_id", logger: store.logger)
        for try await payload in rows.decode(String.self) {
            // A stored payload was written by us from a decoded update, so it decodes again.
            if let update = try? Update(json: JSONValue.parse(payload)) { updates.append(update) }
        }
        return updates
    }

    public func accept(_ updates: [Update], nextOffset: Int64) async throws -> [Update] {
        let receivedAt = Int64(now().timeIntervalSince1970)
        let forgetBefore = receivedAt - Int64(retention)
        return try await store.client.withTransaction(logger: store.logger) { connection in
            var fresh: [Update] = []
            for update in updates {
                let inserted = try await connection.query("""
                    INSERT INTO update_inbox (update_id, chat_id, payload, received_at)
                    VALUES (\(update.updateID), \(update.chatID), \(update.json.serializedString()), \(receivedAt))
                    ON CONFLICT (update_id) DO NOTHING RETURNING update_id
                    """, logger: store.logger)
                for try await _ in inserted.decode(Int64.self) { fresh.append(update) }
            }
            try await connection.query("""
                INSERT INTO poller_state (key, value) VALUES ('next_offset', \(nextOffset))
                ON CONFLICT (key) DO UPDATE SET value = greatest(poller_state.value, excluded.value)
                """, logger: store.logger)
            try await connection.query("DELETE FROM update_inbox WHERE handled_at < \(forgetBefore)", logger: store.logger)
            return fresh
        }
    }

    public func markHandled(_ updateID: Int64) async throws {
        let handledAt = Int64(now().timeIntervalSince1970)
        try await store.client.query("UPDATE update_inbox SET handled_at = \(handledAt) WHERE update_id = \(updateID) AND handled_at IS NULL",
                                     logger: store.logger)
    }

    /// Whether handling of `updateID` finished before.
    public func isHandled(_ updateID: Int64) async throws -> Bool {
        for try await handled in try await store.client.query("SELECT handled_at IS NOT NULL FROM update_inbox WHERE update_id = \(updateID)",
                                                              logger: store.logger).decode(Bool.self) {
            return handled
        }
        return false
    }
}
