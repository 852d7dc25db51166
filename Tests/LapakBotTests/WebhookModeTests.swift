import BotAPIEmulator
import Foundation
import LapakBot
import LapakWeb
import Logging
import Prometheus
import Synchronization
import TelegramBotAPI
import Testing

@Suite("Webhook mode: Telegram posts updates, Lapak stores them before it says 200")
struct WebhookModeTests {
    static let secret = "lapak-test-secret_42"
    /// The address registered with Telegram; the emulator's "load balancer" forwards it to the real port.
    static let publicURL = "http://127.0.0.1/telegram/webhook"
    static let registry = PrometheusCollectorRegistry()

    static func webhookEnvironment() -> [String: String] {
        ["LAPAK_TELEGRAM_MODE": "webhook", "LAPAK_TELEGRAM_WEBHOOK_URL": publicURL, "LAPAK_TELEGRAM_WEBHOOK_SECRET": secret,
         "LAPAK_TELEGRAM_WEBHOOK_MAX_CONNECTIONS": "8", "LAPAK_WEB_PORT": "0"]
    }

    /// Runs the bot in webhook mode with its HTTP server; `backends` turns the bound port into the URLs the
    /// emulator posts to (round robin), then `body` gets the port.
    static func runInWebhookMode(_ harness: BotHarness, backends: @escaping @Sendable (Int) -> [String] = { ["http://127.0.0.1:\($0)/telegram/webhook"] },
                                 _ body: (Int) async throws -> Void) async throws {
        let port = Mutex<Int?>(nil)
        try await harness.runBot(registry: BotSearchTests.registry, environment: webhookEnvironment(), alongside: { application in
            [application.operationsServer(registry: registry, onListening: { bound in port.withLock { $0 = bound } })]
        }) {
            try await BotSearchTests.waitUntil { port.withLock { $0 } != nil }
            let bound = try #require(port.withLock { $0 })
            await harness.state.setWebhookBackends(backends(bound))
            // The server listens before the bot has asked Telegram who it is; until setWebhook, POSTs get 503.
            try await BotSearchTests.waitUntil { await harness.state.requests.contains { $0.method == "setWebhook" && $0.status == 200 } }
            try await body(bound)
        }
    }

    /// POSTs `body` to the bot's webhook path over libcurl, with `secret` in the header when given.
    static func post(_ body: String, port: Int, secret: String?) async throws -> Int {
        let transport = CurlTransport()
        defer { transport.shutdown() }
        let headers = secret.map { [(name: "X-Telegram-Bot-Api-Secret-Token", value: $0)] } ?? []
        let response = try await transport.post(HTTPRequest(url: "http://127.0.0.1:\(port)/telegram/webhook", body: Array(body.utf8),
                                                            timeout: .seconds(10), headers: headers))
        return response.status
    }

    @Test("At start Lapak registers the webhook with its secret; a citizen's message comes by POST and is answered", arguments: BotStoreKind.allCases)
    func answersThroughTheWebhook(store: BotStoreKind) async throws {
        try await BotHarness.with(store: store) { harness in
            try await Self.runInWebhookMode(harness) { port in
                let reply = try await harness.say("katering terdekat", as: BotSearchTests.sari)
                #expect(reply.text?.contains("Bagikan lokasi") == true)
                let setWebhook = await harness.state.requests.filter { $0.method == "setWebhook" }
                #expect(setWebhook.count == 1 && setWebhook.first?.status == 200)
                let deliveries = await harness.state.webhookDeliveries
                #expect(deliveries.count == 1 && deliveries.first?.status == 200)
                // Nothing was fetched with getUpdates: the emulator would have answered 409.
                #expect(await harness.state.requests.contains { $0.method == "getUpdates" } == false)
                #expect(await harness.state.pendingUpdateCount == 0)
                let ready = try await OperationsTests.get("/readyz", port: port)
                #expect(ready.status == 200 && ready.body.contains("telegram: ok"), "\(ready.body)")
            }
        }
    }

    @Test("A POST without the secret, or with a wrong one, is refused with 401 and handled never", arguments: BotStoreKind.allCases)
    func refusesAWrongSecret(store: BotStoreKind) async throws {
        try await BotHarness.with(store: store) { harness in
            try await Self.runInWebhookMode(harness) { port in
                let forged = #"{"update_id": 77, "message": {"message_id": 1, "date": 1764547200, "chat": {"id": 6001, "type": "private"}, "from": {"id": 6001, "is_bot": false, "first_name": "Sari"}, "text": "/start"}}"#
                for secret in [nil, "wrong", "lapak-test-secret_4", "lapak-test-secret_42x"] {
                    #expect(try await Self.post(forged, port: port, secret: secret) == 401, "\(secret ?? "no secret")")
                }
                // The real one still works, and the forged update produced no message.
                _ = try await harness.say("halo", as: BotSearchTests.sari)
                let messages = await harness.state.botMessages(chatID: BotSearchTests.sari.id)
                #expect(messages.count == 1)
            }
        }
    }

