extension PostgresMigrations {
    /// Migration 8: what a conversation keeps between updates, as SQLite's tables of the same names (AppDatabase,
    /// "2026-11-29 user preferences", "2026-11-29 conversations", "2026-12-01 dialogs per chat", the names of
    /// "2026-12-02 business name search") and the RSVPs of "2026-11-30 broadcasts".
    static let conversations = Migration(number: 8, name: "conversations, preferences, RSVPs", sql: [
        // What a user chose explicitly (/bahasa); no row: follow the Telegram client.
        """
        CREATE TABLE user_preference (
            user_id BIGINT PRIMARY KEY,
            language TEXT,
            updated_at BIGINT NOT NULL
        )
        """,
        // A dialog belongs to a user in one chat: a step answered in a group never moves the private one.
        """
        CREATE TABLE dialog (
            user_id BIGINT NOT NULL,
            chat_id BIGINT NOT NULL,
            state TEXT NOT NULL,
            updated_at BIGINT NOT NULL,
            PRIMARY KEY (user_id, chat_id)
        )
        """,
        // A citizen's last shared location, kept only for the remembering window.
        """
        CREATE TABLE user_location (
            user_id BIGINT PRIMARY KEY,
            latitude DOUBLE PRECISION NOT NULL,
            longitude DOUBLE PRECISION NOT NULL,
            recorded_at BIGINT NOT NULL
        )
        """,
        "CREATE INDEX user_location_recorded ON user_location (recorded_at)",
        // A search shown to a user: buttons carry only its id, never the query.
        """
        CREATE TABLE search_session (
            id BIGSERIAL PRIMARY KEY,
            user_id BIGINT NOT NULL,
            latitude DOUBLE PRECISION NOT NULL,
            longitude DOUBLE PRECISION NOT NULL,
            category TEXT,
            halal BOOLEAN NOT NULL,
            page_offset INTEGER NOT NULL,
            result_ids TEXT NOT NULL,
            created_at BIGINT NOT NULL,
            names TEXT NOT NULL DEFAULT ''
        )
        """,
        "CREATE INDEX search_session_created ON search_session (created_at)",
        // "✋ Ikut": who will attend an announced event.
        """
        CREATE TABLE rsvp (
            broadcast_id BIGINT NOT NULL REFERENCES broadcast(id) ON DELETE CASCADE,
            user_id BIGINT NOT NULL,
            name TEXT NOT NULL,
            created_at BIGINT NOT NULL,
            PRIMARY KEY (broadcast_id, user_id)
        )
        """,
    ])
}
