import Foundation
import LapakPostgres
import Logging
import PostgresNIO
import ServiceLifecycle
import TelegramBotAPI

/// Picks up what a worker that died left behind: replies it committed but never sent, and updates it took
/// in but never handled.
///
/// Every worker runs one. A dead worker's replies stay claimed until their lease lapses, then the next
/// sweep (`ReplySender.deliverUndelivered`, `FOR UPDATE SKIP LOCKED`) of any worker sends them, in each
/// chat's order. An update acknowledged to Telegram but not handled would otherwise wait for the chat's
/// next message: chats with an unhandled update older than `orphanAge` are drained here (under the chat's
/// lock, so a live worker handling the chat just makes this a no-op). It also forgets handled updates past
/// the inbox's retention, which taking an update in no longer does.
public struct PostgresHousekeeping: Service {
    let store: PostgresStore
    let handler: PostgresUpdateHandler
    let sender: ReplySender
    /// How often to look.
    let interval: Duration
    /// How old an unhandled update must be before another worker takes it.
    let orphanAge: TimeInterval
    let clock: any MonotonicClock
    let logger: Logger
    let now: @Sendable () -> Date

    /// Housekeeping every `interval` for updates older than `orphanAge`.
    public init(store: PostgresStore, handler: PostgresUpdateHandler, sender: ReplySender, interval: Duration = .seconds(5),
                orphanAge: TimeInterval = 30, clock: any MonotonicClock = SystemClock(), logger: Logger,
                now: @escaping @Sendable () -> Date = { Date() }) {
        self.store = store
        self.handler = handler
        self.sender = sender
        self.interval = interval
        self.orphanAge = orphanAge
        self.clock = clock
        self.logger = logger
        self.now = now
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                try await sweep()
            } catch {
                logger.warning("Housekeeping pass failed; trying again", metadata: ["error": "\(error)"])
            }
            try? await cancelWhenGracefulShutdown { try await clock.sleep(for: interval) }
        }
    }

    /// One pass: lapsed replies, then orphaned updates; returns how many of each were taken over.
    @discardableResult
    public func sweep() async throws -> (replies: Int, chats: Int) {
        let replies = try await sender.deliverUndelivered()
        let before = Int64(now().timeIntervalSince1970 - orphanAge)
        var chats: [Int64] = []
        let rows = try await store.client.query("""
            SELECT DISTINCT chat_id FROM update_inbox WHERE handled_at IS NULL AND chat_id IS NOT NULL AND received_at < \(before) LIMIT 100
            """, logger: logger)
        for try await chatID in rows.decode(Int64.self) { chats.append(chatID) }
        for chatID in chats {
            try await handler.drain(chatID: chatID)
        }
        try await handler.inbox.forgetHandled()
        if replies > 0 || !chats.isEmpty {
            logger.notice("Took over what another worker left", metadata: ["replies": "\(replies)", "chats": "\(chats.count)"])
        }
        return (replies, chats.count)
    }
}
