import LapakBroadcast
import Logging
import PostgresNIO
import ServiceLifecycle
import Synchronization

/// Elects the one worker that may spend the bot's bulk budget.
///
/// Telegram's ~30 messages a second for announcements is a limit per bot, not per worker, so among
/// several `lapak run` processes exactly one sends bulk messages. The leader holds a session-level
/// advisory lock (`pg_try_advisory_lock`) on a connection of its own. PostgreSQL releases the lock
/// when that connection ends, whether the worker stopped, crashed or lost the network, and another
/// worker's next attempt takes it over: within `retryInterval`.
public final class BulkLeadership: Service, Sendable {
    /// The advisory lock's key: the same for every worker of one bot.
    public let key: Int64
    /// How often a follower tries to take the lead, and a leader checks that its connection is alive.
    public let retryInterval: Duration
    private let endpoint: PostgresEndpoint
    private let logger: Logger
    private let leading = Atomic<Bool>(false)
    /// The backend process of the connection holding the lock while leading, 0 otherwise.
    private let holderPID = Atomic<Int32>(0)

    /// An election on the database at `url`; `key` tells bots sharing one database apart.
    public init(url: String, key: Int64 = 0x4C61_7061_6B42_756C, retryInterval: Duration = .seconds(2), logger: Logger) throws(PostgresURLError) {
        self.endpoint = try PostgresEndpoint(url: url)
        self.key = key
        self.retryInterval = retryInterval
        self.logger = logger
    }

    /// Whether this worker holds the lead now; the broadcast sender sends only while it does.
    public var isLeader: Bool { leading.load(ordering: .acquiring) }

    /// The PostgreSQL backend whose session holds the lock, while this worker believes it leads.
    ///
    /// A store can check in `pg_locks` that this backend still holds the lock when it writes, so a leader
    /// whose connection died cannot act on the lead before it notices (`PostgresBroadcastStore`'s fence).
    public var lockHolderPID: Int32? {
        guard isLeader else { return nil }
        let pid = holderPID.load(ordering: .acquiring)
        return pid == 0 ? nil : pid
    }

    /// Campaigns until shutdown: connects, tries the lock, and while leading checks the connection at
    /// every interval; a lost connection ends the lead at once (the lock went with it).
    public func run() async throws {
        var connection: PostgresConnection?
        var nextID = 1
        var lastFailure = ""
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                if connection == nil || connection?.isClosed == true {
                    // The lock went with the old connection: a new one starts as a follower.
                    if isLeader { logger.warning("Lost the bulk budget lead: the database connection closed") }
                    leading.store(false, ordering: .releasing)
                    connection = try await PostgresConnection.connect(configuration: try endpoint.connectionConfiguration(), id: nextID, logger: logger)
                    nextID += 1
                }
                guard let connection else { continue }
                if isLeader {
                    // The lock lives as long as the connection: a round trip proves both. A connection the
                    // server ended, or one that does not answer within a few intervals, ends the lead.
                    guard try await Self.answers(connection, within: retryInterval * 5, logger: logger) else {
                        throw LeadershipLost()
                    }
                } else {
                    let acquired = try await Self.closingOnCancel(connection) {
                        var acquired = false
                        for try await (granted, pid) in try await connection.query("SELECT pg_try_advisory_lock(\(key)), pg_backend_pid()", logger: logger)
                            .decode((Bool, Int32).self) {
                            acquired = granted
                            holderPID.store(pid, ordering: .releasing)
                        }
                        return acquired
                    }
                    if acquired {
                        leading.store(true, ordering: .releasing)
                        logger.notice("This worker now sends the bot's announcements (bulk budget leader)")
                    }
                }
            } catch {
                if isLeader {
                    logger.warning("Lost the bulk budget lead: the database connection failed", metadata: ["error": "\(error)"])
                } else if "\(error)" != lastFailure {
                    // Said once per distinct failure: a follower retrying every few seconds would flood the log.
                    logger.warning("Cannot reach the database to contend for the bulk budget lead", metadata: ["error": "\(error)"])
                }
                lastFailure = "\(error)"
                leading.store(false, ordering: .releasing)
                if let dead = connection { try? await dead.close() }
                connection = nil
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: self.retryInterval) }
        }
        // Closing the connection releases the lock now, rather than when the server notices.
        leading.store(false, ordering: .releasing)
        try? await connection?.close()
    }

    /// Runs `body`, closing `connection` if the task is cancelled meanwhile.
    ///
    /// A query waiting on a connection whose server side is gone does not end when its task is cancelled;
    /// a stopping worker (a test's task group, a service group shutting down) would wait for it for ever.
    /// Closing the connection fails the query at once.
    private static func closingOnCancel<Result: Sendable>(_ connection: PostgresConnection,
                                                          _ body: () async throws -> Result) async throws -> Result {
        try await withTaskCancellationHandler {
            try await body()
        } onCancel: {
            connection.close().whenComplete { _ in }
        }
    }

    /// True when `SELECT 1` comes back on `connection` within `limit`.
    private static func answers(_ connection: PostgresConnection, within limit: Duration, logger: Logger) async throws -> Bool {
        guard !connection.isClosed else { return false }
        return try await closingOnCancel(connection) { try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask {
                for try await _ in try await connection.query("SELECT 1", logger: logger).decode(Int.self) {}
                return true
            }
            group.addTask {
                try await Task.sleep(for: limit)
                // A query on a connection the server ended can wait for ever; closing it ends the wait.
                try? await connection.close()
                return false
            }
            defer { group.cancelAll() }
            return try await group.next() ?? false
        } }
    }
}

/// The leader's connection stopped answering.
private struct LeadershipLost: Error {}

extension BulkLeadership: BulkGate {
    /// Open while this worker leads: its broadcast sender sends, the others idle.
    public var mayUseBulkBudget: Bool { isLeader }

    /// A new leader waits until the old one surely stopped and its last second of sends left Telegram's
    /// window: the old leader notices a dead connection at its next check (`retryInterval`), and the bulk
    /// budget is counted over a sliding second (with the pacer's 2 % margin).
    public var takeoverPause: Duration { retryInterval + .milliseconds(1_020) }
}

extension BulkLeadership: CustomStringConvertible {
    /// How a service group names it in the log.
    public var description: String { "bulk budget election" }
}
