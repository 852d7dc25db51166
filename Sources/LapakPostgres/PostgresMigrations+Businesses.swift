extension PostgresMigrations {
    /// Migration 5: what `BusinessStore` and `CheckInStore` need beyond migration 1, as SQLite's "registry",
    /// "vendors", "halal claims", "ownership audit" and "business name search" migrations have it.
    static let businesses = Migration(number: 5, name: "businesses, vendors, ownership, names", sql: [
        // Migration 1's check-in was one row per business (today's position only). SQLite's is a history:
        // a check-in per /buka or live location, ended early by /tutup or a live location that stops, and
        // followed by the live message's edits. Today's positions are carried over as plain location
        // check-ins; nothing else was kept in the old table.
        "ALTER TABLE checkin RENAME TO checkin_v1",
        "ALTER INDEX checkin_pkey RENAME TO checkin_v1_pkey",
        """
        CREATE TABLE checkin (
            id BIGSERIAL PRIMARY KEY,
            business_id BIGINT NOT NULL REFERENCES business(id) ON DELETE CASCADE,
            latitude DOUBLE PRECISION NOT NULL,
            longitude DOUBLE PRECISION NOT NULL,
            accuracy DOUBLE PRECISION,
            source TEXT NOT NULL CHECK (source IN ('location', 'live')),
            started_at BIGINT NOT NULL,
            updated_at BIGINT NOT NULL,
            ends_at BIGINT NOT NULL,
            ended_at BIGINT,
            live_chat_id BIGINT,
            live_message_id BIGINT
        )
        """,
        """
        INSERT INTO checkin (business_id, latitude, longitude, source, started_at, updated_at, ends_at)
        SELECT business_id, latitude, longitude, 'location', started_at, started_at, expires_at FROM checkin_v1
        """,
        "DROP TABLE checkin_v1",
        "CREATE INDEX checkin_business ON checkin (business_id, ends_at)",
        "CREATE INDEX checkin_live_message ON checkin (live_chat_id, live_message_id) WHERE live_message_id IS NOT NULL",
        // A cart's place points at its check-in (the search shows since when it is there, and whether it is
        // live); a shop closed today is hidden until `opens_at`.
        "ALTER TABLE place ADD COLUMN checkin_id BIGINT REFERENCES checkin(id) ON DELETE CASCADE",
        "ALTER TABLE place ADD COLUMN opens_at BIGINT",
        "UPDATE place p SET checkin_id = c.id FROM checkin c WHERE c.business_id = p.business_id",
        // A menetap shop closed today (/tutup): hidden from searches until `until` (the next local midnight).
        """
        CREATE TABLE closure (
            business_id BIGINT PRIMARY KEY REFERENCES business(id) ON DELETE CASCADE,
            until BIGINT NOT NULL
        )
        """,
        // The owner's word that the business is halal certified, awaiting staff; business.halal is the
        // confirmed certificate only.
        """
        CREATE TABLE halal_claim (
            business_id BIGINT PRIMARY KEY REFERENCES business(id) ON DELETE CASCADE,
            claimed_at BIGINT NOT NULL
        )
        """,
        // Someone typed the phone number of a registered business and asked staff to link it. The partial
        // unique index makes "one pending request per user and business" hold with several workers too.
        """
        CREATE TABLE link_request (
            id BIGSERIAL PRIMARY KEY,
            business_id BIGINT NOT NULL REFERENCES business(id),
            user_id BIGINT NOT NULL,
            user_name TEXT NOT NULL,
            phone TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected')),
            decided_by BIGINT,
            decided_at BIGINT,
            created_at BIGINT NOT NULL
        )
        """,
        "CREATE UNIQUE INDEX link_request_pending ON link_request (business_id, user_id) WHERE status = 'pending'",
        // Every time an account became the owner of a business: who, which, how and when. Rows are only added.
        """
        CREATE TABLE ownership_link (
            id BIGSERIAL PRIMARY KEY,
            business_id BIGINT NOT NULL REFERENCES business(id),
            owner_telegram_id BIGINT NOT NULL,
            method TEXT NOT NULL CHECK (method IN ('contact', 'staff')),
            phone TEXT NOT NULL,
            approved_by BIGINT,
            request_id BIGINT REFERENCES link_request(id),
            created_at BIGINT NOT NULL,
            CHECK ((method = 'staff') = (approved_by IS NOT NULL))
        )
        """,
        "CREATE INDEX ownership_link_business ON ownership_link (business_id)",
        // SQLite's lookups by phone (a vendor typing their number) and by owner (/usahaku).
        "CREATE INDEX business_phone ON business (phone) WHERE phone <> ''",
        "CREATE INDEX business_owner ON business (owner_telegram_id) WHERE owner_telegram_id IS NOT NULL",
        "ALTER TABLE business ADD CONSTRAINT business_source CHECK (source IN ('imported', 'self-enrolled'))",
        // Names by any substring of three letters or more, as SQLite's FTS5 trigram index finds them:
        // `lower(name) LIKE '%term%'` is answered from this index.
        "CREATE EXTENSION IF NOT EXISTS pg_trgm",
        "CREATE INDEX business_name_trigram ON business USING gin (lower(name) gin_trgm_ops)",
    ])
}