    @Test("The same update posted twice is acknowledged twice and answered once; a body that is no update gets 400", arguments: BotStoreKind.allCases)
    func duplicateAndMalformed(store: BotStoreKind) async throws {
        try await BotHarness.with(store: store) { harness in
            try await Self.runInWebhookMode(harness) { port in
                // Sari has a chat with the bot (the emulator sends only to known chats).
                _ = try await harness.say("halo", as: BotSearchTests.sari)
                let update = #"{"update_id": 5000001, "message": {"message_id": 1, "date": 1764547200, "chat": {"id": 6001, "type": "private"}, "from": {"id": 6001, "is_bot": false, "first_name": "Sari", "language_code": "id"}, "text": "halo"}}"#
                #expect(try await Self.post(update, port: port, secret: Self.secret) == 200)
                #expect(try await Self.post(update, port: port, secret: Self.secret) == 200)
                _ = try await harness.next(1, after: 1, for: BotSearchTests.sari)
                // A later message is answered too, and by then a second answer to the duplicate would have come.
                _ = try await harness.say("terima kasih", as: BotSearchTests.sari)
                #expect(await harness.state.botMessages(chatID: BotSearchTests.sari.id).count == 3)
                #expect(try await Self.post("{\"update_id\": ", port: port, secret: Self.secret) == 400)
            }
        }
    }

    @Test("Behind a load balancer with a dead backend: every update is retried onto a live one, each chat's answers in order", arguments: BotStoreKind.allCases)
    func retriesAndPerChatOrder(store: BotStoreKind) async throws {
        // Port 9 (discard) on loopback: nothing listens, so the connection is refused at once.
        try await BotHarness.with(store: store) { harness in
            try await Self.runInWebhookMode(harness, backends: { ["http://127.0.0.1:9/telegram/webhook", "http://127.0.0.1:\($0)/telegram/webhook"] }) { _ in
                let citizens = (0..<3).map { User(id: 7100 + Int64($0), firstName: "Warga \($0)", languageCode: "id") }
                for round in 0..<3 {
                    for citizen in citizens { await harness.state.sendText(from: citizen, "/cari katering \(round)") }
                }
                for citizen in citizens {
                    let replies = try await harness.state.waitForBotMessages(chatID: citizen.id, count: 3, timeout: .seconds(20))
                    let requests = await harness.state.requests.filter { $0.chatID == citizen.id }.map { "\($0.method) \($0.status)" }
                    #expect(replies.count == 3, "\(citizen.firstName) got \(replies.compactMap(\.text)); the bot's requests to the chat: \(requests)")
                }
                let deliveries = await harness.state.webhookDeliveries
                #expect(deliveries.contains { $0.url.contains(":9/") && $0.status == nil })
                // Each update reached the bot exactly once with a 200, though some took more than one attempt.
                let accepted = deliveries.filter { $0.status == 200 }.map(\.updateID)
                #expect(accepted.count == 9 && Set(accepted).count == 9)
                // Per chat, the 200s came in update_id order: a chat's next update waits for its previous one.
                for citizen in citizens {
                    let ids = deliveries.filter { $0.status == 200 && $0.chatID == citizen.id }.map(\.updateID)
                    #expect(ids.count == 3 && ids == ids.sorted())
                }
            }
        }
    }

    @Test("`--mode polling` (deleteWebhookAtStart) deletes a webhook set earlier and polls", arguments: BotStoreKind.allCases)
    func switchesBackToPolling(store: BotStoreKind) async throws {
        try await BotHarness.with(store: store) { harness in
            await harness.state.setWebhook("https://lapak.example.org/telegram/webhook", secretToken: "x")
            try await harness.runBot(registry: BotSearchTests.registry, adjust: { $0.deleteWebhookAtStart = true }) {
                let reply = try await harness.say("halo", as: BotSearchTests.sari)
                #expect(reply.text?.isEmpty == false)
                #expect(await harness.state.requests.contains { $0.method == "deleteWebhook" && $0.status == 200 })
            }
        }
    }

    @Test("Webhook mode refuses to start without what it needs, naming the setting and never quoting the secret",
          arguments: [
              (["LAPAK_TELEGRAM_WEBHOOK_URL": ""], "LAPAK_TELEGRAM_WEBHOOK_URL"),
              (["LAPAK_TELEGRAM_WEBHOOK_URL": "http://lapak.example.org/hook"], "not an https URL"),
              (["LAPAK_TELEGRAM_WEBHOOK_SECRET": ""], "LAPAK_TELEGRAM_WEBHOOK_SECRET"),
              (["LAPAK_TELEGRAM_WEBHOOK_SECRET": "has spaces and é"], "letters, digits, _ or -"),
              (["LAPAK_TELEGRAM_WEBHOOK_MAX_CONNECTIONS": "101"], "webhook_max_connections"),
              (["LAPAK_TELEGRAM_MODE": "push"], "not polling or webhook"),
          ])
    func refusesAnIncompleteWebhookSetting(_ change: [String: String], _ expected: String) async throws {
        var environment = Self.webhookEnvironment().merging(["LAPAK_TELEGRAM_TOKEN": "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ"]) { $1 }
        environment.merge(change) { $1 }
        do {
            _ = try await LapakConfiguration.load(environment: environment)
            Issue.record("accepted \(change)")
        } catch {
            #expect("\(error)".contains(expected), "\(error)")
            if let secret = change["LAPAK_TELEGRAM_WEBHOOK_SECRET"], !secret.isEmpty { #expect(!"\(error)".contains(secret)) }
        }
    }

    @Test("Secrets compare equal only when every byte and the length match",
          arguments: [("abc", "abc", true), ("abc", "abd", false), ("ab", "abc", false), ("abcd", "abc", false), ("", "abc", false),
                      (String(repeating: "a", count: 256), String(repeating: "a", count: 256), true),
                      (String(repeating: "a", count: 257), "a", false)])
    func secretComparison(_ given: String, _ expected: String, _ equal: Bool) {
        #expect(WebhookSecret.matches(given, expected) == equal)
    }
}
