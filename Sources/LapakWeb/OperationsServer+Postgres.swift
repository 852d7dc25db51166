import Foundation
import LapakBot
import LapakPostgres
import Logging
import Prometheus
import TelegramBotAPI

extension OperationsServer {
    /// The server of a worker on PostgreSQL: the webhook route, health, readiness and metrics, and the public
    /// site when `site` is given (`web.enabled`), read from the shared database (`PostgresPublicDirectory`).
    public init(forWorker application: LapakPostgresApplication, registry: PrometheusCollectorRegistry, site: PublicSite? = nil,
                logger: Logger, onListening: (@Sendable (Int) -> Void)? = nil) {
        let settings = application.configuration
        let pollLimit = Duration.seconds(max(2 * settings.pollTimeout, 5))
        let store = application.store
        let checks = [
            Readiness.Check("database") { await application.databaseProblem() },
            Self.telegramCheck(webhook: application.webhookEndpoint, pollHeartbeat: application.pollHeartbeat, pollLimit: pollLimit),
            Readiness.Check("broadcast sender") {
                if let failure = application.broadcastStatus.failure { return "down: \(failure)" }
                return application.broadcastHeartbeat.age() == nil ? "not started" : nil
            },
            // This worker's replies only (claimed by it, or not claimed yet): a dead worker's wait out their lease and
            // go out from another's housekeeping; counting them would make every worker unready at once, and a
            // load balancer would then send Telegram's posts nowhere.
            Self.repliesCheck(maxAge: settings.outboxMaxAge, client: application.client) { [worker = application.worker] in
                try await store.oldestPendingReply(claimableBy: worker)
            },
        ]
        let gauges = DatabaseGauges(registry: registry) { try await store.operationalFigures(now: $0) }
        // Telegram must reach the webhook; with the site off the other routes stay on this machine.
        let host = settings.telegramMode == .webhook || settings.webEnabled ? settings.webHost : "127.0.0.1"
        self.init(configuration: .init(host: host, port: settings.webPort), registry: registry, readiness: Readiness(checks),
                  refreshGauges: { await gauges.refresh() }, webhook: application.webhookEndpoint, site: settings.webEnabled ? site : nil, logger: logger, onListening: onListening)
    }
}
