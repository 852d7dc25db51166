extension PostgresMigrations {
    /// Migration 7: overflow orders passed on in waves, and the free halal certificate programme.
    ///
    /// As SQLite's tables of the same names (AppDatabase, "2026-12-04 overflow orders" and "2026-12-05 halal
    /// programme"): the same columns and indexes, times in seconds since 1970, flags as booleans.
    static let programmes = Migration(number: 7, name: "overflow orders, halal programme", sql: [
        // An order a vendor passes on (limpahan pesanan), offered in waves; the first to take it wins.
        """
        CREATE TABLE overflow_order (
            id BIGSERIAL PRIMARY KEY,
            from_business_id BIGINT NOT NULL REFERENCES business(id),
            from_user_id BIGINT NOT NULL,
            from_username TEXT,
            what TEXT NOT NULL,
            quantity INTEGER NOT NULL CHECK (quantity > 0),
            needed_at BIGINT NOT NULL,
            latitude DOUBLE PRECISION NOT NULL,
            longitude DOUBLE PRECISION NOT NULL,
            kelurahan TEXT NOT NULL,
            note TEXT NOT NULL DEFAULT '',
            customer_contact TEXT NOT NULL DEFAULT '',
            status TEXT NOT NULL CHECK (status IN ('open', 'taken', 'expired', 'cancelled')),
            wave INTEGER NOT NULL DEFAULT 0,
            wave_expires_at BIGINT,
            taken_by_business_id BIGINT REFERENCES business(id),
            taken_by_user_id BIGINT,
            created_at BIGINT NOT NULL,
            closed_at BIGINT
        )
        """,
        "CREATE INDEX overflow_order_wave_due ON overflow_order (wave_expires_at) WHERE status = 'open'",
        "CREATE INDEX overflow_order_by_origin ON overflow_order (from_user_id, status)",
        // Who was offered an order, in which wave, and what became of the offer. `seq` stands in for SQLite's
        // implicit rowid: offers are listed in the order they were made, which within a wave is the
        // candidates' order (apprentices, then nearest first).
        """
        CREATE TABLE overflow_offer (
            order_id BIGINT NOT NULL REFERENCES overflow_order(id),
            business_id BIGINT NOT NULL REFERENCES business(id),
            user_id BIGINT NOT NULL,
            wave INTEGER NOT NULL,
            via_apprenticeship BOOLEAN NOT NULL DEFAULT false,
            reply_id BIGINT,
            status TEXT NOT NULL CHECK (status IN ('offered', 'taken', 'declined', 'lost', 'expired')),
            offered_at BIGINT NOT NULL,
            answered_at BIGINT,
            seq BIGSERIAL NOT NULL,
            PRIMARY KEY (order_id, business_id)
        )
        """,
        // The city's free halal certificate programme: applications reviewed in order of arrival, accepted
        // within the year's quota, moved on until the certificate is issued (or the application rejected).
        """
        CREATE TABLE halal_application (
            id BIGSERIAL PRIMARY KEY,
            business_id BIGINT NOT NULL REFERENCES business(id) ON DELETE CASCADE,
            applicant_id BIGINT NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('submitted', 'accepted', 'audit_scheduled', 'issued', 'rejected')),
            submitted_at BIGINT NOT NULL,
            updated_at BIGINT NOT NULL,
            quota_year INTEGER,
            certificate_number TEXT,
            expires_on TEXT,
            expires_at BIGINT,
            reminded_at BIGINT
        )
        """,
        // One open application per business: a second press of "apply" (on another worker too) finds the first.
        """
        CREATE UNIQUE INDEX halal_application_open ON halal_application (business_id)
            WHERE status IN ('submitted', 'accepted', 'audit_scheduled')
        """,
        "CREATE INDEX halal_application_queue ON halal_application (status, submitted_at, id)",
        "CREATE INDEX halal_application_quota ON halal_application (quota_year, status)",
        "CREATE INDEX halal_application_expiry ON halal_application (expires_at) WHERE status = 'issued' AND reminded_at IS NULL",
    ])
}
