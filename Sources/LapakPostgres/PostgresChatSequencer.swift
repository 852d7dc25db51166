import Foundation
import Logging
import NIOCore
import PostgresNIO
import TelegramBotAPI

/// Handles one chat's updates one at a time and in update_id order, across every worker sharing the database.
///
/// Each update is handled in a transaction that first takes the chat's advisory lock
/// (`pg_advisory_xact_lock`): a second worker reaching the same chat waits until the first commits. It then
/// takes the chat's oldest unhandled update, which need not be the one it received, so the order holds when
/// one chat's deliveries land on different workers (a load balancer, a retry). The handler's effects, its
/// replies (`PostgresReplyOutbox.add` on the same connection) and the "handled" mark commit together.
///
/// Round trips are what a worker on PostgreSQL spends its CPU on (each wakes a thread or a task, and is a
/// statement for the server), so a transaction has as few as the guarantees allow: BEGIN; then the lock,
/// one statement that takes the update and marks it handled, and the handler's savepoint, queued on the
/// connection together and waited for once; the handler's own statements; COMMIT. The lock stays a
/// statement of its own: the update must be read with a snapshot taken after the lock is granted, or a
/// worker that waited would see the update its predecessor just handled as still unhandled. PostgreSQL
/// runs queued statements one after the other, each with its own snapshot, so queueing keeps that order.
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
    /// With a `savepoint` name, each transaction opens that savepoint before the handler runs, in the same
    /// wait as the claim, for a handler that rolls its own writes back to it.
    ///
    /// Stops once an update was the last one stored for the chat when it was taken, without a further
    /// transaction to find the chat empty: an update stored after that was dispatched by its receiver, whose
    /// drain waits for this one's lock (and housekeeping drains chats whose updates were left behind).
    /// An update whose handler throws is marked handled all the same, and logged: run again it would fail
    /// again, and the chat's later updates would wait behind it for ever.
    @discardableResult
    public func drain(chatID: Int64, savepoint: String? = nil, handler: Handler) async throws -> [Int64] {
        var handled: [Int64] = []
        while true {
            do {
                guard let next = try await handleNext(chatID: chatID, savepoint: savepoint, handler: handler) else { return handled }
                handled.append(next.updateID)
                if !next.more { return handled }
            } catch let failure as HandlerFailure {
                // Thrown only after the rollback went through; anything else is the store's.
                store.logger.error("Update handler failed; the update is set aside", metadata: [
                    "update_id": "\(failure.updateID)", "error": "\(failure.underlying)",
                ])
                try await markHandled(failure.updateID)
                handled.append(failure.updateID)
            }
        }
    }

    /// Handles the oldest unhandled update of `chatID` under the chat's lock; nil when none is left, else the
    /// update's id and whether another unhandled one was stored behind it.
    func handleNext(chatID: Int64, savepoint: String?, handler: Handler) async throws -> (updateID: Int64, more: Bool)? {
        let handledAt = Int64(now().timeIntervalSince1970)
        let logger = store.logger
        return try await store.client.withConnection { connection -> (updateID: Int64, more: Bool)? in
            let claim: PostgresQueryResult
            do {
                claim = try await Self.open(connection, chatID: chatID, handledAt: handledAt, savepoint: savepoint, logger: logger).get()
            } catch {
                try await Self.rollback(connection, logger: logger)
                throw error
            }
            let next = try claim.map { try $0.decode((Int64, String).self) }
            guard let (updateID, payload) = next.first else {
                try await Self.commit(connection, logger: logger)
                return nil
            }
            do {
                try await handler(try Update(json: JSONValue.parse(payload)), connection)
            } catch {
                try await Self.rollback(connection, logger: logger)
                throw HandlerFailure(updateID: updateID, underlying: error)
            }
            try await Self.commit(connection, logger: logger)
            return (updateID, next.count > 1)
        }
    }

    /// BEGIN, then the chat's lock, the claim and the savepoint queued together once BEGIN succeeded (so that
    /// none of them can run outside the transaction); the claim's rows.
    private static func open(_ connection: PostgresConnection, chatID: Int64, handledAt: Int64, savepoint: String?,
                             logger: Logger) -> EventLoopFuture<PostgresQueryResult> {
        let begin: EventLoopFuture<PostgresQueryResult> = connection.query("BEGIN", logger: logger)
        return begin.flatMap { _ in
            // A hash of the chat id: chat ids span more than the two-int form, and two chats sharing a hash
            // only wait for each other.
            let lock: EventLoopFuture<PostgresQueryResult> = connection.query(
                "SELECT pg_advisory_xact_lock(hashtextextended(\("lapak-chat:\(chatID)"), 0))", logger: logger)
            // The oldest update and whether a second waits, marked handled in the same statement: the mark
            // commits with the handler's effects or rolls back with them.
            let claim: EventLoopFuture<PostgresQueryResult> = connection.query("""
                WITH next AS (
                    SELECT update_id, payload FROM update_inbox WHERE chat_id = \(chatID) AND handled_at IS NULL ORDER BY update_id LIMIT 2
                ), marked AS (
                    UPDATE update_inbox SET handled_at = \(handledAt) WHERE update_id = (SELECT min(update_id) FROM next)
                )
                SELECT update_id, payload FROM next ORDER BY update_id
                """, logger: logger)
            var opened = lock.and(claim).map { $0.1 }
            if let savepoint {
                let saved: EventLoopFuture<PostgresQueryResult> = connection.query(PostgresQuery(unsafeSQL: "SAVEPOINT \(savepoint)"), logger: logger)
                opened = opened.and(saved).map { $0.0 }
            }
            return opened
        }
    }

    /// COMMIT, which PostgreSQL answers with ROLLBACK when the transaction had failed: that is an error here.
    private static func commit(_ connection: PostgresConnection, logger: Logger) async throws {
        let committed: EventLoopFuture<PostgresQueryResult> = connection.query("COMMIT", logger: logger)
        let command = try await committed.get().metadata.command
        guard command == "COMMIT" else { throw PostgresStoreError("COMMIT answered \(command): the transaction had failed") }
    }

    /// ROLLBACK, so that the connection goes back to the pool outside any transaction.
    private static func rollback(_ connection: PostgresConnection, logger: Logger) async throws {
        let rolledBack: EventLoopFuture<PostgresQueryResult> = connection.query("ROLLBACK", logger: logger)
        _ = try await rolledBack.get()
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
