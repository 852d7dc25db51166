import Foundation
import Logging
import NIOCore
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

    /// Stores `updates` and the poller's next offset in one statement (atomic on its own, so without a
    /// transaction around it): a webhook worker runs this for every update, and each statement more is a round
    /// trip more. Handled updates past `retention` are forgotten by `forgetHandled()`, off this path.
    public func accept(_ updates: [Update], nextOffset: Int64) async throws -> [Update] {
        let receivedAt = Int64(now().timeIntervalSince1970)
        var binds = PostgresBindings(capacity: updates.count * 4 + 1)
        var rows: [String] = []
        rows.reserveCapacity(updates.count)
        for update in updates {
            let first = binds.count + 1
            binds.append(update.updateID)
            if let chatID = update.chatID { binds.append(chatID) } else { binds.appendNull() }
            binds.append(update.json.serializedString())
            binds.append(receivedAt)
            rows.append("($\(first)::bigint, $\(first + 1)::bigint, $\(first + 2)::text, $\(first + 3)::bigint)")
        }
        binds.append(nextOffset)
        let insert = rows.isEmpty ? "SELECT NULL::bigint AS update_id WHERE false" : """
            INSERT INTO update_inbox (update_id, chat_id, payload, received_at) VALUES \(rows.joined(separator: ", "))
            ON CONFLICT (update_id) DO NOTHING RETURNING update_id
            """
        let query = PostgresQuery(unsafeSQL: """
            WITH fresh AS (\(insert)), offset_kept AS (
                INSERT INTO poller_state (key, value) VALUES ('next_offset', $\(binds.count))
                ON CONFLICT (key) DO UPDATE SET value = greatest(poller_state.value, excluded.value)
            )
            SELECT update_id FROM fresh
            """, binds: binds)
        var inserted = Set<Int64>()
        for try await id in try await store.client.query(query, logger: store.logger).decode(Int64.self) { inserted.insert(id) }
        // RETURNING comes in no particular order; the caller queues the fresh ones in the order given.
        return updates.filter { inserted.remove($0.updateID) != nil }
    }

    /// Forgets handled updates older than `retention`; returns how many. Housekeeping runs it, so that the
    /// scan of the inbox is not paid on every update taken in.
    @discardableResult
    public func forgetHandled() async throws -> Int {
        let forgetBefore = Int64(now().timeIntervalSince1970) - Int64(retention)
        return try await store.client.withConnection { connection in
            let deleted: EventLoopFuture<PostgresQueryResult> = connection.query("DELETE FROM update_inbox WHERE handled_at < \(forgetBefore)",
                                                                                 logger: store.logger)
            return try await deleted.get().metadata.rows ?? 0
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
