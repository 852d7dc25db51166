import Foundation
import LapakBot
import LapakPostgres
import LapakRegistry
import Logging
import Prometheus
import ServiceLifecycle
import UnixSignals

extension PublicSite {
    /// Serves the site (with `/healthz` and `/readyz`) until SIGTERM or SIGINT: `lapak web`, without the bot.
    public func serveAlone(host: String, port: Int, logger: Logger, onListening: @escaping @Sendable (Int) -> Void) async throws {
        let registry = registry, workers = workers
        let readiness = Readiness([Readiness.Check("database") {
            // On the site's threads: PostgreSQL's directory waits for its answer there.
            await workers.run {
                do {
                    _ = try registry.version()
                    return nil
                } catch {
                    return "cannot read: \(error)"
                }
            }
        }])
        let server = OperationsServer(configuration: .init(host: host, port: port), registry: PrometheusCollectorRegistry(),
                                      readiness: readiness, site: self, logger: logger, onListening: onListening)
        let group = ServiceGroup(configuration: .init(services: [.init(service: server)], gracefulShutdownSignals: [.sigterm, .sigint],
                                                      logger: logger))
        try await group.run()
    }

    /// The directory of the PostgreSQL database at `database.url`, migrated first as a worker does at start
    /// (the site needs migration 9's registry version).
    static func postgresDirectory(_ configuration: LapakConfiguration, taxonomy: CategoryTaxonomy,
                                  logger: Logger) async throws -> PostgresPublicDirectory {
        do {
            _ = try await PostgresMigrations.migrate(url: configuration.databaseURL, logger: logger)
            return try PostgresPublicDirectory(url: configuration.databaseURL, taxonomy: taxonomy, timeZone: configuration.timeZone, logger: logger)
        } catch {
            throw ConfigurationError(setting: "database.url", message: "cannot open the public directory on PostgreSQL: \(error)")
        }
    }
}
