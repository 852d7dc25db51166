import Foundation
import LapakPostgres
import Logging
import PostgresNIO
import Synchronization
import Testing
import TelegramBotAPI

/// Several workers on one PostgreSQL: each a store with its own connection pool, as separate `lapak run`
/// processes would have.
@Suite("Several workers on one PostgreSQL: per-chat order, and outbox rows claimed by one worker at a time")
struct MultiWorkerStoreTests {
    /// Runs `body` with `count` worker stores on the fixture's database, their pools running meanwhile.
    static func withWorkers(_ count: Int, on fixture: PostgresFixture, _ body: @Sendable ([PostgresStore]) async throws -> Void) async throws {
        let stores = try (0..<count).map { try PostgresStore(url: fixture.url, logger: Logger(label: "worker-\($0)")) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for store in stores { group.addTask { await store.client.run() } }
            defer { group.cancelAll() }
            try await body(stores)
        }
    }

    /// On a connection, a query without a logger is postgres-nio's older API, which returns a future and
    /// takes a plain string: every query here names one.
    static let logger = Logger(label: "multi-worker-test")

    /// A private-chat text message from `chat`, as Telegram would deliver it.
    static func update(_ updateID: Int64, chat: Int64) throws -> Update {
        try Update(json: JSONValue.parse("""
            {"update_id": \(updateID), "message": {"message_id": \(updateID), "date": 1764547200, "text": "pesan \(updateID)",
             "chat": {"id": \(chat), "type": "private", "first_name": "Warga"}, "from": {"id": \(chat), "is_bot": false, "first_name": "Warga"}}}
            """))
    }

    /// What the handlers did, in the order they did it.
    final class Journal: Sendable {
        enum Event: Equatable { case began(chat: Int64, update: Int64), ended(chat: Int64, update: Int64) }
        let events = Mutex<[Event]>([])
        func add(_ event: Event) { events.withLock { $0.append(event) } }
    }

    /// The handling started after each acknowledged delivery, awaited at the end.
    final class Drains: Sendable {
        let tasks = Mutex<[Task<[Int64], any Error>]>([])
    }

