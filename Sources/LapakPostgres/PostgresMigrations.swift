import Logging
import PostgresNIO

/// The PostgreSQL schema as numbered migrations, applied in order at start and never edited once shipped.
///
/// Workers starting together take a transaction-scoped advisory lock first, so exactly one applies each
/// migration and the others find it done.
public enum PostgresMigrations {
    /// One step of the schema.
    public struct Migration: Sendable {
        public var number: Int
        public var name: String
        public var sql: [String]
    }

    /// Every migration, in order.
    public static let all: [Migration] = [
        Migration(number: 1, name: "registry with PostGIS", sql: [
            "CREATE EXTENSION IF NOT EXISTS postgis",
            "CREATE EXTENSION IF NOT EXISTS btree_gist",
            """
            CREATE TABLE business (
                id BIGSERIAL PRIMARY KEY,
                registry_id TEXT NOT NULL UNIQUE,
                name TEXT NOT NULL,
                category TEXT NOT NULL,
                mode TEXT NOT NULL CHECK (mode IN ('menetap', 'berkeliling')),
                latitude DOUBLE PRECISION,
                longitude DOUBLE PRECISION,
                kelurahan TEXT NOT NULL DEFAULT '',
                address TEXT NOT NULL DEFAULT '',
                phone TEXT NOT NULL DEFAULT '',
                owner_telegram_id BIGINT,
                halal BOOLEAN NOT NULL DEFAULT false,
                status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended', 'inactive')),
                verified BOOLEAN NOT NULL DEFAULT false,
                source TEXT NOT NULL DEFAULT 'imported',
                created_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL,
                CHECK ((latitude IS NULL) = (longitude IS NULL))
            )
            """,
            // A mobile vendor's position for today.
            """
            CREATE TABLE checkin (
                business_id BIGINT PRIMARY KEY REFERENCES business(id) ON DELETE CASCADE,
                latitude DOUBLE PRECISION NOT NULL,
                longitude DOUBLE PRECISION NOT NULL,
                started_at BIGINT NOT NULL,
                expires_at BIGINT NOT NULL
            )
            """,
            // Where each findable business is now: a shop at its address, a cart where it checked in. The
            // nearest search reads only this table. `geom <-> origin` is the sphere distance, ordered by the
            // GiST index; the kind is a btree_gist column of the same index, so "nearest katering" walks
            // only katering.
            """
            CREATE TABLE place (
                business_id BIGINT PRIMARY KEY REFERENCES business(id) ON DELETE CASCADE,
                category TEXT NOT NULL,
                halal BOOLEAN NOT NULL,
                geom geography(Point, 4326) NOT NULL,
                expires_at BIGINT
            )
            """,
            "CREATE INDEX place_nearest ON place USING gist (category, geom)",
            "CREATE INDEX place_nearest_any ON place USING gist (geom)",
        ]),
        Migration(number: 2, name: "update inbox", sql: [
            """
            CREATE TABLE update_inbox (
                update_id BIGINT PRIMARY KEY,
                chat_id BIGINT,
                payload TEXT NOT NULL,
                received_at BIGINT NOT NULL,
                handled_at BIGINT
            )
            """,
            "CREATE INDEX update_inbox_unfinished ON update_inbox (update_id) WHERE handled_at IS NULL",
            "CREATE TABLE poller_state (key TEXT PRIMARY KEY, value BIGINT NOT NULL)",
        ]),
        Migration(number: 3, name: "reply outbox with claims, per-chat order", sql: [
            // As SQLite's reply outbox, plus a claim: the worker that sends a row and until when. A worker
            // claims rows with FOR UPDATE SKIP LOCKED, so two never send the same row; a dead worker's claims
            // lapse and another worker sends its rows.
            """
            CREATE TABLE reply_outbox (
                id BIGSERIAL PRIMARY KEY,
                update_id BIGINT,
                chat_id BIGINT NOT NULL,
                method TEXT NOT NULL,
                parameters TEXT NOT NULL,
                message_of BIGINT,
                state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'failed')),
                attempts INTEGER NOT NULL DEFAULT 0,
                message_id BIGINT,
                error TEXT,
                created_at BIGINT NOT NULL,
                finished_at BIGINT,
                claimed_by TEXT,
                claim_expires_at BIGINT
            )
            """,
            "CREATE INDEX reply_outbox_pending ON reply_outbox (id) WHERE state = 'pending'",
            "CREATE INDEX reply_outbox_finished ON reply_outbox (finished_at)",
            // A chat's unhandled updates, oldest first: what the worker holding the chat's lock handles next.
            "CREATE INDEX update_inbox_chat_unfinished ON update_inbox (chat_id, update_id) WHERE handled_at IS NULL",
        ]),
        Migration(number: 4, name: "broadcasts", sql: [
            // As SQLite's tables of the same names (AppDatabase, "2026-11-30 broadcasts" and the progress reply
            // of "2026-12-01 reply outbox"), so one contract holds for both stores: created_at, updated_at and
            // finished_at in seconds, due_at in milliseconds. Who does not want announcements (/berhenti) or
            // cannot get them (403); no row: subscribed and reachable.
            """
            CREATE TABLE subscription (
                user_id BIGINT PRIMARY KEY,
                subscribed BOOLEAN NOT NULL DEFAULT true,
                unreachable_at BIGINT,
                unreachable_reason TEXT,
                updated_at BIGINT NOT NULL
            )
            """,
            """
            CREATE TABLE broadcast (
                id BIGSERIAL PRIMARY KEY,
                staff_id BIGINT NOT NULL,
                staff_chat_id BIGINT NOT NULL,
                text TEXT NOT NULL,
                audience TEXT NOT NULL,
                rsvp_label TEXT,
                progress_message_id BIGINT,
                progress_reply_id BIGINT,
                status TEXT NOT NULL CHECK (status IN ('sending', 'done', 'stopped')),
                recipients INTEGER NOT NULL,
                repeated_after_crash INTEGER NOT NULL DEFAULT 0,
                created_at BIGINT NOT NULL,
                finished_at BIGINT
            )
            """,
            // One row per recipient, written before sending starts. Only the bulk leader moves a row to
            // 'sending' (before its request) and on to its outcome, so a dead leader leaves exactly its
            // in-flight sends in 'sending' for the next leader to count and send again.
            """
            CREATE TABLE outbox (
                id BIGSERIAL PRIMARY KEY,
                broadcast_id BIGINT NOT NULL REFERENCES broadcast(id) ON DELETE CASCADE,
                chat_id BIGINT NOT NULL,
                state TEXT NOT NULL CHECK (state IN ('pending', 'sending', 'sent', 'failed', 'unreachable', 'skipped')),
                attempts INTEGER NOT NULL DEFAULT 0,
                due_at BIGINT NOT NULL DEFAULT 0,
                message_id BIGINT,
                error TEXT,
                updated_at BIGINT NOT NULL,
                UNIQUE (broadcast_id, chat_id)
            )
            """,
            "CREATE INDEX outbox_open ON outbox (broadcast_id, state, due_at) WHERE state IN ('pending', 'sending')",
        ]),
        businesses, coaching, programmes, conversations, registryVersion,
        // Every worker's housekeeping forgets handled updates past their 48 h retention every 5 s. Without an
        // index that DELETE read the whole inbox each time: at a national peak, two days of updates (tens of
        // millions of rows) per worker every 5 s. With it, the rows that just crossed the line.
        Migration(number: 10, name: "inbox prune index", sql: [
            "CREATE INDEX update_inbox_handled ON update_inbox (handled_at) WHERE handled_at IS NOT NULL",
        ]),
    ]

