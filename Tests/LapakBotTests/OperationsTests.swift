import BotAPIEmulator
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import GRDB
import LapakBot
import LapakDatabase
import LapakWeb
import Logging
import Metrics
import Prometheus
import ServiceLifecycle
import Synchronization
import Testing
import TelegramBotAPI

/// The operator's view: `/healthz`, `/readyz` and `/metrics` served beside the bot, over real HTTP.
@Suite("Operations: metrics, liveness and readiness over HTTP")
struct OperationsTests {
    /// The process's metrics registry: swift-metrics can be bootstrapped once per process, so every test
    /// (and every bot running meanwhile) records into this one.
    static let registry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return registry
    }()

    /// GET `path` from the server; returns the status and the body.
    static func get(_ path: String, port: Int) async throws -> (status: Int, body: String) {
        let (data, response) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
    }

    @Test("A citizen's search shows in /metrics by kind, intent and Bot API method; /readyz is ready, then names a stuck reply")
    func metricsAndReadiness() async throws {
        let registry = Self.registry
        let port = Mutex<Int?>(nil)
        try await BotHarness.with { harness in
            try await harness.runBot(registry: BotSearchTests.registry, environment: ["LAPAK_WEB_PORT": "0", "LAPAK_HEALTH_OUTBOX_MAX_AGE": "60"],
                                     alongside: { application in
                                         [OperationsServer(for: application, registry: registry, logger: .init(label: "web"),
                                                           onListening: { bound in port.withLock { $0 = bound } })]
                                     }) {
                try await BotSearchTests.waitUntil { port.withLock { $0 } != nil }
                let web = try #require(port.withLock { $0 })
                #expect(try await Self.get("/healthz", port: web) == (200, "ok\n"))

                let ask = try await harness.say("katering terdekat", as: BotSearchTests.sari)
                #expect(ask.text?.contains("Bagikan lokasi") == true)
                // Readiness needs a getUpdates answered; the reply above proves one was.
                let ready = try await Self.get("/readyz", port: web)
                #expect(ready.status == 200, "\(ready.body)")
                #expect(ready.body.contains("telegram: ok") && ready.body.contains("database: ok") && ready.body.contains("broadcast sender: ok"))

                let metrics = try await Self.get("/metrics", port: web)
                #expect(metrics.status == 200)
                for line in ["lapak_updates_received_total{kind=\"message\"}", "lapak_updates_handled_total{kind=\"message\",intent=\"find\"}",
                             "lapak_bot_api_calls_total{method=\"sendMessage\",outcome=\"ok\"}", "lapak_handler_duration_seconds_bucket",
                             "lapak_update_reply_duration_seconds_count", "lapak_registry_businesses{status=\"active\"}",
                             "lapak_outbox_pending_rows{outbox=\"replies\"}", "lapak_vendors_checked_in", "http_server_request_duration"] {
                    #expect(metrics.body.contains(line), "no \(line) in /metrics")
                }

                // A reply that has waited ten minutes with no retry_after to explain it: not ready, and why.
                let database = try AppDatabase.open(path: harness.databasePath)
                try await database.writer.write { db in
                    try db.execute(sql: """
                        INSERT INTO reply_outbox (chat_id, method, parameters, created_at) VALUES (?, 'sendMessage', '{}', ?)
                        """, arguments: [BotSearchTests.sari.id, Int64(Date().timeIntervalSince1970) - 600])
                }
                let stuck = try await Self.get("/readyz", port: web)
                #expect(stuck.status == 503)
                #expect(stuck.body.contains("replies: FAILING: a reply has waited") && stuck.body.contains("telegram: ok"), "\(stuck.body)")
                let backlog = try await Self.get("/metrics", port: web)
                #expect(backlog.body.contains("lapak_outbox_pending_rows{outbox=\"replies\"} 1"))
            }
        }
    }

    @Test("A service that fails is restarted with backoff and its status says why meanwhile; the others go on")
    func supervision() async throws {
        let attempts = Mutex(0)
        /// Fails twice, then runs until shutdown.
        struct Flaky: Service {
            let attempt: @Sendable () -> Int
            func run() async throws {
                if attempt() < 3 { throw URLError(.cannotConnectToHost) }
                try await gracefulShutdown()
            }
        }
        let status = ServiceStatus()
        let supervised = SupervisedService("flaky", Flaky(attempt: { attempts.withLock { $0 += 1; return $0 } }), status: status,
                                           backoff: Backoff(initial: .milliseconds(10), maximum: .milliseconds(20)),
                                           logger: .init(label: "test"))
        let group = ServiceGroup(configuration: .init(services: [supervised], logger: .init(label: "test")))
        let running = Task { try await group.run() }
        try await BotSearchTests.waitUntil { attempts.withLock { $0 } >= 3 }
        try await BotSearchTests.waitUntil { status.failure == nil }
        await group.triggerGracefulShutdown()
        try await running.value
        #expect(attempts.withLock { $0 } == 3)
    }
}
