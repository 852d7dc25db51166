import Foundation
import Logging
import PostgresNIO
import TelegramBotAPI

/// Handles one chat's updates one at a time and in update_id order, across every worker sharing the database.
///
/// Each update is handled in a transaction that first takes the chat's advisory lock
/// (`pg_advisory_xact_lock`): a second worker reaching the same chat waits until the first commits. It then
/// takes the chat's oldest unhandled update, which need not be the one it received, so the order holds when
/// one chat's deliveries land on different workers (a load balancer, a retry). The handler's effects, its
/// replies (`PostgresReplyOutbox.add` on the same connection) and the "handled" mark commit together.
public struct PostgresChatSequencer: Sendable {
    /// A handler of one update, inside the transaction on `connection`.
    public typealias Handler = @Sendable (Update, PostgresConnection) async throws -> Void

    let store: PostgresStore
    private let now: @Sendable () -> Date

    /// A sequencer over the inbox in `store`.
    public init(store: PostgresStore, now: @escaping @Sendable () -> Date = { Date() }) {
        self.store = store
        self.now = now
    }

    /// Handles every stored, unhandled update of `chatID`, oldest first; returns the ids this call handled.
    ///
    /// An update whose handler throws is marked handled all the same, and logged: run again it would fail
    /// again, and the chat's later updates would wait behind it for ever.
    @discardableResult
    public func drain(chatID: Int64, handler: Handler) async throws -> [Int64] {
        var handled: [Int64] = []
        while true {
            do {
                guard let id = try await handleNext(chatID: chatID, handler: handler) else { return handled }
                handled.append(id)
            } catch let error as PostgresTransactionError {
                // The handler's error comes back wrapped, after the rollback; anything else is the store's.
                guard let failure = error.closureError as? HandlerFailure, error.rollbackError == nil else { throw error }
                store.logger.error("Update handler failed; the update is set aside", metadata: [
                    "update_id": "\(failure.updateID)", "error": "\(failure.underlying)",
                ])
                try await markHandled(failure.updateID)
                handled.append(failure.updateID)
            }
        }
    }

    /// Handles the oldest unhandled update of `chatID` under the chat's lock; nil when none is left.
    func handleNext(chatID: Int64, handler: Handler) async throws -> Int64? {
        let handledAt = Int64(now().timeIntervalSince1970)
        let logger = store.logger
        return try await store.client.withTransaction(logger: logger) { connection -> Int64? in
            // A hash of the chat id: chat ids span more than the two-int form, and two chats sharing a hash
            // only wait for each other.
            for try await _ in try await connection.query("SELECT pg_advisory_xact_lock(hashtextextended(\("lapak-chat:\(chatID)"), 0))", logger: logger) {}
            let rows = try await connection.query("""
                SELECT update_id, payload FROM update_inbox WHERE chat_id = \(chatID) AND handled_at IS NULL ORDER BY update_id LIMIT 1
                """, logger: logger)
            var next: (Int64, String)?
            for try await row in rows.decode((Int64, String).self) { next = row }
            guard let (updateID, payload) = next else { return nil }
            do {
                try await handler(try Update(json: JSONValue.parse(payload)), connection)
            } catch {
                throw HandlerFailure(updateID: updateID, underlying: error)
            }
            try await connection.query("UPDATE update_inbox SET handled_at = \(handledAt) WHERE update_id = \(updateID)", logger: logger)
            return updateID
        }
    }

    private func markHandled(_ updateID: Int64) async throws {
        let handledAt = Int64(now().timeIntervalSince1970)
        try await store.client.query("UPDATE update_inbox SET handled_at = \(handledAt) WHERE update_id = \(updateID) AND handled_at IS NULL",
                                     logger: store.logger)
    }

    /// A handler's error, carried out of the rolled-back transaction with the update it concerned.
    struct HandlerFailure: Error {
        var updateID: Int64
        var underlying: any Error
    }
}