    @Test("Three workers, updates of 12 chats delivered to random workers: each chat's updates handled once, one at a time, in order")
    func perChatOrderAcrossWorkers() async throws {
        try await PostgresFixture.with { fixture in
            try await PostgresMigrations.migrate(fixture.store)
            try await Self.withWorkers(3, on: fixture) { workers in
                let chats: [Int64] = (1...12).map { 700_000 + $0 }
                let perChat = 8
                // Update ids rise across all chats, interleaved, as Telegram numbers them.
                var updates: [Int64: [Update]] = [:]
                var nextID: Int64 = 5_000
                for _ in 0..<perChat {
                    for chat in chats {
                        nextID += 1
                        updates[chat, default: []].append(try Self.update(nextID, chat: chat))
                    }
                }
                let journal = Journal()
                let handler: PostgresChatSequencer.Handler = { update, connection in
                    let chat = update.chatID ?? 0
                    journal.add(.began(chat: chat, update: update.updateID))
                    // A handler's own write, committed with the "handled" mark.
                    try await connection.query("INSERT INTO poller_state (key, value) VALUES (\("seen-\(update.updateID)"), \(chat))", logger: Self.logger)
                    try await Task.sleep(for: .microseconds(Int.random(in: 0...2_000)))
                    journal.add(.ended(chat: chat, update: update.updateID))
                }
                let allUpdates = updates
                // Telegram sends one chat's next update once the previous one was acknowledged (after the inbox
                // commit), each to whichever worker the balancer picks; the handling runs after the 200.
                let drains = Drains()
                try await withThrowingTaskGroup(of: Void.self) { telegram in
                    for chat in chats {
                        telegram.addTask {
                            for update in allUpdates[chat]! {
                                let worker = workers.randomElement()!
                                _ = try await PostgresUpdateInbox(store: worker).accept([update], nextOffset: update.updateID + 1)
                                let drain = Task { try await PostgresChatSequencer(store: worker).drain(chatID: chat, handler: handler) }
                                drains.tasks.withLock { $0.append(drain) }
                            }
                        }
                    }
                    try await telegram.waitForAll()
                }
                var handledByDrains: [Int64] = []
                for drain in drains.tasks.withLock({ $0 }) { handledByDrains += try await drain.value }
                #expect(handledByDrains.count == chats.count * perChat)
                let events = journal.events.withLock { $0 }
                for chat in chats {
                    let mine = events.filter {
                        switch $0 { case .began(let c, _), .ended(let c, _): c == chat }
                    }
                    // Strictly began, ended, began, ended…, each the next update of the chat: never two at once,
                    // never out of order, never twice.
                    let expected = allUpdates[chat]!.flatMap { [Journal.Event.began(chat: chat, update: $0.updateID),
                                                                 .ended(chat: chat, update: $0.updateID)] }
                    #expect(mine == expected, "chat \(chat): \(mine)")
                }
                let handledRows = try await fixture.store.client.query("SELECT count(*) FROM update_inbox WHERE handled_at IS NOT NULL")
                for try await count in handledRows.decode(Int64.self) { #expect(count == Int64(chats.count * perChat)) }
                let writes = try await fixture.store.client.query("SELECT count(*) FROM poller_state WHERE key LIKE 'seen-%'")
                for try await count in writes.decode(Int64.self) { #expect(count == Int64(chats.count * perChat)) }
            }
        }
    }

    @Test("A handler that fails sets its update aside, rolls back its writes, and the chat's later updates still run")
    func failingHandlerDoesNotBlockTheChat() async throws {
        try await PostgresFixture.with { fixture in
            try await PostgresMigrations.migrate(fixture.store)
            let chat: Int64 = 42
            let updates = try (1...3).map { try Self.update(Int64($0), chat: chat) }
            _ = try await PostgresUpdateInbox(store: fixture.store).accept(updates, nextOffset: 4)
            struct Refused: Error {}
            let handled = try await PostgresChatSequencer(store: fixture.store).drain(chatID: chat) { update, connection in
                try await connection.query("INSERT INTO poller_state (key, value) VALUES (\("write-\(update.updateID)"), 1)", logger: Self.logger)
                if update.updateID == 2 { throw Refused() }
            }
            #expect(handled == [1, 2, 3])
            var written: [String] = []
            for try await key in try await fixture.store.client.query("SELECT key FROM poller_state WHERE key LIKE 'write-%' ORDER BY key")
                .decode(String.self) { written.append(key) }
            #expect(written == ["write-1", "write-3"])
            #expect(try await PostgresUpdateInbox(store: fixture.store).unfinishedUpdates().isEmpty)
        }
    }

    @Test("Two workers sweeping the reply outbox at once claim disjoint rows; a dead worker's claims lapse to the other")
    func outboxClaims() async throws {
        try await PostgresFixture.with { fixture in
            try await PostgresMigrations.migrate(fixture.store)
            try await Self.withWorkers(2, on: fixture) { workers in
                let start = Date(timeIntervalSince1970: 1_764_547_200)
                let clock = Mutex(start)
                let now: @Sendable () -> Date = { clock.withLock { $0 } }
                // 200 replies of a worker that died an hour ago, its claims long lapsed.
                let gone = PostgresReplyOutbox(store: fixture.store, worker: "gone", lease: 60, now: { start.addingTimeInterval(-3_600) })
                try await fixture.store.client.withTransaction(logger: Logger(label: "test")) { connection in
                    for index in 0..<200 {
                        _ = try await gone.add(.sendMessage(chatID: Int64(index % 7), text: "balasan \(index)"), chatID: Int64(index % 7),
                                               updateID: Int64(index), on: connection)
                    }
                }
                let a = PostgresReplyOutbox(store: workers[0], worker: "a", lease: 60, batch: 30, now: now)
                let b = PostgresReplyOutbox(store: workers[1], worker: "b", lease: 60, batch: 30, now: now)
                // One batch each first, so both take part however the sweeps below are scheduled (on a busy
                // machine one sweep can take everything before the other starts); then both sweep until
                // nothing is left for them. What one claimed the other never sees.
                let firstOfA = try await a.undeliveredReplies().map(\.id)
                let firstOfB = try await b.undeliveredReplies().map(\.id)
                #expect(!firstOfA.isEmpty && !firstOfB.isEmpty)
                async let claimedByA = Self.sweepAll(a)
                async let claimedByB = Self.sweepAll(b)
                let (restOfA, restOfB) = try await (claimedByA, claimedByB)
                let fromA = firstOfA + restOfA, fromB = firstOfB + restOfB
                #expect(Set(fromA).isDisjoint(with: Set(fromB)))
                #expect(fromA.count + fromB.count == 200)

                // b sends all of its rows; a sends half of its own, then is killed. b gets none of a's others
                // until a's lease lapses.
                try await b.record(fromB.map { ReplyOutcome(id: $0, status: .sent, messageID: Int($0) + 10_000, attempts: 1) })
                let sent = Array(fromA.prefix(fromA.count / 2))
                try await a.record(sent.map { ReplyOutcome(id: $0, status: .sent, messageID: Int($0) + 10_000, attempts: 1) })
                #expect(try await b.undeliveredReplies().isEmpty)
                clock.withLock { $0 = start.addingTimeInterval(61) }
                let takenOver = try await Self.sweepAll(b)
                #expect(Set(takenOver) == Set(fromA.dropFirst(sent.count)))
                #expect(try await b.sentMessageID(ofReply: sent[0]) == Int(sent[0]) + 10_000)
                #expect(try await b.sentMessageID(ofReply: takenOver[0]) == nil)
            }
        }
    }

    /// Claims from `outbox` until a sweep finds nothing; the ids claimed. Each sweep is in id order and
    /// never returns the worker's own live claims again.
    static func sweepAll(_ outbox: PostgresReplyOutbox) async throws -> [Int64] {
        var claimed: [Int64] = []
        while true {
            let batch = try await outbox.undeliveredReplies().map(\.id)
            #expect(batch == batch.sorted())
            #expect(Set(batch).isDisjoint(with: Set(claimed)))
            if batch.isEmpty { return claimed }
            claimed += batch
        }
    }
}
