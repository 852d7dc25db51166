extension PostgresMigrations {
    /// The coaching programme: roles, business groups, apprenticeships with their reminders and reports.
    ///
    /// As SQLite's "2026-12-03 coaching roles", "2026-12-05 business groups" and "2026-12-04 apprenticeships"
    /// (AppDatabase), with the same table, column and index names, so code written against SQLite's
    /// columns (the overflow orders read `apprenticeship`) reads these too. Ids and timestamps (seconds)
    /// are BIGINT, flags BOOLEAN.
    static let coaching = Migration(number: 6, name: "coaching programme", sql: [
        // One role per business: a beginner who wants coaching, or a senior willing to coach with a capacity.
        """
        CREATE TABLE coaching_role (
            business_id BIGINT PRIMARY KEY REFERENCES business(id) ON DELETE CASCADE,
            role TEXT NOT NULL CHECK (role IN ('beginner', 'mentor')),
            capacity INTEGER NOT NULL DEFAULT 0 CHECK (capacity BETWEEN 0 AND 20),
            since BIGINT NOT NULL,
            CHECK (role = 'mentor' OR capacity = 0)
        )
        """,
        "CREATE INDEX coaching_role_by_role ON coaching_role (role)",
        // Business groups (kelompok usaha) of one kind and kelurahan, their members and the support given.
        """
        CREATE TABLE business_group (
            id BIGSERIAL PRIMARY KEY,
            name TEXT NOT NULL,
            category TEXT NOT NULL,
            kelurahan TEXT NOT NULL,
            created_by BIGINT NOT NULL,
            created_at BIGINT NOT NULL
        )
        """,
        """
        CREATE TABLE business_group_member (
            group_id BIGINT NOT NULL REFERENCES business_group(id) ON DELETE CASCADE,
            business_id BIGINT NOT NULL REFERENCES business(id) ON DELETE CASCADE,
            added_at BIGINT NOT NULL,
            PRIMARY KEY (group_id, business_id)
        )
        """,
        "CREATE INDEX business_group_member_by_business ON business_group_member (business_id)",
        // given_on is the agency's local date as staff typed it (YYYY-MM-DD).
        """
        CREATE TABLE business_group_support (
            id BIGSERIAL PRIMARY KEY,
            group_id BIGINT NOT NULL REFERENCES business_group(id) ON DELETE CASCADE,
            kind TEXT NOT NULL CHECK (kind IN ('training', 'equipment', 'other')),
            description TEXT NOT NULL,
            given_on TEXT NOT NULL,
            recorded_by BIGINT NOT NULL,
            created_at BIGINT NOT NULL
        )
        """,
        "CREATE INDEX business_group_support_by_group ON business_group_support (group_id, given_on)",
        // A beginner apprenticed to a senior of the same kind; active once both owners accepted.
        """
        CREATE TABLE apprenticeship (
            id BIGSERIAL PRIMARY KEY,
            beginner_id BIGINT NOT NULL REFERENCES business(id),
            mentor_id BIGINT NOT NULL REFERENCES business(id),
            status TEXT NOT NULL CHECK (status IN ('proposed', 'active', 'finished', 'cancelled')),
            beginner_accepted BOOLEAN NOT NULL DEFAULT false,
            mentor_accepted BOOLEAN NOT NULL DEFAULT false,
            beginner_username TEXT,
            mentor_username TEXT,
            weeks INTEGER NOT NULL CHECK (weeks BETWEEN 1 AND 104),
            proposed_by BIGINT NOT NULL,
            created_at BIGINT NOT NULL,
            starts_at BIGINT,
            ends_at BIGINT,
            closed_at BIGINT,
            CHECK (beginner_id <> mentor_id)
        )
        """,
        // A beginner is in at most one proposed or active apprenticeship: with several workers this index,
        // not a prior check, is what keeps two proposals made at once from both being stored.
        "CREATE UNIQUE INDEX apprenticeship_open_beginner ON apprenticeship (beginner_id) WHERE status IN ('proposed', 'active')",
        "CREATE INDEX apprenticeship_by_mentor ON apprenticeship (mentor_id, status)",
        "CREATE INDEX apprenticeship_by_status ON apprenticeship (status, ends_at)",
        // Durable reminders, claimed (sent_at set) in the transaction that writes their message to the outbox.
        """
        CREATE TABLE apprenticeship_reminder (
            id BIGSERIAL PRIMARY KEY,
            apprenticeship_id BIGINT NOT NULL REFERENCES apprenticeship(id),
            kind TEXT NOT NULL CHECK (kind IN ('checkin', 'rating')),
            week INTEGER NOT NULL,
            side TEXT NOT NULL CHECK (side IN ('beginner', 'mentor')),
            due_at BIGINT NOT NULL,
            sent_at BIGINT,
            UNIQUE (apprenticeship_id, kind, week, side)
        )
        """,
        "CREATE INDEX apprenticeship_reminder_due ON apprenticeship_reminder (due_at) WHERE sent_at IS NULL",
        // What each side answered: a week's meeting (met, topic, note) or the closing rating (1-5, comment).
        """
        CREATE TABLE apprenticeship_report (
            id BIGSERIAL PRIMARY KEY,
            apprenticeship_id BIGINT NOT NULL REFERENCES apprenticeship(id),
            kind TEXT NOT NULL CHECK (kind IN ('checkin', 'rating')),
            week INTEGER NOT NULL,
            side TEXT NOT NULL CHECK (side IN ('beginner', 'mentor')),
            met BOOLEAN,
            rating INTEGER CHECK (rating BETWEEN 1 AND 5),
            topic TEXT,
            note TEXT NOT NULL DEFAULT '',
            reported_at BIGINT NOT NULL,
            UNIQUE (apprenticeship_id, kind, week, side)
        )
        """,
    ])
}
