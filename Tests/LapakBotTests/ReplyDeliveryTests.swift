import BotAPIEmulator
import Foundation
import LapakRegistry
@testable import LapakBot
import Testing
import TelegramBotAPI

/// The reply path: a handler runs once, its replies are retried as requests, in order, and survive a stop.
@Suite("Replies are delivered once, in order, through faults and restarts")
struct ReplyDeliveryTests {
    static let registry = BotSearchTests.registry
    static let here = GeoPoint(latitude: BotSearchTests.here.latitude, longitude: BotSearchTests.here.longitude)

    static func citizen(_ index: Int) -> User {
        User(id: 7_000 + Int64(index), firstName: "Warga \(index)", languageCode: "id")
    }

    @Test("502s and a dropped connection on sendMessage: the katering answer still arrives, once, after the retries", arguments: BotStoreKind.allCases)
    func faultsRetryTheRequestNotTheHandler(store: BotStoreKind) async throws {
        try await BotHarness.with(store: store) { harness in
            try await harness.runBot(registry: Self.registry) {
                let users = (1...6).map(Self.citizen)
                for user in users {
                    let ask = try await harness.say("katering terdekat", as: user)
                    #expect(ask.text?.contains("Bagikan lokasi Anda") == true)
                }
                // Before the fix, a failed send ran the whole handler again after its state change had committed,
                // and the second run answered a search for any kind of business ("Usaha terdekat").
                await harness.state.injectFault(.serverError(status: 502), method: "sendMessage", count: 4)
                await harness.state.injectFault(.dropConnection, method: "sendMessage", count: 2)
                let before = await users.asyncMap { await harness.state.botMessages(chatID: $0.id).count }
                for user in users {
                    await harness.state.sendLocation(from: user, latitude: Self.here.latitude, longitude: Self.here.longitude)
                }
                for (index, user) in users.enumerated() {
                    let replies = try await harness.next(2, after: before[index], for: user)
                    #expect(replies[0].text?.contains("Lokasi diterima") == true)
                    #expect(replies[1].text?.contains("Katering terdekat") == true, "\(user.firstName) got \(replies[1].text ?? "")")
                }
                // Nothing arrives twice, and no second "any kind" answer trails behind.
                try await Task.sleep(for: .milliseconds(500))
                for (index, user) in users.enumerated() {
                    let messages = await harness.state.botMessages(chatID: user.id)
                    #expect(messages.count == before[index] + 2, "\(user.firstName) got \(messages.count - before[index]) messages")
                    #expect(!messages.contains { $0.text?.contains("Usaha terdekat") == true })
                }
            }
        }
    }

    @Test("One chat's answers leave in the order of its messages, even when the first send is slow", arguments: BotStoreKind.allCases)
    func answersKeepTheChatsOrder(store: BotStoreKind) async throws {
        try await BotHarness.with(store: store) { harness in
            try await harness.runBot(registry: Self.registry) {
                let user = Self.citizen(40)
                await harness.state.injectFault(.latency(.milliseconds(400)), method: "sendMessage", count: 1)
                let words = (1...6).map { "zzqx \($0)" }
                for word in words { await harness.state.sendText(from: user, word) }
                let replies = try await harness.next(words.count, after: 0, for: user)
                for (word, reply) in zip(words, replies) {
                    #expect(reply.text?.contains(word) == true, "expected the answer to “\(word)”, got \(reply.text ?? "")")
                }
            }
        }
    }

    @Test("A stop while a reply is being retried: the update stays handled, the reply is sent once after the restart", arguments: BotStoreKind.allCases)
    func undeliveredRepliesSurviveAStop(store: BotStoreKind) async throws {
        try await BotHarness.with(store: store) { harness in
            let user = Self.citizen(50)
            var handled: Int64 = 0
            try await harness.runBot(registry: Self.registry) {
                // Telegram is down for sendMessage: the handler commits, its reply waits in the outbox.
                await harness.state.injectFault(.serverError(status: 503), method: "sendMessage", count: 10_000)
                let update = await harness.state.sendText(from: user, "katering terdekat")
                handled = update.updateID
                try await waitUntil { try await harness.isHandled(update.updateID) }
                #expect(await harness.state.botMessages(chatID: user.id).isEmpty)
            }
            // The graceful stop did not wait out the retries, and lost nothing.
            #expect(try await harness.pendingReplies() == 1)
            await harness.state.clearFaults()

            try await harness.runBot(registry: Self.registry) {
                let messages = try await harness.state.waitForBotMessages(chatID: user.id, count: 1)
                #expect(messages[0].text?.contains("Bagikan lokasi Anda") == true)
                try await Task.sleep(for: .milliseconds(500))
                #expect(await harness.state.botMessages(chatID: user.id).count == 1, "the handler must not run again")
            }
            #expect(try await harness.pendingReplies() == 0)
            #expect(handled > 0)
        }
    }

    @Test("A stop during a retry backoff returns promptly", arguments: BotStoreKind.allCases)
    func stopDuringBackoffIsPrompt(store: BotStoreKind) async throws {
        try await BotHarness.with(store: store) { harness in
            let started = ContinuousClock.now
            var stopping = ContinuousClock.now
            try await harness.runBot(registry: Self.registry, environment: ["LAPAK_REPLIES_RETRY_DEADLINE": "600"]) {
                await harness.state.injectFault(.serverError(status: 502), method: "sendMessage", count: 10_000)
                let update = await harness.state.sendText(from: Self.citizen(60), "halo")
                try await waitUntil { try await harness.isHandled(update.updateID) }
                try await Task.sleep(for: .seconds(1))  // well into the backoff between attempts
                stopping = ContinuousClock.now
            }
            // Generous: the promise is "within 2 s"; a loaded CI machine must not make this flaky.
            #expect(ContinuousClock.now - stopping < .seconds(5), "stopping took \(ContinuousClock.now - stopping)")
            #expect(stopping > started)
        }
    }

    /// Polls `condition` every 20 ms for up to 10 s.
    private func waitUntil(_ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        Issue.record("the condition did not become true within 10 s")
    }
}

extension Array {
    /// `map` with an async transform, in order.
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var results: [T] = []
        for element in self { results.append(try await transform(element)) }
        return results
    }
}
