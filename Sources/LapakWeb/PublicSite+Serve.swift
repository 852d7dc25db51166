import Foundation
import GRDB
import LapakDatabase
import LapakRegistry
import Logging
import Prometheus
import ServiceLifecycle
import UnixSignals

extension PublicSite {
    /// Serves the site (with `/healthz` and `/readyz`) until SIGTERM or SIGINT: `lapak web`, without the bot.
    public func serveAlone(host: String, port: Int, logger: Logger, onListening: @escaping @Sendable (Int) -> Void) async throws {
        let database = registry.database
        let readiness = Readiness([Readiness.Check("database") {
            do {
                _ = try await database.writer.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM business") }
                return nil
            } catch {
                return "cannot read: \(error)"
            }
        }])
        let server = OperationsServer(configuration: .init(host: host, port: port), registry: PrometheusCollectorRegistry(),
                                      readiness: readiness, site: self, logger: logger, onListening: onListening)
        let group = ServiceGroup(configuration: .init(services: [.init(service: server)], gracefulShutdownSignals: [.sigterm, .sigint],
                                                      logger: logger))
        try await group.run()
    }
}
