import BotAPIEmulator
import Foundation
import LapakPostgres
import Logging
import PostgresNIO
import Synchronization
import Testing
import TelegramBotAPI

/// The shared reply outbox through real HTTP: a worker dies with answers claimed and unsent, and the
/// others deliver them, each once and in each chat's order.
@Suite("Replies of a killed worker go out from the others, once each, in order")
struct ReplyHandoverTests {
    @Test("40 answers claimed by a dead worker: none while its lease lives; after it, two workers sweeping at once send each once, in order")
    func deadWorkersRepliesAreSentOnce() async throws {
        try await PostgresFixture.with { fixture in
            try await PostgresMigrations.migrate(fixture.store)
            let emulator = BotAPIEmulator(configuration: EmulatorConfiguration(), logger: Logger(label: "emulator"))
            try await emulator.start()
            let chats: [Int64] = (1...8).map { 910_000 + $0 }
            await emulator.state.registerUsers(chats.map { User(id: $0, firstName: "Warga \($0)") })

            // Worker "gone" handled the updates: its answers are committed, claimed by it, and it dies before sending.
            let start = Date()
            let gone = PostgresReplyOutbox(store: fixture.store, worker: "gone", lease: 60, now: { start })
            try await fixture.store.client.withTransaction(logger: MultiWorkerStoreTests.logger) { connection in
                for turn in 1...5 {
                    for chat in chats {
                        _ = try await gone.add(.sendMessage(chatID: chat, text: "jawaban \(turn) untuk \(chat)"), chatID: chat,
                                               updateID: nil, on: connection)
                    }
                }
            }

            try await MultiWorkerStoreTests.withWorkers(2, on: fixture) { workers in
                let clock = Mutex(start.addingTimeInterval(30))
                let senders = workers.enumerated().map { index, store in
                    let client = BotAPIClient(token: emulator.token, apiURL: emulator.apiURL,
                                              transport: CurlTransport(configuration: .init(maxConcurrentRequests: 8, connectTimeout: .seconds(10))),
                                              requestTimeout: .seconds(20), pacer: MessagePacer(rate: 1_000), logger: Logger(label: "worker-\(index)"))
                    let outbox = PostgresReplyOutbox(store: store, worker: "live-\(index)", lease: 60, now: { clock.withLock { $0 } })
                    return ReplySender(client: client, store: outbox, logger: Logger(label: "worker-\(index)"))
                }
                // Within the dead worker's lease nothing is taken: it might still be sending.
                #expect(try await senders[0].deliverUndelivered() == 0)
                #expect(await emulator.state.botMessages(chatID: chats[0]).isEmpty)

                // Its lease lapses; both live workers sweep at the same moment.
                clock.withLock { $0 = start.addingTimeInterval(61) }
                async let first = senders[0].deliverUndelivered()
                async let second = senders[1].deliverUndelivered()
                let (a, b) = try await (first, second)
                #expect(a + b == 40, "claimed \(a) and \(b)")
                for chat in chats {
                    let texts = await emulator.state.botMessages(chatID: chat).compactMap(\.text)
                    #expect(texts == (1...5).map { "jawaban \($0) untuk \(chat)" }, "chat \(chat): \(texts)")
                }
                // Recorded as sent: a later sweep finds nothing to send again.
                clock.withLock { $0 = start.addingTimeInterval(600) }
                #expect(try await senders[1].deliverUndelivered() == 0)
            }
            await emulator.stop()
        }
    }
}
