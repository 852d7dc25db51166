import Foundation
import LapakRegistry
import Logging
import NIOCore
import NIOPosix
import PostgresNIO

/// One update's transaction on PostgreSQL, for the bot's synchronous handlers.
///
/// Handlers are synchronous: on SQLite they run inside GRDB's write closure, and their effects, replies and
/// the update's "handled" mark commit together. On PostgreSQL the same handlers run on a thread of a
/// `NIOThreadPool` (never on Swift's cooperative pool or an event loop) and wait for each query's result,
/// as GRDB's writer thread waits for SQLite's I/O. Every query goes over the one connection that holds the
/// update's transaction, so the store protocols' methods (`RegistryStore`, `DialogStore`, …, implemented in
/// `PostgresSession+*.swift`) commit or roll back together.
///
/// Not `Sendable` on purpose: it lives as long as the transaction that made it.
public final class PostgresSession {
    /// The connection inside its transaction.
    let connection: PostgresConnection
    let logger: Logger
    /// The category taxonomy the store files businesses under.
    public let taxonomy: CategoryTaxonomy
    /// "Today" ends at local midnight in this zone.
    public let timeZone: TimeZone
    /// The worker whose claim the replies written here carry, so that it sends them itself at once.
    public let worker: String
    /// How long that claim keeps other workers' sweeps off a reply (see `PostgresReplyOutbox.lease`).
    public let replyLease: TimeInterval
    /// The update this transaction handles, already marked handled in it by the chat sequencer: the stores'
    /// own marks for it (the methods taking `handling:`) would only repeat that, one round trip each.
    public var markedUpdate: Int64?
    /// The chat of the update this transaction handles: the first read of a user's language also reads
    /// their dialog state in that chat, which routing reads next (one round trip instead of two).
    public var updateChat: Int64?
    /// That dialog state while it is still what the database holds: only this chat's transactions, which
    /// wait for its lock, write it, and writing it here forgets the copy.
    var prefetchedDialog: (user: Int64, chat: Int64, state: String?)?
    /// Whether the language read has done its prefetch (once per transaction).
    var dialogPrefetched = false

    /// A session on `connection`, which must be inside a transaction the caller commits.
    public init(connection: PostgresConnection, taxonomy: CategoryTaxonomy, timeZone: TimeZone, logger: Logger,
                worker: String = "", replyLease: TimeInterval = 300) {
        self.connection = connection
        self.taxonomy = taxonomy
        self.timeZone = timeZone
        self.logger = logger
        self.worker = worker
        self.replyLease = replyLease
    }

    /// Runs `query` and returns all its rows, waiting on this (non-event-loop) thread.
    @discardableResult
    public func rows(_ query: PostgresQuery, file: String = #fileID, line: Int = #line) throws -> PostgresQueryResult {
        try connection.query(query, logger: logger, file: file, line: line).wait()
    }

    /// Runs a statement and returns how many rows it changed (INSERT, UPDATE, DELETE).
    @discardableResult
    public func execute(_ query: PostgresQuery, file: String = #fileID, line: Int = #line) throws -> Int {
        try rows(query, file: file, line: line).metadata.rows ?? 0
    }

    /// The first row of `query` decoded as `T`, or nil when it returns none.
    public func one<T: PostgresDecodable>(_ query: PostgresQuery, as: T.Type = T.self, file: String = #fileID, line: Int = #line) throws -> T? {
        try rows(query, file: file, line: line).first.map { try $0.decode(T.self) }
    }

    /// The first row of `query` decoded as a tuple of columns, or nil when it returns none.
    public func one<each Column: PostgresDecodable>(_ query: PostgresQuery, as: (repeat each Column).Type, file: String = #fileID,
                                                    line: Int = #line) throws -> (repeat each Column)? {
        guard let row = try rows(query, file: file, line: line).first else { return nil }
        return try row.decode((repeat each Column).self, file: file, line: line)
    }

    /// Every row of `query` decoded as a tuple of columns.
    public func all<each Column: PostgresDecodable>(_ query: PostgresQuery, as: (repeat each Column).Type, file: String = #fileID,
                                                    line: Int = #line) throws -> [(repeat each Column)] {
        try rows(query, file: file, line: line).map { try $0.decode((repeat each Column).self, file: file, line: line) }
    }

    /// Every row of `query` decoded as `T`.
    public func all<T: PostgresDecodable>(_ query: PostgresQuery, as: T.Type = T.self, file: String = #fileID, line: Int = #line) throws -> [T] {
        try rows(query, file: file, line: line).map { try $0.decode(T.self) }
    }
}

/// Runs synchronous work inside one PostgreSQL transaction, on threads of its own.
///
/// The bridge between the async pool (postgres-nio) and the synchronous handlers: it takes a connection
/// from the pool, opens the transaction, runs `body` on a thread of a `NIOThreadPool`, and commits when it
/// returns (rolls back when it throws).
public struct PostgresTransactions: Sendable {
    /// The store the transactions run on.
    public let store: PostgresStore
    let threads: NIOThreadPool
    let taxonomy: CategoryTaxonomy
    let timeZone: TimeZone
    /// The worker the sessions' replies are claimed by.
    public let worker: String

    /// Transactions on `store`, run on `threads` (started by the caller; `NIOThreadPool.singleton` will do);
    /// replies written in them are claimed by `worker`.
    public init(store: PostgresStore, threads: NIOThreadPool = .singleton, taxonomy: CategoryTaxonomy, timeZone: TimeZone,
                worker: String = "") {
        self.store = store
        self.threads = threads
        self.taxonomy = taxonomy
        self.timeZone = timeZone
        self.worker = worker
    }

    /// Runs `body` in a new transaction and commits it.
    public func write<T: Sendable>(_ body: @escaping @Sendable (PostgresSession) throws -> T) async throws -> T {
        try await store.client.withTransaction(logger: store.logger) { connection in
            try await run(on: connection, body)
        }
    }

    /// Runs `body` on a thread of the pool with a session on `connection` (already inside a transaction).
    public func run<T: Sendable>(on connection: PostgresConnection, _ body: @escaping @Sendable (PostgresSession) throws -> T) async throws -> T {
        let taxonomy = taxonomy, timeZone = timeZone, logger = store.logger, worker = worker
        return try await threads.runIfActive {
            try body(PostgresSession(connection: connection, taxonomy: taxonomy, timeZone: timeZone, logger: logger, worker: worker))
        }
    }
}
