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
