import Foundation
import LapakPostgres
import Logging
import PostgresNIO
import Synchronization
import TelegramBotAPI

/// The bot's answers on PostgreSQL: every update in its chat's turn, across every worker sharing the database.
///
/// The receiver (webhook or poller) has stored the update in the shared inbox before this runs. Handling
/// drains the update's chat through `PostgresChatSequencer`: under the chat's advisory lock, the chat's
/// oldest unhandled update runs through the same routes as on SQLite, on a `PostgresSession` whose writes,
/// replies and "handled" mark commit together. This worker then sends the replies it committed at once.
public struct PostgresUpdateHandler: UpdateHandler {
    let routing: UpdateRouting
    let sequencer: PostgresChatSequencer
    let transactions: PostgresTransactions
    let inbox: PostgresUpdateInbox
    let sender: ReplySender
    let logger: Logger
    let now: @Sendable () -> Date
    /// Updates a drain here handled before their own turn came, shared by the copies of this handler.
    let handledAhead = HandledAhead()

    /// The handler of one worker; replies leave through `sender`.
    public init(routing: UpdateRouting, sequencer: PostgresChatSequencer, transactions: PostgresTransactions, inbox: PostgresUpdateInbox,
                sender: ReplySender, logger: Logger, now: @escaping @Sendable () -> Date = { Date() }) {
        self.routing = routing
        self.sequencer = sequencer
        self.transactions = transactions
        self.inbox = inbox
        self.sender = sender
        self.logger = logger
        self.now = now
    }

    /// The sequencer marks each update handled in its own transaction.
    public var marksHandled: Bool { true }

    public func handle(_ update: Update) async throws {
        guard let chatID = update.chatID else {
            try await inbox.markHandled(update.updateID)
            return
        }
        // A chat's next update is often stored while its previous one is handled, and that drain takes it
        // too; its own drain would only find the chat empty, a transaction for nothing.
        if handledAhead.take(update.updateID) { return }
        try await drain(chatID: chatID, for: update.updateID)
    }

    /// Handles every unhandled update of `chatID`, oldest first, then sends what was committed.
    ///
    /// When a commit fails half-way the error is thrown and nothing is sent here: the replies of the updates
    /// committed before it are claimed by this worker and go out with the next sweep after their lease.
    public func drain(chatID: Int64) async throws {
        try await drain(chatID: chatID, for: nil)
    }

    /// The drain on behalf of `trigger`'s arrival: the other updates it handles are remembered as handled ahead.
    private func drain(chatID: Int64, for trigger: Int64?) async throws {
        let written = Mutex<[OutgoingReply]>([])
        let routing = routing, logger = logger, now = now, transactions = transactions
        let drained = try await sequencer.drain(chatID: chatID, savepoint: Self.savepoint) { update, connection in
            let moment = now()
            let started = ContinuousClock.now
            let handled = try await transactions.run(on: connection) { session in
                session.markedUpdate = update.updateID
                session.updateChat = update.chatID
                return try Self.answer(update, at: moment, routing: routing, session: session, logger: logger)
            }
            written.withLock { $0 += handled.replies }
            // As on SQLite: a line per update an operator can search (its id, its chat pseudonymised, its route).
            logger.info("Update handled", metadata: routing.bot.logMetadata(update, route: handled.route).merging([
                "duration_ms": "\((ContinuousClock.now - started).milliseconds)", "replies": "\(handled.replies.count)",
            ]) { _, new in new })
        }
        // Only after the drain went through: an update whose commit failed is not handled, ahead or not.
        handledAhead.remember(drained.filter { $0 != trigger })
        let replies = written.withLock { $0 }
        if !replies.isEmpty { _ = await sender.deliver(replies) }
    }

    /// The savepoint the sequencer opens before `answer` runs, in the same wait as its claim of the update.
    static let savepoint = "handler"

    /// Routes one update inside the session's transaction. A handler that throws leaves nothing behind (its
    /// writes are rolled back to the savepoint) and the user is told to try again, in the same transaction.
    ///
    /// On success the savepoint is left open rather than released: the commit releases it, and a RELEASE
    /// would be one more round trip for every update.
    static func answer(_ update: Update, at moment: Date, routing: UpdateRouting, session: PostgresSession, logger: Logger) throws -> HandledUpdate {
        let stores = BotStores.postgres(session)
        do {
            return try routing.answer(update, at: moment, stores: stores)
        } catch {
            try session.execute("ROLLBACK TO SAVEPOINT \(unescaped: savepoint)")
            logger.error("Handling an update failed; the user is told to try again", metadata: [
                "update_id": "\(update.updateID)", "error": "\(error)",
            ])
            return HandledUpdate(replies: try routing.apologise(for: update, at: moment, stores: stores), route: "failed")
        }
    }
}

/// The ids of updates a drain handled before their own turn came, until that turn comes.
///
/// Bounded: an update handled ahead whose turn never comes here (its delivery went to another worker, or
/// housekeeping drained it) is forgotten after `capacity` newer ones; its turn, should it come, then only
/// costs the empty transaction this saves.
final class HandledAhead: Sendable {
    /// How many ids are kept at most.
    static let capacity = 4_096
    private let state = Mutex<(ids: Set<Int64>, order: [Int64])>(([], []))

    /// Notes `ids` as handled; the oldest notes go past `capacity`.
    func remember(_ ids: [Int64]) {
        guard !ids.isEmpty else { return }
        state.withLock { state in
            for id in ids where state.ids.insert(id).inserted { state.order.append(id) }
            let excess = state.order.count - Self.capacity
            if excess > 0 {
                for id in state.order.prefix(excess) { state.ids.remove(id) }
                state.order.removeFirst(excess)
            }
        }
    }

    /// Whether `id` was handled ahead (forgetting it: its turn has come).
    func take(_ id: Int64) -> Bool {
        state.withLock { $0.ids.remove(id) != nil }
    }
}
