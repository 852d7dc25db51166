import Foundation
import Logging
import PostgresNIO
import ServiceLifecycle

/// Lapak's shared store on PostgreSQL: one connection pool, run as a `Service`, and the schema's migrations.
///
/// Several `lapak run` workers share one database; every piece of state they must agree on (the registry,
/// the inbox of updates) lives here rather than in a worker.
public struct PostgresStore: Service {
    /// The connection pool; `run()` must be running for queries to go through.
    public let client: PostgresClient
    let logger: Logger

    /// A store for `url` (`postgres://user:password@host:port/database`, or with `?host=/socket/folder`
    /// for a Unix socket, as libpq writes it).
    public init(url: String, logger: Logger) throws(PostgresURLError) {
        client = PostgresClient(configuration: try Self.configuration(from: url), backgroundLogger: logger)
        self.logger = logger
    }

    /// Runs the pool until the service group stops.
    public func run() async throws {
        await cancelWhenGracefulShutdown { await client.run() }
    }

    /// Parses a `postgres://` URL into the pool's configuration.
    public static func configuration(from url: String) throws(PostgresURLError) -> PostgresClient.Configuration {
        guard let components = URLComponents(string: url), ["postgres", "postgresql"].contains(components.scheme ?? "") else {
            throw PostgresURLError(url: url, reason: "not a postgres:// URL")
        }
        let user = components.user.flatMap { $0.removingPercentEncoding } ?? "postgres"
        let password = components.password.flatMap { $0.removingPercentEncoding }
        let database = components.path.split(separator: "/").first.map(String.init)
        let port = components.port ?? 5432
        var configuration: PostgresClient.Configuration
        if let socketFolder = components.queryItems?.first(where: { $0.name == "host" })?.value, socketFolder.hasPrefix("/") {
            configuration = .init(unixSocketPath: "\(socketFolder)/.s.PGSQL.\(port)", username: user, password: password, database: database)
        } else {
            guard let host = components.host, !host.isEmpty else { throw PostgresURLError(url: url, reason: "no host") }
            let tls = components.queryItems?.first(where: { $0.name == "sslmode" })?.value
            configuration = .init(host: host, port: port, username: user, password: password, database: database,
                                  tls: tls == "require" ? .require(try Self.tlsConfiguration()) : .disable)
        }
        configuration.options.minimumConnections = 0
        configuration.options.maximumConnections = 20
        return configuration
    }

    private static func tlsConfiguration() throws(PostgresURLError) -> TLSConfiguration {
        TLSConfiguration.makeClientConfiguration()
    }
}

/// A database URL that cannot be used; says why without repeating the password.
public struct PostgresURLError: Error, Sendable, CustomStringConvertible {
    public var url: String
    public var reason: String

    public var description: String {
        var shown = URLComponents(string: url)
        if shown?.password != nil { shown?.password = "***" }
        return "database.url '\(shown?.string ?? "?")': \(reason)"
    }
}
