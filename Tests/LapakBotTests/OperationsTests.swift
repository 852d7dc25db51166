import BotAPIEmulator
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import GRDB
import InMemoryLogging
import LapakBot
import LapakDatabase
import LapakPostgres
import PostgresNIO
import LapakRegistry
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
        LapakMetrics.bootstrap(registry)
        return registry
    }()

    /// GET `path` from the server; returns the status and the body.
    static func get(_ path: String, port: Int) async throws -> (status: Int, body: String) {
        let (data, response) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
    }

    @Test("A citizen's search shows in /metrics by kind, intent and Bot API method; /readyz is ready, then names a stuck reply",
          arguments: BotStoreKind.allCases)
    func metricsAndReadiness(store: BotStoreKind) async throws {
        let registry = Self.registry
        let port = Mutex<Int?>(nil)
        let worker = Mutex<String?>(nil)
        try await BotHarness.with(store: store) { harness in
            try await harness.runBot(registry: BotSearchTests.registry, environment: ["LAPAK_WEB_PORT": "0", "LAPAK_HEALTH_OUTBOX_MAX_AGE": "60"],
                                     alongside: { application in
                                         if case .postgres(let running) = application { worker.withLock { $0 = running.worker } }
                                         return [application.operationsServer(registry: registry, onListening: { bound in port.withLock { $0 = bound } })]
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

                // A reply that has waited ten minutes with no retry_after to explain it: not ready, and why. On
                // PostgreSQL it is this worker's (claimed by it), as a reply its stuck sender never sent would be.
                let written = Int64(Date().timeIntervalSince1970) - 600
                let claimant = worker.withLock { $0 }
                try await harness.stores { stores in
                    if let session = stores.registry as? PostgresSession {
                        try session.execute("""
                            INSERT INTO reply_outbox (chat_id, method, parameters, created_at, claimed_by, claim_expires_at)
                            VALUES (\(BotSearchTests.sari.id), 'sendMessage', '{}', \(written), \(claimant ?? ""), \(written + 86_400))
                            """)
                    } else if let session = stores.registry as? Registry.Session {
                        try session.db.execute(sql: """
                            INSERT INTO reply_outbox (chat_id, method, parameters, created_at) VALUES (?, 'sendMessage', '{}', ?)
                            """, arguments: [BotSearchTests.sari.id, written])
                    }
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

extension RunningBot {
    /// The HTTP server beside the bot: health, readiness, metrics and, in webhook mode, the webhook.
    func operationsServer(registry: PrometheusCollectorRegistry, onListening: @escaping @Sendable (Int) -> Void) -> OperationsServer {
        switch self {
        case .sqlite(let application):
            OperationsServer(for: application, registry: registry, logger: Logger(label: "web"), onListening: onListening)
        case .postgres(let worker):
            OperationsServer(forWorker: worker, registry: registry, logger: Logger(label: "web"), onListening: onListening)
        }
    }
}

/// Log lines an operator can search: every update's line names it, its chat (pseudonymised) and its route.
@Suite("Logs: a line per update with its id, chat and intent; JSON lines without the token")
struct OperationsLogTests {
    @Test("Each update's line carries update_id, a pseudonymised chat, the intent and the duration; raw_ids shows the id",
          arguments: BotStoreKind.allCases, [false, true])
    func updateLines(store: BotStoreKind, rawIDs: Bool) async throws {
        try await BotHarness.with(store: store) { harness in
            try await harness.runBot(registry: BotSearchTests.registry, environment: ["LAPAK_LOG_RAW_IDS": rawIDs ? "true" : "false"]) {
                _ = try await harness.say("katering terdekat", as: BotSearchTests.sari)
                try await BotSearchTests.waitUntil { harness.logs.entries.contains { "\($0.message)" == "Update handled" } }
            }
            let line = try #require(harness.logs.entries.first { "\($0.message)" == "Update handled" })
            let metadata = line.metadata ?? [:]
            #expect(metadata["intent"].map { "\($0)" } == "find")
            #expect(metadata["update_id"] != nil && metadata["duration_ms"] != nil)
            let chat = "\(metadata["chat"] ?? "")"
            if rawIDs {
                #expect(chat == String(BotSearchTests.sari.id))
            } else {
                #expect(chat.hasPrefix("c-") && chat.count == 14 && !chat.contains(String(BotSearchTests.sari.id)))
                #expect(chat == LogIdentity(rawIDs: false).chat(BotSearchTests.sari.id))  // the same chat, the same name
            }
        }
    }

    @Test("A JSON line is one object with the message and the metadata as fields, quotes and newlines escaped")
    func jsonLines() throws {
        let lines = Mutex<[String]>([])
        var handler = JSONLogHandler(label: "lapak") { line in lines.withLock { $0.append(line) } }
        handler.logLevel = .info
        let logger = Logger(label: "lapak", factory: { _ in handler })
        logger.warning("cannot reach \"the API\"\nretrying", metadata: ["update_id": "42", "chat": "c-0123456789ab"])
        logger.debug("not written at info")
        let written = lines.withLock { $0 }
        #expect(written.count == 1 && written[0].hasSuffix("}\n") && written[0].filter { $0 == "\n" }.count == 1)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(written[0].utf8)) as? [String: String])
        #expect(object["message"] == "cannot reach \"the API\"\nretrying" && object["level"] == "warning")
        #expect(object["update_id"] == "42" && object["chat"] == "c-0123456789ab" && object["time"] != nil)
    }
}

extension SubprocessTests {
    /// `lapak run` with `log.format: json`, as journald would collect it.
    @Suite("lapak run logs JSON")
    struct JSONLogTests {
        // SQLite only: a test of the process's log bootstrap, which `lapak run` does before choosing a store.
        @Test("With LAPAK_LOG_FORMAT=json every line of `lapak run` is a JSON object, and none contains the token")
        func runLogsJSON() async throws {
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lapak-json-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            let log = folder.appendingPathComponent("run.log")
            FileManager.default.createFile(atPath: log.path, contents: nil)
            let handle = try FileHandle(forWritingTo: log)
            let token = "123456:SECRET-TOKEN-abcdefghijklmnop"
            let process = try ChildProcess(CommandLineTests.binary.path, ["run"], environment: ["PATH": "/usr/bin:/bin", "HOME": NSTemporaryDirectory(), "LAPAK_TELEGRAM_TOKEN": token,
                                   "LAPAK_TELEGRAM_API_URL": "http://127.0.0.1:9", "LAPAK_LOG_FORMAT": "json", "LAPAK_WEB_PORT": "0",
                                   "LAPAK_DATABASE_PATH": folder.appendingPathComponent("lapak.sqlite").path],
                                           output: handle.fileDescriptor, error: handle.fileDescriptor)
            let text = { String(decoding: (try? Data(contentsOf: log)) ?? Data(), as: UTF8.self) }
            try await BotSearchTests.waitUntil { text().contains("cannot reach") }
            process.send(SIGTERM)
            try await process.waitForExit()
            try handle.close()
            let lines = text().split(separator: "\n")
            #expect(lines.count >= 3)
            for line in lines {
                #expect((try? JSONSerialization.jsonObject(with: Data(line.utf8))) is [String: Any], "not JSON: \(line)")
                #expect(!line.contains("SECRET-TOKEN"))
            }
            #expect(lines.contains { $0.contains("\"message\":\"cannot reach http://127.0.0.1:9") })
        }
    }
}
