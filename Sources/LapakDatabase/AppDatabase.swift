import Foundation
import CRTreeNearest
import GRDB

/// Lapak's SQLite database: owns the connection pool and applies the migrations.
///
/// Following GRDB's guidance, the struct is the only way into the database: it is `Sendable`, cheap to
/// copy, and every component receives it rather than opening its own connection.
public struct AppDatabase: Sendable {
    /// The pool (a file in WAL mode) or queue (in memory) all reads and writes go through.
    public let writer: any DatabaseWriter

    /// Short write transactions that arrive together share one commit (handlers, reply outcomes).
    public let commits: GroupCommit

    /// Wraps `writer` and migrates it to the current schema.
    public init(_ writer: any DatabaseWriter) throws {
        self.writer = writer
        self.commits = GroupCommit(writer: writer)
        try Self.migrator.migrate(writer)
    }

    /// A write transaction run on the calling thread, for short transactions on hot paths.
    ///
    /// GRDB's async `write` hops to the writer's queue and back; for a transaction of a fraction of a
    /// millisecond the two thread switches cost more than the work. This runs it where the caller is,
    /// waiting (briefly) while another transaction holds the writer.
    public func writeOnCallingThread<T>(_ updates: (Database) throws -> T) throws -> T {
        try writer.write(updates)
    }

    /// Opens (creating if needed) the database file at `path`, with its folder.
    public static func open(path: String) throws -> AppDatabase {
        let url = URL(fileURLWithPath: path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        // Handlers write on the calling thread and the search reads there too. Each reader keeps its own page
        // cache (up to 2 MB), so they are few; but the public site reads on its own threads (one per core),
        // and with only as many readers as those threads a loaded site left the bot's searches waiting for
        // one. Two more than the cores: the site can never hold them all.
        configuration.maximumReaderCount = ProcessInfo.processInfo.activeProcessorCount + 2
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            try registerFunctions(db)
        }
        return try AppDatabase(DatabasePool(path: path, configuration: configuration))
    }

    /// A private in-memory database, for unit tests of logic.
    public static func inMemory() throws -> AppDatabase {
        var configuration = Configuration()
        configuration.prepareDatabase { db in try registerFunctions(db) }
        return try AppDatabase(DatabaseQueue(configuration: configuration))
    }

    /// SQL functions every connection needs: the R*Tree's nearest-first query function.
    static func registerFunctions(_ db: Database) throws {
        guard let connection = db.sqliteConnection else { return }
        let code = lapak_register_nearest(connection)
        guard code == 0 else { throw DatabaseError(resultCode: ResultCode(rawValue: code), message: "cannot register lapak_nearest") }
    }

