import Foundation
import GRDB
import LapakBot
import LapakDatabase
import Logging
import Prometheus
import TelegramBotAPI

extension OperationsServer {
    /// The server for a running `LapakApplication`: its readiness checks and the gauges read from its database.
    public init(for application: LapakApplication, registry: PrometheusCollectorRegistry, site: PublicSite? = nil, logger: Logger,
                onListening: (@Sendable (Int) -> Void)? = nil) {
        let settings = application.configuration
        // With the public site off, the operational routes are for this machine only.
        let host = settings.webEnabled ? settings.webHost : "127.0.0.1"
        let database = application.database
        let gauges = DatabaseGauges(registry: registry) { try await database.operationalFigures(now: $0) }
        self.init(configuration: .init(host: host, port: settings.webPort), registry: registry,
                  readiness: Readiness(Self.checks(for: application)), refreshGauges: { await gauges.refresh() },
                  webhook: application.webhookEndpoint, site: settings.webEnabled ? site : nil, logger: logger, onListening: onListening)
    }

    /// What `/readyz` checks: the database takes a write, Telegram answered a getUpdates lately, the
    /// broadcast sender is alive, and no reply waits too long without a retry_after to explain it.
    static func checks(for application: LapakApplication) -> [Readiness.Check] {
        let settings = application.configuration
        let database = application.database
        let client = application.client
        // A long poll returns at least every poll timeout; two of them without one means trouble.
        let pollLimit = Duration.seconds(max(2 * settings.pollTimeout, 5))
        return [
            Readiness.Check("database") {
                do {
                    try await database.writer.write { db in
                        try db.execute(sql: """
                            INSERT INTO health_probe (id, checked_at) VALUES (1, ?)
                            ON CONFLICT(id) DO UPDATE SET checked_at = excluded.checked_at
                            """, arguments: [Int64(Date().timeIntervalSince1970)])
                    }
                    return nil
                } catch {
                    return "cannot write: \(error)"
                }
            },
            telegramCheck(webhook: application.webhookEndpoint, pollHeartbeat: application.pollHeartbeat, pollLimit: pollLimit),
            Readiness.Check("broadcast sender") {
                if let failure = application.broadcastStatus.failure { return "down: \(failure)" }
                guard let age = application.broadcastHeartbeat.age() else { return "not started" }
                return age <= .seconds(60) ? nil : "no sign of life for \(age.seconds) s"
            },
            repliesCheck(maxAge: settings.outboxMaxAge, client: client) { try await database.oldestPendingReply() },
        ]
    }

    /// Whether replies leave: none has waited longer than `maxAge` seconds undelivered, unless Telegram's
    /// retry_after for its chat explains the wait.
    /// `oldest` reads the oldest undelivered reply's chat and time of writing.
    static func repliesCheck(maxAge: Int, client: BotAPIClient,
                             oldest: @escaping @Sendable () async throws -> (chatID: Int64, createdAt: Int64)?) -> Readiness.Check {
        Readiness.Check("replies") {
            let waiting: (chatID: Int64, createdAt: Int64)?
            do { waiting = try await oldest() } catch { return "cannot read the reply outbox: \(error)" }
            guard let (chat, createdAt) = waiting else { return nil }
            let age = Int64(Date().timeIntervalSince1970) - createdAt
            guard age > Int64(maxAge) else { return nil }
            // Telegram's retry_after explains a wait; anything else is a stuck sender or a dead network.
            if client.floodHoldDeadline(.chat(chat)) != nil { return nil }
            return "a reply has waited \(age) s undelivered (limit \(maxAge) s)"
        }
    }

    /// Whether updates reach Telegram's side: the webhook registered, or a getUpdates succeeded within `pollLimit`.
    static func telegramCheck(webhook: WebhookEndpoint?, pollHeartbeat: Heartbeat, pollLimit: Duration) -> Readiness.Check {
        Readiness.Check("telegram") {
            if let webhook {
                // Telegram posts only when someone writes: a quiet hour is no sign of trouble, so the
                // check is that setWebhook succeeded (the heartbeat's first beat).
                return webhook.heartbeat.age() == nil ? "the webhook is not registered with Telegram yet" : nil
            }
            guard let age = pollHeartbeat.age() else { return "no getUpdates has succeeded yet" }
            return age <= pollLimit ? nil : "the last successful getUpdates was \(age.seconds) s ago (limit \(pollLimit.seconds) s)"
        }
    }
}

/// Gauges read from the database at each scrape: outbox backlogs, the registry's size, carts on the map.
struct DatabaseGauges: Sendable {
    let registry: PrometheusCollectorRegistry
    /// Reads the figures at a time (SQLite's `AppDatabase` or PostgreSQL's store).
    let figures: @Sendable (Int64) async throws -> OperationalFigures

    func refresh() async {
        let now = Int64(Date().timeIntervalSince1970)
        let read: OperationalFigures
        do { read = try await figures(now) } catch {
            return  // the readiness check names a database that cannot be read
        }
        func age(_ since: Int64?) -> Double { since.map { Double(max(0, now - $0)) } ?? 0 }
        var readings: [(name: String, labels: [(String, String)], value: Double)] = [
            ("lapak_outbox_pending_rows", [("outbox", "replies")], Double(read.pendingReplies)),
            ("lapak_outbox_oldest_pending_seconds", [("outbox", "replies")], age(read.oldestPendingReply)),
            ("lapak_outbox_pending_rows", [("outbox", "broadcasts")], Double(read.pendingAnnouncements)),
            ("lapak_outbox_oldest_pending_seconds", [("outbox", "broadcasts")], age(read.oldestPendingAnnouncement)),
        ]
        var byStatus = ["active": 0, "suspended": 0, "inactive": 0]
        byStatus.merge(read.businessesByStatus) { _, counted in counted }
        for (status, count) in byStatus.sorted(by: { $0.key < $1.key }) {
            readings.append(("lapak_registry_businesses", [("status", status)], Double(count)))
        }
        readings.append(("lapak_vendors_checked_in", [], Double(read.vendorsCheckedIn)))
        for reading in readings {
            let gauge = reading.labels.isEmpty ? registry.makeGauge(name: reading.name) : registry.makeGauge(name: reading.name, labels: reading.labels)
            gauge.set(reading.value)
        }
    }
}

extension Duration {
    /// Whole seconds, for messages.
    var seconds: Int64 { components.seconds }
}
