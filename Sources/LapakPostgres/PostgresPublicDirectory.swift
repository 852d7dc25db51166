import Foundation
import LapakRegistry
import Logging
import NIOCore
import NIOPosix
import PostgresNIO
import Synchronization

/// The public directory read from the shared PostgreSQL database: what the agency's website shows when
/// Lapak runs as workers on PostgreSQL (`lapak run` with `database.url`, or `lapak web`).
///
/// Every answer is SQLite's (`Registry` as a `PublicDirectory`; the parity tests compare them): the queries
/// live in `PostgresSession+Directory.swift`, run on connections of the site's own (`PostgresBlockingConnections`)
/// outside the bot's pool, each read a statement or two in autocommit.
public final class PostgresPublicDirectory: PublicDirectory {
    /// The category taxonomy the registry files businesses under.
    public let taxonomy: CategoryTaxonomy
    private let timeZone: TimeZone
    private let logger: Logger
    private let connections: PostgresBlockingConnections

    /// The directory of the database at `url` (migrated by `PostgresMigrations.migrate`, 9 or later).
    public init(url: String, taxonomy: CategoryTaxonomy, timeZone: TimeZone, logger: Logger) throws {
        connections = try PostgresBlockingConnections(url: url, logger: logger)
        self.taxonomy = taxonomy
        self.timeZone = timeZone
        self.logger = logger
    }

    /// Runs `body` with a session on one of the directory's connections, waiting on the calling thread.
    private func read<T>(_ body: (PostgresSession) throws -> T) throws -> T {
        try connections.withConnection { connection in
            try body(PostgresSession(connection: connection, taxonomy: taxonomy, timeZone: timeZone, logger: logger))
        }
    }

    /// The active businesses matching `query` at `now`, as `Registry.directory` lists them.
    public func directory(_ query: DirectoryQuery, at now: Date) throws -> DirectoryPage {
        try read { try $0.directory(query, at: now) }
    }

    /// One public business by its registry id; nil when unknown, suspended or deleted.
    public func publicBusiness(registryID: String, at now: Date) throws -> DirectoryEntry? {
        try read { try $0.publicBusiness(registryID: registryID, at: now) }
    }

    /// The registry's version and the end of the next check-in after `now`.
    public func freshness(at now: Date) throws -> Registry.Freshness {
        try read { try $0.freshness(at: now) }
    }

    /// The registry's version: one point read on an idle connection.
    public func version() throws -> Int64 {
        try read { try $0.registryVersion() }
    }

    /// `/statistik`'s figures at `now`.
    public func publicFigures(at now: Date) throws -> PublicFigures {
        try read { try $0.publicFigures(at: now) }
    }

    /// Runs `body` with the name index on one connection.
    public func readNames<T>(_ body: (any BusinessNameIndex) throws -> T) throws -> T {
        try read { try body($0) }
    }
}

/// PostgreSQL connections for synchronous readers that wait for each query on their own threads (the public
/// site's `SiteWorkers`), each connection used by one thread at a time and kept for the next.
///
/// The shared pool (`PostgresClient`) hands out connections only to async code; the site's pages are made
/// synchronously on threads of their own, at a lower priority than the bot. Waiting there for a query is
/// what GRDB does for SQLite's reads, and it never blocks an event loop (checked: that would deadlock) nor
/// Swift's cooperative pool (the callers' threads are a `NIOThreadPool`'s). There are never more
/// connections than threads reading at once.
final class PostgresBlockingConnections: Sendable {
    private let configuration: PostgresConnection.Configuration
    private let logger: Logger
    private let idle = Mutex<[PostgresConnection]>([])
    private let nextID = Atomic<Int>(1)
    /// More idle connections than this are closed on return: one per thread of a busy site is plenty.
    static let keptIdle = 16

    /// Connections to the database at `url` (a `database.url`), opened when first needed.
    init(url: String, logger: Logger) throws {
        do {
            configuration = try PostgresEndpoint(url: url).connectionConfiguration()
        } catch let error as PostgresURLError {
            throw error
        } catch {
            throw PostgresURLError(url: url, reason: "cannot make its TLS context: \(error)")
        }
        self.logger = logger
    }

    deinit {
        for connection in idle.withLock({ $0 }) { Self.close(connection) }
    }

    /// Closes `connection` without waiting, keeping it alive until it has closed (postgres-nio asserts that).
    private static func close(_ connection: PostgresConnection) {
        connection.close().whenComplete { _ in withExtendedLifetime(connection) {} }
    }

    /// Runs `body` with a connection of its own (outside any transaction), waiting on the calling thread.
    ///
    /// A connection whose work threw is closed rather than kept: it may be inside a failed transaction or
    /// mid-way through the protocol, and a new one costs a few milliseconds on an error path only.
    func withConnection<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
        guard MultiThreadedEventLoopGroup.currentEventLoop == nil else { throw PostgresBlockingError.onEventLoop }
        let connection = try take()
        let result: T
        do {
            result = try body(connection)
        } catch {
            Self.close(connection)
            throw error
        }
        let surplus = idle.withLock { idle -> PostgresConnection? in
            guard !connection.isClosed else { return nil }
            guard idle.count < Self.keptIdle else { return connection }
            idle.append(connection)
            return nil
        }
        if let surplus { Self.close(surplus) }
        return result
    }

    /// An idle connection that is still open, or a new one.
    private func take() throws -> PostgresConnection {
        while let kept = idle.withLock({ $0.popLast() }) {
            if !kept.isClosed { return kept }
        }
        let id = nextID.wrappingAdd(1, ordering: .relaxed).oldValue
        return try PostgresConnection.connect(on: MultiThreadedEventLoopGroup.singleton.any(), configuration: configuration, id: id,
                                              logger: logger).wait()
    }
}

/// A synchronous read that could not start.
public enum PostgresBlockingError: Error, CustomStringConvertible {
    /// Called on an event loop, whose own I/O the wait would block.
    case onEventLoop

    public var description: String {
        switch self {
        case .onEventLoop: return "a blocking PostgreSQL read was called on an event loop thread; run it on a thread pool (SiteWorkers)"
        }
    }
}