    /// The schema's history. A migration is never edited once it has shipped: add a new one instead.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("2026-11-29 update inbox") { db in
            // Every update received, stored before the offset moves past it (see UpdateInbox).
            try db.create(table: "update_inbox") { table in
                table.primaryKey("update_id", .integer)
                table.column("chat_id", .integer)
                table.column("payload", .text).notNull()
                table.column("received_at", .integer).notNull()
                table.column("handled_at", .integer)
            }
            try db.create(index: "update_inbox_unhandled", on: "update_inbox", columns: ["update_id"],
                          condition: Column("handled_at") == nil)
            try db.create(index: "update_inbox_handled_at", on: "update_inbox", columns: ["handled_at"])
            // Small named values of the poller, e.g. the next getUpdates offset.
            try db.create(table: "poller_state") { table in
                table.primaryKey("key", .text)
                table.column("value", .integer).notNull()
            }
        }
        migrator.registerMigration("2026-11-29 user preferences") { db in
            // What a user chose explicitly (e.g. /bahasa); absent rows mean "follow the Telegram client".
            try db.create(table: "user_preference") { table in
                table.primaryKey("user_id", .integer)
                table.column("language", .text)
                table.column("updated_at", .integer).notNull()
            }
        }
        migrator.registerMigration("2026-11-29 registry") { db in
            // One row per UMKM. Coordinates are exact doubles; the R*Tree below only prefilters.
            try db.execute(sql: """
                CREATE TABLE business (
                    id INTEGER PRIMARY KEY,
                    registry_id TEXT NOT NULL UNIQUE,
                    name TEXT NOT NULL,
                    category TEXT NOT NULL,
                    mode TEXT NOT NULL CHECK (mode IN ('menetap', 'berkeliling')),
                    latitude REAL,
                    longitude REAL,
                    kelurahan TEXT NOT NULL DEFAULT '',
                    address TEXT NOT NULL DEFAULT '',
                    phone TEXT NOT NULL DEFAULT '',
                    owner_telegram_id INTEGER,
                    halal INTEGER NOT NULL DEFAULT 0,
                    status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended', 'inactive')),
                    verified INTEGER NOT NULL DEFAULT 0,
                    created_at INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL,
                    CHECK ((latitude IS NULL) = (longitude IS NULL))
                );
                CREATE INDEX business_phone ON business(phone) WHERE phone <> '';
                CREATE INDEX business_owner ON business(owner_telegram_id) WHERE owner_telegram_id IS NOT NULL;

                -- A mobile vendor's position for today.
                CREATE TABLE checkin (
                    id INTEGER PRIMARY KEY,
                    business_id INTEGER NOT NULL REFERENCES business(id) ON DELETE CASCADE,
                    latitude REAL NOT NULL,
                    longitude REAL NOT NULL,
                    accuracy REAL,
                    source TEXT NOT NULL CHECK (source IN ('location', 'live')),
                    started_at INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL,
                    ends_at INTEGER NOT NULL,
                    ended_at INTEGER
                );
                CREATE INDEX checkin_business ON checkin(business_id, ends_at);

                -- Stable small integers for category slugs: the R*Tree's third dimension.
                CREATE TABLE category_code (
                    slug TEXT PRIMARY KEY,
                    code INTEGER NOT NULL UNIQUE
                );

                -- Where each searchable business can be found now: a menetap shop, or a berkeliling
                -- vendor's live check-in. One row per business at most; expires_at for check-ins.
                CREATE TABLE place (
                    business_id INTEGER PRIMARY KEY REFERENCES business(id) ON DELETE CASCADE,
                    latitude REAL NOT NULL,
                    longitude REAL NOT NULL,
                    checkin_id INTEGER REFERENCES checkin(id) ON DELETE CASCADE,
                    expires_at INTEGER
                );

                -- The spatial prefilter: float32 boxes (about 0.85 m steps here) over latitude, longitude
                -- and category code; the halal flag rides along as an auxiliary column. The id is
                -- place.business_id.
                CREATE VIRTUAL TABLE place_index USING rtree(
                    id, min_latitude, max_latitude, min_longitude, max_longitude, min_category, max_category,
                    +halal INTEGER
                );
                """)
        }
        migrator.registerMigration("2026-11-29 conversations") { db in
            try db.execute(sql: """
                -- Where each user is in a dialog (a pending search, a step of enrollment), as JSON.
                CREATE TABLE conversation (
                    user_id INTEGER PRIMARY KEY,
                    state TEXT NOT NULL,
                    updated_at INTEGER NOT NULL
                );

                -- A citizen's last shared location, kept only for the remembering window.
                CREATE TABLE user_location (
                    user_id INTEGER PRIMARY KEY,
                    latitude REAL NOT NULL,
                    longitude REAL NOT NULL,
                    recorded_at INTEGER NOT NULL
                );

                -- A search shown to a user: buttons carry only its id, never the query itself.
                CREATE TABLE search_session (
                    id INTEGER PRIMARY KEY,
                    user_id INTEGER NOT NULL,
                    latitude REAL NOT NULL,
                    longitude REAL NOT NULL,
                    category TEXT,
                    halal INTEGER NOT NULL,
                    page_offset INTEGER NOT NULL,
                    result_ids TEXT NOT NULL,
                    created_at INTEGER NOT NULL
                );
                CREATE INDEX search_session_created ON search_session(created_at);
                """)
        }
        migrator.registerMigration("2026-11-30 vendors") { db in
            try db.execute(sql: """
                -- A live location check-in follows the message it came in: edits of that message move it.
                ALTER TABLE checkin ADD COLUMN live_chat_id INTEGER;
                ALTER TABLE checkin ADD COLUMN live_message_id INTEGER;
                CREATE INDEX checkin_live_message ON checkin(live_chat_id, live_message_id) WHERE live_message_id IS NOT NULL;

                -- A menetap shop closed today (/tutup): hidden from searches until `until` (next local midnight).
                CREATE TABLE closure (
                    business_id INTEGER PRIMARY KEY REFERENCES business(id) ON DELETE CASCADE,
                    until INTEGER NOT NULL
                );
                -- The search skips a place until it opens again.
                ALTER TABLE place ADD COLUMN opens_at INTEGER;
                """)
        }
        migrator.registerMigration("2026-11-30 broadcasts") { db in
            try db.execute(sql: """
                -- Who does not want announcements (/berhenti) or cannot get them (403: blocked, deactivated).
                -- No row: subscribed and reachable.
                CREATE TABLE subscription (
                    user_id INTEGER PRIMARY KEY,
                    subscribed INTEGER NOT NULL DEFAULT 1,
                    unreachable_at INTEGER,
                    unreachable_reason TEXT,
                    updated_at INTEGER NOT NULL
                );

                -- One announcement by staff, with its audience and where its progress is shown.
                CREATE TABLE broadcast (
                    id INTEGER PRIMARY KEY,
                    staff_id INTEGER NOT NULL,
                    staff_chat_id INTEGER NOT NULL,
                    text TEXT NOT NULL,
                    audience TEXT NOT NULL,
                    rsvp_label TEXT,
                    progress_message_id INTEGER,
                    status TEXT NOT NULL CHECK (status IN ('sending', 'done', 'stopped')),
                    recipients INTEGER NOT NULL,
                    repeated_after_crash INTEGER NOT NULL DEFAULT 0,
                    created_at INTEGER NOT NULL,
                    finished_at INTEGER
                );

                -- The durable outbox: one row per recipient, written before sending starts. A row is marked
                -- 'sending' before its request and its outcome after, so a crash leaves exactly the
                -- in-flight sends in 'sending'.
                CREATE TABLE outbox (
                    id INTEGER PRIMARY KEY,
                    broadcast_id INTEGER NOT NULL REFERENCES broadcast(id) ON DELETE CASCADE,
                    chat_id INTEGER NOT NULL,
                    state TEXT NOT NULL CHECK (state IN ('pending', 'sending', 'sent', 'failed', 'unreachable', 'skipped')),
                    attempts INTEGER NOT NULL DEFAULT 0,
                    due_at INTEGER NOT NULL DEFAULT 0,
                    message_id INTEGER,
                    error TEXT,
                    updated_at INTEGER NOT NULL,
                    UNIQUE (broadcast_id, chat_id)
                );
                CREATE INDEX outbox_open ON outbox(broadcast_id, state, due_at) WHERE state IN ('pending', 'sending');

                -- "✋ Ikut": who will attend an announced event.
                CREATE TABLE rsvp (
                    broadcast_id INTEGER NOT NULL REFERENCES broadcast(id) ON DELETE CASCADE,
                    user_id INTEGER NOT NULL,
                    name TEXT NOT NULL,
                    created_at INTEGER NOT NULL,
                    PRIMARY KEY (broadcast_id, user_id)
                );
                """)
        }
        migrator.registerMigration("2026-11-30 halal claims") { db in
            try db.execute(sql: """
                -- A vendor says the business is halal certified; staff confirm it (verification or /halal)
                -- before citizens see the mark. business.halal is the confirmed certificate only.
                CREATE TABLE halal_claim (
                    business_id INTEGER PRIMARY KEY REFERENCES business(id) ON DELETE CASCADE,
                    claimed_at INTEGER NOT NULL
                );
                """)
        }
        migrator.registerMigration("2026-12-01 reply outbox") { db in
            try db.execute(sql: """
                -- Replies committed by a handler together with its state changes and the update's "handled"
                -- mark; a sender delivers them afterwards, retrying the request (never the handler).
                CREATE TABLE reply_outbox (
                    id INTEGER PRIMARY KEY,
                    update_id INTEGER,
                    chat_id INTEGER NOT NULL,
                    method TEXT NOT NULL,
                    parameters TEXT NOT NULL,
                    message_of INTEGER,
                    state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'failed')),
                    attempts INTEGER NOT NULL DEFAULT 0,
                    message_id INTEGER,
                    error TEXT,
                    created_at INTEGER NOT NULL,
                    finished_at INTEGER
                );
                CREATE INDEX reply_outbox_pending ON reply_outbox(id) WHERE state = 'pending';
                CREATE INDEX reply_outbox_finished ON reply_outbox(finished_at);
                -- A broadcast's progress message is a reply: its message id is read from the outbox row.
                ALTER TABLE broadcast ADD COLUMN progress_reply_id INTEGER;
                """)
        }
        migrator.registerMigration("2026-12-01 ownership audit") { db in
            try db.execute(sql: """
                -- Every time an account became the owner of a business: who, which, how and when. Only two
                -- things link: the owner's own contact (Telegram vouches for the number) or staff approval.
                -- Rows are only ever added.
                CREATE TABLE ownership_link (
                    id INTEGER PRIMARY KEY,
                    business_id INTEGER NOT NULL REFERENCES business(id),
                    owner_telegram_id INTEGER NOT NULL,
                    method TEXT NOT NULL CHECK (method IN ('contact', 'staff')),
                    phone TEXT NOT NULL,
                    approved_by INTEGER,
                    request_id INTEGER REFERENCES link_request(id),
                    created_at INTEGER NOT NULL,
                    CHECK ((method = 'staff') = (approved_by IS NOT NULL))
                );
                CREATE INDEX ownership_link_business ON ownership_link(business_id);

                -- Someone typed the phone number of a registered business and asked staff to link it.
                CREATE TABLE link_request (
                    id INTEGER PRIMARY KEY,
                    business_id INTEGER NOT NULL REFERENCES business(id),
                    user_id INTEGER NOT NULL,
                    user_name TEXT NOT NULL,
                    phone TEXT NOT NULL,
                    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected')),
                    decided_by INTEGER,
                    decided_at INTEGER,
                    created_at INTEGER NOT NULL
                );
                CREATE UNIQUE INDEX link_request_pending ON link_request(business_id, user_id) WHERE status = 'pending';
                """)
        }
        migrator.registerMigration("2026-12-01 dialogs per chat") { db in
            try db.execute(sql: """
                -- A dialog belongs to a user in one chat: a step answered in a group must never move the
                -- user's private enrollment. Until now every dialog was private, where the chat id is the
                -- user id.
                CREATE TABLE dialog (
                    user_id INTEGER NOT NULL,
                    chat_id INTEGER NOT NULL,
                    state TEXT NOT NULL,
                    updated_at INTEGER NOT NULL,
                    PRIMARY KEY (user_id, chat_id)
                ) WITHOUT ROWID;
                INSERT INTO dialog (user_id, chat_id, state, updated_at) SELECT user_id, user_id, state, updated_at FROM conversation;
                DROP TABLE conversation;
                """)
        }
        migrator.registerMigration("2026-12-01 registry source") { db in
            try db.execute(sql: """
                -- Where a business came from: the agency's sheet ('imported') or /daftar ('self-enrolled').
                -- Kept through export and import, so a re-imported sheet never turns a vendor's own record
                -- into an agency one. Appended last: rows are decoded by column position.
                ALTER TABLE business ADD COLUMN source TEXT NOT NULL DEFAULT 'imported'
                    CHECK (source IN ('imported', 'self-enrolled'));
                -- Registry.enroll numbers its records TG-000001… and always sets the owner; the agency's
                -- ids never take that shape, so those rows are the self-enrolled ones.
                UPDATE business SET source = 'self-enrolled'
                WHERE registry_id GLOB 'TG-[0-9][0-9][0-9][0-9][0-9][0-9]*' AND owner_telegram_id IS NOT NULL;
                """)
        }
        migrator.registerMigration("2026-12-01 health probe") { db in
            try db.execute(sql: """
                -- One row that /readyz rewrites: proof that the database takes writes (not read-only, not locked
                -- for good, the disk not full).
                CREATE TABLE health_probe (
                    id INTEGER PRIMARY KEY CHECK (id = 1),
                    checked_at INTEGER NOT NULL
                );
                """)
        }
        migrator.registerMigration("2026-12-02 business name search") { db in
            try db.execute(sql: """
                -- People ask for a business by its name ("Bakso Mas Joko") or a narrow trade ("fotokopi"). An
                -- external-content FTS5 index over business.name with the trigram tokenizer: any substring of
                -- three letters or more is found, case-insensitively. A table beside business rather than a
                -- column in it, because business rows are decoded by column position.
                CREATE VIRTUAL TABLE business_name USING fts5(name, content='business', content_rowid='id', tokenize='trigram');
                INSERT INTO business_name(business_name) VALUES ('rebuild');
                -- Triggers keep the index in step with every write to business: enrollment, edits, imports.
                CREATE TRIGGER business_name_insert AFTER INSERT ON business BEGIN
                    INSERT INTO business_name(rowid, name) VALUES (new.id, new.name);
                END;
                CREATE TRIGGER business_name_delete AFTER DELETE ON business BEGIN
                    INSERT INTO business_name(business_name, rowid, name) VALUES ('delete', old.id, old.name);
                END;
                CREATE TRIGGER business_name_update AFTER UPDATE OF name ON business BEGIN
                    INSERT INTO business_name(business_name, rowid, name) VALUES ('delete', old.id, old.name);
                    INSERT INTO business_name(rowid, name) VALUES (new.id, new.name);
                END;
                -- A results page by name remembers the names asked for, so that its next page asks again.
                ALTER TABLE search_session ADD COLUMN names TEXT NOT NULL DEFAULT '';
                """)
        }
        migrator.registerMigration("2026-12-03 coaching roles") { db in
            try db.execute(sql: """
                -- The agency's coaching programme (pembinaan): a business says it is a beginner who wants
                -- coaching ("saya pemula, ingin dibina"), or an established one willing to coach ("bersedia
                -- membina") with how many apprentices it can take. One role per business; a table beside
                -- business, because business rows are decoded by column position.
                CREATE TABLE coaching_role (
                    business_id INTEGER PRIMARY KEY REFERENCES business(id) ON DELETE CASCADE,
                    role TEXT NOT NULL CHECK (role IN ('beginner', 'mentor')),
                    capacity INTEGER NOT NULL DEFAULT 0 CHECK (capacity BETWEEN 0 AND 20),
                    since INTEGER NOT NULL,
                    CHECK (role = 'mentor' OR capacity = 0)
                );
                CREATE INDEX coaching_role_by_role ON coaching_role(role);
                """)
        }
        migrator.registerMigration("2026-12-05 business groups") { db in
            try db.execute(sql: """
                -- Business groups (kelompok usaha): the agency coaches new businesses in groups of one kind and
                -- kelurahan, and gives training and equipment in the group's name. Members and support entries
                -- are tables of their own, keyed by business and group ids (business rows are decoded by position).
                CREATE TABLE business_group (
                    id INTEGER PRIMARY KEY,
                    name TEXT NOT NULL,
                    category TEXT NOT NULL,
                    kelurahan TEXT NOT NULL,
                    created_by INTEGER NOT NULL,
                    created_at INTEGER NOT NULL
                );
                CREATE TABLE business_group_member (
                    group_id INTEGER NOT NULL REFERENCES business_group(id) ON DELETE CASCADE,
                    business_id INTEGER NOT NULL REFERENCES business(id) ON DELETE CASCADE,
                    added_at INTEGER NOT NULL,
                    PRIMARY KEY (group_id, business_id)
                ) WITHOUT ROWID;
                -- A vendor's /usahaku and a group-targeted announcement look members up by business.
                CREATE INDEX business_group_member_by_business ON business_group_member(business_id);
                -- Support given to a group: a training session, equipment or something else, on a day (YYYY-MM-DD,
                -- the agency's local date, as staff typed it).
                CREATE TABLE business_group_support (
                    id INTEGER PRIMARY KEY,
                    group_id INTEGER NOT NULL REFERENCES business_group(id) ON DELETE CASCADE,
                    kind TEXT NOT NULL CHECK (kind IN ('training', 'equipment', 'other')),
                    description TEXT NOT NULL,
                    given_on TEXT NOT NULL,
                    recorded_by INTEGER NOT NULL,
                    created_at INTEGER NOT NULL
                );
                CREATE INDEX business_group_support_by_group ON business_group_support(group_id, given_on);
                """)
        }
        migrator.registerMigration("2026-12-05 halal programme") { db in
            try db.execute(sql: """
                -- The city's free halal certificate programme: a food business's owner applies, staff review in
                -- order of arrival, accept within the year's quota and move the application on until the
                -- certificate is issued (or the application rejected).
                CREATE TABLE halal_application (
                    id INTEGER PRIMARY KEY,
                    business_id INTEGER NOT NULL REFERENCES business(id) ON DELETE CASCADE,
                    applicant_id INTEGER NOT NULL,
                    status TEXT NOT NULL CHECK (status IN ('submitted', 'accepted', 'audit_scheduled', 'issued', 'rejected')),
                    submitted_at INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL,
                    -- The quota year the acceptance counts against (local year of the acceptance); NULL before.
                    quota_year INTEGER,
                    certificate_number TEXT,
                    -- The certificate's last valid day (YYYY-MM-DD) and the end of that day in seconds since 1970.
                    expires_on TEXT,
                    expires_at INTEGER,
                    -- Set in the same transaction that writes the expiry reminder into the reply outbox.
                    reminded_at INTEGER
                );
                -- One open application per business: a second press of "apply" finds the first.
                CREATE UNIQUE INDEX halal_application_open ON halal_application(business_id)
                    WHERE status IN ('submitted', 'accepted', 'audit_scheduled');
                CREATE INDEX halal_application_queue ON halal_application(status, submitted_at, id);
                CREATE INDEX halal_application_quota ON halal_application(quota_year, status);
                CREATE INDEX halal_application_expiry ON halal_application(expires_at) WHERE status = 'issued' AND reminded_at IS NULL;
                """)
        }
        migrator.registerMigration("2026-12-02 public directory") { db in
            try db.execute(sql: """
                -- The public site lists active businesses by name, filtered by kind or kelurahan (issue 14).
                CREATE INDEX business_public_name ON business(name COLLATE NOCASE);
                CREATE INDEX business_public_category ON business(category, status);
                CREATE INDEX business_public_kelurahan ON business(kelurahan, status);
                """)
        }
        migrator.registerMigration("2026-12-04 apprenticeships") { db in
            try db.execute(sql: """
                -- A beginner apprenticed (dimagangkan) to a senior business of the same kind, proposed by staff.
                -- Both owners must accept before it is active; contacts are exchanged only then.
                CREATE TABLE apprenticeship (
                    id INTEGER PRIMARY KEY,
                    beginner_id INTEGER NOT NULL REFERENCES business(id),
                    mentor_id INTEGER NOT NULL REFERENCES business(id),
                    status TEXT NOT NULL CHECK (status IN ('proposed', 'active', 'finished', 'cancelled')),
                    beginner_accepted INTEGER NOT NULL DEFAULT 0,
                    mentor_accepted INTEGER NOT NULL DEFAULT 0,
                    -- Telegram @usernames seen when each side accepted, for the contacts sent to the other.
                    beginner_username TEXT,
                    mentor_username TEXT,
                    weeks INTEGER NOT NULL CHECK (weeks BETWEEN 1 AND 104),
                    proposed_by INTEGER NOT NULL,
                    created_at INTEGER NOT NULL,
                    starts_at INTEGER,
                    ends_at INTEGER,
                    closed_at INTEGER,
                    CHECK (beginner_id <> mentor_id)
                );
                -- A beginner is in at most one proposed or active apprenticeship.
                CREATE UNIQUE INDEX apprenticeship_open_beginner ON apprenticeship(beginner_id) WHERE status IN ('proposed', 'active');
                CREATE INDEX apprenticeship_by_mentor ON apprenticeship(mentor_id, status);
                CREATE INDEX apprenticeship_by_status ON apprenticeship(status, ends_at);

                -- Durable reminders: a weekly check-in per side, and the closing rating. A row is claimed (sent_at
                -- set) in the same transaction that puts its message into the reply outbox, so none goes twice.
                CREATE TABLE apprenticeship_reminder (
                    id INTEGER PRIMARY KEY,
                    apprenticeship_id INTEGER NOT NULL REFERENCES apprenticeship(id),
                    kind TEXT NOT NULL CHECK (kind IN ('checkin', 'rating')),
                    week INTEGER NOT NULL,
                    side TEXT NOT NULL CHECK (side IN ('beginner', 'mentor')),
                    due_at INTEGER NOT NULL,
                    sent_at INTEGER,
                    UNIQUE (apprenticeship_id, kind, week, side)
                );
                CREATE INDEX apprenticeship_reminder_due ON apprenticeship_reminder(due_at) WHERE sent_at IS NULL;

                -- What each side answered: a week's meeting (met, topic, note) or the closing rating (1-5, comment).
                CREATE TABLE apprenticeship_report (
                    id INTEGER PRIMARY KEY,
                    apprenticeship_id INTEGER NOT NULL REFERENCES apprenticeship(id),
                    kind TEXT NOT NULL CHECK (kind IN ('checkin', 'rating')),
                    week INTEGER NOT NULL,
                    side TEXT NOT NULL CHECK (side IN ('beginner', 'mentor')),
                    met INTEGER,
                    rating INTEGER CHECK (rating BETWEEN 1 AND 5),
                    topic TEXT,
                    note TEXT NOT NULL DEFAULT '',
                    reported_at INTEGER NOT NULL,
                    UNIQUE (apprenticeship_id, kind, week, side)
                );
                """)
        }
        migrator.registerMigration("2026-12-04 overflow orders") { db in
            try db.execute(sql: """
                -- An order a vendor passes on (limpahan pesanan), offered in waves; the first to take it wins.
                CREATE TABLE overflow_order (
                    id INTEGER PRIMARY KEY,
                    from_business_id INTEGER NOT NULL REFERENCES business(id),
                    from_user_id INTEGER NOT NULL,
                    -- The originator's @username when the order was made, for the contact sent to the taker.
                    from_username TEXT,
                    what TEXT NOT NULL,
                    quantity INTEGER NOT NULL CHECK (quantity > 0),
                    needed_at INTEGER NOT NULL,
                    latitude REAL NOT NULL,
                    longitude REAL NOT NULL,
                    kelurahan TEXT NOT NULL,
                    note TEXT NOT NULL DEFAULT '',
                    -- The customer's contact: shown only to whoever takes the order.
                    customer_contact TEXT NOT NULL DEFAULT '',
                    status TEXT NOT NULL CHECK (status IN ('open', 'taken', 'expired', 'cancelled')),
                    wave INTEGER NOT NULL DEFAULT 0,
                    wave_expires_at INTEGER,
                    taken_by_business_id INTEGER REFERENCES business(id),
                    taken_by_user_id INTEGER,
                    created_at INTEGER NOT NULL,
                    closed_at INTEGER
                );
                CREATE INDEX overflow_order_wave_due ON overflow_order(wave_expires_at) WHERE status = 'open';
                CREATE INDEX overflow_order_by_origin ON overflow_order(from_user_id, status);

                -- Who was offered an order, in which wave, and what became of the offer. reply_id is the reply
                -- outbox row of the offer message, so it can be edited ("sudah diambil") once sent.
                CREATE TABLE overflow_offer (
                    order_id INTEGER NOT NULL REFERENCES overflow_order(id),
                    business_id INTEGER NOT NULL REFERENCES business(id),
                    user_id INTEGER NOT NULL,
                    wave INTEGER NOT NULL,
                    via_apprenticeship INTEGER NOT NULL DEFAULT 0,
                    reply_id INTEGER,
                    status TEXT NOT NULL CHECK (status IN ('offered', 'taken', 'declined', 'lost', 'expired')),
                    offered_at INTEGER NOT NULL,
                    answered_at INTEGER,
                    PRIMARY KEY (order_id, business_id)
                );
                """)
        }
        migrator.registerMigration("2026-12-04 business kind index") { db in
            try db.execute(sql: """
                -- Proposing seniors starts from the verified, active, linked businesses of one kind: this index
                -- holds every column that question reads, so it never touches the wide business rows.
                CREATE INDEX business_kind ON business(category, verified, status, owner_telegram_id, created_at);
                """)
        }
        registerRegistryVersion(in: &migrator)
        migrator.registerMigration("2026-12-08 place expiry index") { db in
            try db.execute(sql: """
                -- Check-ins end by time, not by a write: the site asks when the next one ends (its cached views
                -- hold until then) and the daily sweep finds the ended ones. Without this index both read
                -- every place; only check-ins have an expiry, so shops stay out of it.
                CREATE INDEX place_expiry ON place(expires_at) WHERE expires_at IS NOT NULL;
                """)
        }
        return migrator
    }
}
