import GRDB

/// A counter that every change of what the public sees moves: a cheap key for caches of the public site.
///
/// The site keeps finished pages until the registry changes. Row counts and newest change times (the city
/// GeoJSON's fingerprint) cost scans of whole tables and miss a second edit in the same second; this
/// counter costs one point read. It is kept by triggers in the database itself, so a write from any
/// process moves it: `lapak web` serving beside a separate `lapak run` sees the bot's check-ins at once.
extension AppDatabase {
    /// The tables whose rows the public site shows: businesses, where they are now, and check-ins.
    static let versionedTables = ["business", "place", "checkin"]

    static func registerRegistryVersion(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("2026-12-06 registry version") { db in
            try db.execute(sql: """
                CREATE TABLE registry_version (
                    id INTEGER PRIMARY KEY CHECK (id = 1),
                    version INTEGER NOT NULL
                );
                INSERT INTO registry_version (id, version) VALUES (1, 0);
                """)
            for table in versionedTables {
                for event in ["INSERT", "UPDATE", "DELETE"] {
                    try db.execute(sql: """
                        CREATE TRIGGER \(table)_\(event.lowercased())_version AFTER \(event) ON \(table) BEGIN
                            UPDATE registry_version SET version = version + 1 WHERE id = 1;
                        END;
                        """)
                }
            }
        }
    }

    /// The registry's version now: different after any committed change of a business, a place or a check-in.
    public static func registryVersion(_ db: Database) throws -> Int64 {
        try Int64.fetchOne(db.cachedStatement(sql: "SELECT version FROM registry_version WHERE id = 1")) ?? 0
    }
}
