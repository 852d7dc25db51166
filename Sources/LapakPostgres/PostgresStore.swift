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
        let endpoint = try PostgresEndpoint(url: url)
        var configuration: PostgresClient.Configuration
        if let socket = endpoint.unixSocketPath {
            configuration = .init(unixSocketPath: socket, username: endpoint.user, password: endpoint.password, database: endpoint.database)
        } else {
            configuration = .init(host: endpoint.host, port: endpoint.port, username: endpoint.user, password: endpoint.password,
                                  database: endpoint.database, tls: endpoint.requireTLS ? .require(TLSConfiguration.makeClientConfiguration()) : .disable)
        }
        configuration.options.minimumConnections = 0
        configuration.options.maximumConnections = 20
        return configuration
    }
}

/// Where a `postgres://` URL points: a host and port, or a Unix socket (`?host=/folder`, as libpq writes it).
struct PostgresEndpoint: Sendable {
    var user: String
    var password: String?
    var database: String?
    var host: String
    var port: Int
    var unixSocketPath: String?
    var requireTLS: Bool

    init(url: String) throws(PostgresURLError) {
        guard let components = URLComponents(string: url), ["postgres", "postgresql"].contains(components.scheme ?? "") else {
            throw PostgresURLError(url: url, reason: "not a postgres:// URL")
        }
        user = components.user.flatMap { $0.removingPercentEncoding } ?? "postgres"
        password = components.password.flatMap { $0.removingPercentEncoding }
        database = components.path.split(separator: "/").first.map(String.init)
        port = components.port ?? 5432
        host = components.host ?? ""
        requireTLS = components.queryItems?.first(where: { $0.name == "sslmode" })?.value == "require"
        if let folder = components.queryItems?.first(where: { $0.name == "host" })?.value, folder.hasPrefix("/") {
            unixSocketPath = "\(folder)/.s.PGSQL.\(port)"
        } else if host.isEmpty {
            throw PostgresURLError(url: url, reason: "no host")
        }
    }

    /// The same endpoint for a single connection outside the pool (a session-level advisory lock lives on one).
    ///
    /// Throws when `sslmode=require` asks for TLS and no TLS context can be made: falling back to a plain
    /// connection would send the password in the clear to a server the operator said must be encrypted.
    func connectionConfiguration() throws -> PostgresConnection.Configuration {
        if let unixSocketPath {
            return .init(unixSocketPath: unixSocketPath, username: user, password: password, database: database)
        }
        let tls: PostgresConnection.Configuration.TLS = requireTLS
            ? .require(try NIOSSLContext(configuration: .makeClientConfiguration())) : .disable
        return .init(host: host, port: port, username: user, password: password, database: database, tls: tls)
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

extension PostgresStore: CustomStringConvertible {
    /// How a service group names it in the log (never the URL: it may carry a password).
    public var description: String { "PostgreSQL pool" }
}
