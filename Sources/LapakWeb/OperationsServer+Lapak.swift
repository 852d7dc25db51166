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
        let gauges = DatabaseGauges(registry: registry, database: application.database)
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
            Readiness.Check("replies") {
                let oldest: (chatID: Int64, createdAt: Int64)?
                do {
                    oldest = try await database.writer.read { db in
                        try Row.fetchOne(db, sql: """
                            SELECT chat_id, created_at FROM reply_outbox WHERE state = 'pending' ORDER BY id LIMIT 1
                            """).map { ($0["chat_id"], $0["created_at"]) }
                    }
                } catch {
                    return "cannot read the reply outbox: \(error)"
                }
                guard let oldest else { return nil }
                let age = Int64(Date().timeIntervalSince1970) - oldest.createdAt
                guard age > settings.outboxMaxAge else { return nil }
                // Telegram's retry_after explains a wait; anything else is a stuck sender or a dead network.
                if client.floodHoldDeadline(.chat(oldest.chatID)) != nil { return nil }
                return "a reply has waited \(age) s undelivered (limit \(settings.outboxMaxAge) s)"
            },
        ]
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
    let database: AppDatabase

    func refresh() async {
        let now = Int64(Date().timeIntervalSince1970)
        let readings: [(name: String, labels: [(String, String)], value: Double)]
        do {
            readings = try await database.writer.read { db in
                var readings: [(String, [(String, String)], Double)] = []
                let replies = try Row.fetchOne(db, sql: "SELECT count(*) AS n, min(created_at) AS oldest FROM reply_outbox WHERE state = 'pending'")
                readings.append(("lapak_outbox_pending_rows", [("outbox", "replies")], Double(replies?["n"] as Int64? ?? 0)))
                readings.append(("lapak_outbox_oldest_pending_seconds", [("outbox", "replies")],
                                 (replies?["oldest"] as Int64?).map { Double(max(0, now - $0)) } ?? 0))
                let broadcasts = try Row.fetchOne(db, sql: """
                    SELECT count(*) AS n, min(b.created_at) AS oldest FROM outbox o JOIN broadcast b ON b.id = o.broadcast_id
                    WHERE o.state IN ('pending', 'sending')
                    """)
                readings.append(("lapak_outbox_pending_rows", [("outbox", "broadcasts")], Double(broadcasts?["n"] as Int64? ?? 0)))
                readings.append(("lapak_outbox_oldest_pending_seconds", [("outbox", "broadcasts")],
                                 (broadcasts?["oldest"] as Int64?).map { Double(max(0, now - $0)) } ?? 0))
                var byStatus = ["active": 0.0, "suspended": 0.0, "inactive": 0.0]
                for row in try Row.fetchAll(db, sql: "SELECT status, count(*) AS n FROM business GROUP BY status") {
                    byStatus[row["status"]] = Double(row["n"] as Int64)
                }
                for (status, count) in byStatus.sorted(by: { $0.key < $1.key }) {
                    readings.append(("lapak_registry_businesses", [("status", status)], count))
                }
                let carts = try Int64.fetchOne(db, sql: """
                    SELECT count(*) FROM place WHERE checkin_id IS NOT NULL AND (expires_at IS NULL OR expires_at > ?)
                    """, arguments: [now]) ?? 0
                readings.append(("lapak_vendors_checked_in", [], Double(carts)))
                return readings
            }
        } catch {
            return  // the readiness check names a database that cannot be read
        }
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
