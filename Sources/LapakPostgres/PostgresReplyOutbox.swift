import Foundation
import Logging
import PostgresNIO
import TelegramBotAPI

/// The reply outbox on PostgreSQL, shared by every worker: each row is sent by one worker at a time.
///
/// A handler adds its replies inside its own transaction, claimed by its worker, so the worker that handled
/// an update sends the answer at once. `undeliveredReplies()` claims what no worker holds, with
/// `FOR UPDATE SKIP LOCKED`: two workers sweeping together get disjoint rows, and neither waits for the
/// other's locks. A claim lasts `lease`, longer than the sender retries one reply (120 s), and a sweep
/// never hands a worker back its own live claims, which its sender may be sending right now. A worker
/// killed with rows claimed leaves them to whichever worker sweeps after the lease lapses. As with SQLite, a send in flight at the kill can go out twice (Telegram takes no
/// idempotency key); nothing else does.
public struct PostgresReplyOutbox: ReplyStore {
    let store: PostgresStore
    /// This worker's name in `claimed_by`, unique to the process (a restart is another worker).
    public let worker: String
    /// How long a claim keeps other workers off a row.
    public let lease: TimeInterval
    /// How many rows one sweep claims at most.
    public let batch: Int
    private let now: @Sendable () -> Date

    /// The outbox in `store`, claimed as `worker`.
    public init(store: PostgresStore, worker: String, lease: TimeInterval = 300, batch: Int = 500,
                now: @escaping @Sendable () -> Date = { Date() }) {
        self.store = store
        self.worker = worker
        self.lease = lease
        self.batch = batch
        self.now = now
    }

    /// Adds a reply inside the caller's transaction on `connection`, claimed by this worker; returns it with its id.
    public func add(_ request: BotRequest, chatID: Int64, updateID: Int64?, messageOf: Int64? = nil,
                    on connection: PostgresConnection) async throws -> OutgoingReply {
        let createdAt = Int64(now().timeIntervalSince1970)
        let json = request.parameters.serializedString()
        let rows = try await connection.query("""
            INSERT INTO reply_outbox (update_id, chat_id, method, parameters, message_of, created_at, claimed_by, claim_expires_at)
            VALUES (\(updateID), \(chatID), \(request.method), \(json), \(messageOf), \(createdAt), \(worker), \(createdAt + Int64(lease)))
            RETURNING id
            """, logger: store.logger)
        for try await id in rows.decode(Int64.self) {
            return OutgoingReply(id: id, chatID: chatID, method: request.method, parameters: request.parameters, messageOf: messageOf,
                                 body: Array(json.utf8))
        }
        throw PostgresStoreError("INSERT INTO reply_outbox returned no id")
    }

    /// Claims pending replies that no worker holds, or whose claim lapsed, oldest first.
    public func undeliveredReplies() async throws -> [OutgoingReply] {
        let at = Int64(now().timeIntervalSince1970)
        let rows = try await store.client.query("""
            UPDATE reply_outbox SET claimed_by = \(worker), claim_expires_at = \(at + Int64(lease))
            WHERE id IN (
                SELECT id FROM reply_outbox
                WHERE state = 'pending' AND (claimed_by IS NULL OR claim_expires_at < \(at))
                ORDER BY id LIMIT \(batch)
                FOR UPDATE SKIP LOCKED)
            RETURNING id, chat_id, method, parameters, message_of
            """, logger: store.logger)
        var replies: [OutgoingReply] = []
        for try await (id, chatID, method, parameters, messageOf) in rows.decode((Int64, Int64, String, String, Int64?).self) {
            // Written by `add` from a JSONValue, so it parses again.
            guard let parameters = try? JSONValue.parse(parameters) else { continue }
            replies.append(OutgoingReply(id: id, chatID: chatID, method: method, parameters: parameters, messageOf: messageOf))
        }
        // RETURNING comes in no particular order; a chat's replies must leave in the order they were made.
        return replies.sorted { $0.id < $1.id }
    }

    /// Gives up this worker's claims on the replies it has not sent (at a graceful stop), so that the next
    /// sweep of any worker takes them at once instead of after the lease.
    public func releaseClaims() async throws {
        try await store.client.query("""
            UPDATE reply_outbox SET claimed_by = NULL, claim_expires_at = NULL WHERE state = 'pending' AND claimed_by = \(worker)
            """, logger: store.logger)
    }

    /// Records a delivery's outcomes in one statement (atomic on its own): the worker that handled an update
    /// records its replies right after sending them, and a statement per reply was a round trip per reply.
    public func record(_ outcomes: [ReplyOutcome]) async throws {
        guard !outcomes.isEmpty else { return }
        var binds = PostgresBindings(capacity: outcomes.count * 5 + 1)
        binds.append(Int64(now().timeIntervalSince1970))
        var rows: [String] = []
        rows.reserveCapacity(outcomes.count)
        for outcome in outcomes {
            let first = binds.count + 1
            binds.append(outcome.id)
            binds.append(outcome.status.rawValue)
            if let messageID = outcome.messageID { binds.append(Int64(messageID)) } else { binds.appendNull() }
            if let error = outcome.error { binds.append(error) } else { binds.appendNull() }
            binds.append(Int64(outcome.attempts))
            rows.append("($\(first)::bigint, $\(first + 1)::text, $\(first + 2)::bigint, $\(first + 3)::text, $\(first + 4)::integer)")
        }
        // One outcome per reply (a delivery sends each reply once), so no row is matched twice.
        try await store.client.query(PostgresQuery(unsafeSQL: """
            UPDATE reply_outbox AS r SET state = o.state, message_id = o.message_id, error = o.error, attempts = r.attempts + o.attempts,
                finished_at = $1, claimed_by = NULL, claim_expires_at = NULL
            FROM (VALUES \(rows.joined(separator: ", "))) AS o (id, state, message_id, error, attempts)
            WHERE r.id = o.id
            """, binds: binds), logger: store.logger)
    }

    public func sentMessageID(ofReply id: Int64) async throws -> Int? {
        let rows = try await store.client.query("SELECT message_id FROM reply_outbox WHERE id = \(id) AND state = 'sent'", logger: store.logger)
        for try await messageID in rows.decode(Int64?.self) { return messageID.map(Int.init) }
        return nil
    }
}

/// The store answered something it should not have (a constraint of our own broken).
public struct PostgresStoreError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
