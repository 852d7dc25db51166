import Foundation
import Hummingbird
import Logging
import Prometheus
import ServiceLifecycle
import TelegramBotAPI

/// The HTTP server `lapak run` starts beside the bot: `/healthz`, `/readyz` and `/metrics` for the
/// operator, and the agency's public site (`PublicSite`) when it is on.
///
/// With the public site off it listens on 127.0.0.1 only: metrics and readiness are for the machine's
/// own Prometheus and systemd, not for the internet.
public struct OperationsServer: Service {
    /// Where to listen and what to answer.
    public struct Configuration: Sendable {
        /// The address to bind: `web.host`, or 127.0.0.1 with the public site off.
        public var host: String
        /// `web.port`; 0 picks a free port (tests).
        public var port: Int

        /// A listening address.
        public init(host: String = "127.0.0.1", port: Int = 8080) {
            self.host = host
            self.port = port
        }
    }

    private let configuration: Configuration
    private let registry: PrometheusCollectorRegistry
    private let readiness: Readiness
    private let refreshGauges: @Sendable () async -> Void
    private let logger: Logger
    private let onListening: (@Sendable (Int) -> Void)?
    private let webhook: WebhookEndpoint?
    private let site: PublicSite?

    /// A server exporting `registry`, judging readiness by `readiness`; `refreshGauges` updates the gauges
    /// read from the database (outbox ages, registry size) just before each scrape.
    public init(configuration: Configuration, registry: PrometheusCollectorRegistry, readiness: Readiness,
                refreshGauges: @escaping @Sendable () async -> Void = {}, webhook: WebhookEndpoint? = nil, site: PublicSite? = nil,
                logger: Logger, onListening: (@Sendable (Int) -> Void)? = nil) {
        self.webhook = webhook
        self.site = site
        self.configuration = configuration
        self.registry = registry
        self.readiness = readiness
        self.refreshGauges = refreshGauges
        self.logger = logger
        self.onListening = onListening
    }

    public func run() async throws {
        let router = Router()
        router.middlewares.add(MetricsMiddleware())
        router.get("healthz") { _, _ in "ok\n" }
        if let webhook { Self.addWebhookRoute(webhook, to: router) }
        router.get("readyz") { _, _ in
            let report = await readiness.evaluate()
            return Response(status: report.isReady ? .ok : .serviceUnavailable,
                            headers: [.contentType: "text/plain; charset=utf-8", .cacheControl: "no-store"],
                            body: ResponseBody(byteBuffer: ByteBuffer(string: report.text)))
        }
        router.get("metrics") { _, _ in
            await refreshGauges()
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                            body: ResponseBody(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer())))
        }
        site?.register(on: router)
        let address = configuration
        let onListening = onListening
        let logger = logger
        let application = Application(
            router: router,
            configuration: .init(address: .hostname(address.host, port: address.port), serverName: "Lapak"),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? address.port
                logger.info(site == nil ? "Serving /healthz, /readyz and /metrics" : "Serving the public site, /healthz, /readyz and /metrics",
                            metadata: ["address": "http://\(address.host):\(port)"])
                onListening?(port)
            },
            logger: logger)
        // `run()`, not `runService()`: the latter catches SIGTERM itself, so the server could stop before the
        // daemon's group saw the signal. The group then took it for a service that ended on its own: it
        // cancelled the other services instead of stopping them in order, and the process exited 1 (or a
        // PostgreSQL worker waited for ever on a pool already gone). The enclosing group's graceful shutdown
        // reaches the server through the task, in its turn.
        try await application.run()
    }
}

extension OperationsServer: CustomStringConvertible {
    /// How a service group names it in the log.
    public var description: String { "http server on \(configuration.host):\(configuration.port)" }
}