    /// An arbitrary, fixed key for the advisory lock that serialises migrations across workers.
    static let lockKey: Int64 = 0x4C61_7061_6B4D_6967  // "LapakMig"

    /// Applies the migrations not yet applied; returns the numbers applied now.
    @discardableResult
    public static func migrate(_ store: PostgresStore) async throws -> [Int] {
        try await store.client.withTransaction(logger: store.logger) { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(\(lockKey))", logger: store.logger)
            try await connection.query("""
                CREATE TABLE IF NOT EXISTS schema_migration (number INTEGER PRIMARY KEY, name TEXT NOT NULL,
                                                             applied_at TIMESTAMPTZ NOT NULL DEFAULT now())
                """, logger: store.logger)
            var applied = Set<Int>()
            for try await number in try await connection.query("SELECT number FROM schema_migration", logger: store.logger).decode(Int.self) {
                applied.insert(number)
            }
            var appliedNow: [Int] = []
            for migration in all where !applied.contains(migration.number) {
                for statement in migration.sql {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: store.logger)
                }
                try await connection.query("INSERT INTO schema_migration (number, name) VALUES (\(migration.number), \(migration.name))",
                                           logger: store.logger)
                appliedNow.append(migration.number)
            }
            return appliedNow
        }
    }
}

extension PostgresMigrations {
    /// Applies the migrations over a connection pool of their own, before the daemon's pool starts; returns
    /// the numbers applied now. Several workers starting together apply each migration once.
    public static func migrate(url: String, logger: Logger) async throws -> [Int] {
        let store = try PostgresStore(url: url, logger: logger)
        return try await withThrowingTaskGroup(of: [Int].self) { group in
            group.addTask { await store.client.run(); return [] }
            defer { group.cancelAll() }
            return try await migrate(store)
        }
    }
}
