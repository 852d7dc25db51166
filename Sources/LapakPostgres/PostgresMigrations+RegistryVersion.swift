extension PostgresMigrations {
    /// Migration 9: the registry's version for the public site, as SQLite's "2026-12-06 registry version": a
    /// counter that every committed change of a business, a place or a check-in moves, read on every request
    /// so that a check-in shows in the very next answer (the site keeps its directory in memory per version).
    ///
    /// SQLite bumps the counter in a row trigger, which costs nothing there: its single writer holds the whole
    /// database anyway. Here a row lock on the one counter row taken by a statement (or statement-level)
    /// trigger would be held until the transaction commits, so every transaction touching the registry would
    /// wait for the others, and two that also lock the same business in the other order would deadlock. The
    /// counter is moved instead by a deferred constraint trigger: it runs as the transaction commits, once per
    /// transaction (a transaction-local setting remembers it), and the lock is held only for the commit itself,
    /// with no other lock taken after it. Readers under READ COMMITTED see the new version exactly when they
    /// see the transaction's rows. A transaction rolled back, or a savepoint rolled back, moves nothing.
    static let registryVersion = Migration(number: 9, name: "registry version for the public site", sql: [
        """
        CREATE TABLE registry_version (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            version BIGINT NOT NULL
        )
        """,
        "INSERT INTO registry_version (id, version) VALUES (1, 0)",
        """
        CREATE FUNCTION registry_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF current_setting('lapak.registry_version_moved', true) IS DISTINCT FROM 'yes' THEN
                PERFORM set_config('lapak.registry_version_moved', 'yes', true);
                UPDATE registry_version SET version = version + 1 WHERE id = 1;
            END IF;
            RETURN NULL;
        END
        $$
        """,
    ] + versionedTables.flatMap { table in [
        """
        CREATE CONSTRAINT TRIGGER \(table)_version AFTER INSERT OR UPDATE OR DELETE ON \(table)
        DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION registry_version_bump()
        """,
        // Constraint triggers have no TRUNCATE; an emptied table moves the counter at once.
        "CREATE TRIGGER \(table)_truncate_version AFTER TRUNCATE ON \(table) FOR EACH STATEMENT EXECUTE FUNCTION registry_version_bump()",
    ] } + [
        // The next check-in's end (`freshness`) is read whenever the site makes its snapshot: without this,
        // a scan of every place.
        "CREATE INDEX place_expiry ON place (expires_at) WHERE expires_at IS NOT NULL",
    ])

    /// The tables whose rows the public site shows: businesses, where they are now, and check-ins.
    static let versionedTables = ["business", "place", "checkin"]
}
