import Foundation
import LapakBroadcast
import LapakRegistry
import PostgresNIO
import TelegramBotAPI

extension PostgresSession: AnnouncementStore {
    public func recipientCount(_ audience: Audience) throws -> Int {
        try one(PostgresQuery(unsafeSQL: "SELECT count(*) FROM (\(Self.recipientsSQL(audience).sql)) r", binds: Self.recipientsSQL(audience).binds),
                as: Int.self) ?? 0
    }

    public func start(_ announcement: Announcement, now: Date) throws -> BroadcastRecord {
        let timestamp = Int64(now.timeIntervalSince1970)
        guard let id = try one("""
            INSERT INTO broadcast (staff_id, staff_chat_id, text, audience, rsvp_label, status, recipients, created_at)
            VALUES (\(announcement.staffID), \(announcement.staffChatID), \(announcement.text), \(announcement.audience.json.serializedString()),
                    \(announcement.rsvpLabel), 'sending', 0, \(timestamp))
            RETURNING id
            """, as: Int64.self) else { throw PostgresStoreError("INSERT INTO broadcast returned no id") }
        var (sql, binds) = Self.recipientsSQL(announcement.audience)
        try binds.append(id)
        let idBind = binds.count
        try binds.append(timestamp)
        let recipients = try execute(PostgresQuery(unsafeSQL: """
            INSERT INTO outbox (broadcast_id, chat_id, state, updated_at) SELECT $\(idBind), owner_telegram_id, 'pending', $\(idBind + 1) FROM (\(sql)) r
            """, binds: binds))
        try execute("UPDATE broadcast SET recipients = \(recipients) WHERE id = \(id)")
        return BroadcastRecord(id: id, announcement: announcement, progressMessageID: nil, status: .sending, recipients: recipients,
                               repeatedAfterCrash: 0, createdAt: Date(timeIntervalSince1970: TimeInterval(timestamp)), finishedAt: nil)
    }

    public func setProgressReply(_ replyID: Int64, of broadcastID: Int64) throws {
        try execute("UPDATE broadcast SET progress_reply_id = \(replyID) WHERE id = \(broadcastID)")
    }

    public func broadcast(_ id: Int64) throws -> BroadcastRecord? {
        try rows(PostgresQuery(unsafeSQL: PostgresBroadcastStore.broadcastSelect + " WHERE id = $1", binds: Self.binds(id)))
            .first.map(PostgresBroadcastStore.record(from:))
    }

    public func counts(of broadcastID: Int64) throws -> DeliveryCounts {
        var counts = DeliveryCounts()
        for (state, count) in try all("SELECT state, count(*) FROM outbox WHERE broadcast_id = \(broadcastID) GROUP BY state", as: (String, Int).self) {
            counts.add(count, inState: state)
        }
        return counts
    }

    public func close(_ broadcastID: Int64, as status: BroadcastStatus, now: Date) throws {
        let timestamp = Int64(now.timeIntervalSince1970)
        if status == .stopped {
            try execute("""
                UPDATE outbox SET state = 'skipped', error = 'stopped by staff', updated_at = \(timestamp)
                WHERE broadcast_id = \(broadcastID) AND state = 'pending'
                """)
        }
        try execute("UPDATE broadcast SET status = \(status.rawValue), finished_at = \(timestamp) WHERE id = \(broadcastID) AND status = 'sending'")
    }

    public func failureReasons(of broadcastID: Int64, limit: Int) throws -> [(reason: String, count: Int)] {
        try all("""
            SELECT coalesce(error, '?'), count(*) AS n FROM outbox WHERE broadcast_id = \(broadcastID) AND state = 'failed'
            GROUP BY error ORDER BY n DESC LIMIT \(limit)
            """, as: (String, Int).self).map { (reason: $0.0, count: $0.1) }
    }

    public func setSubscribed(_ subscribed: Bool, userID: Int64, now: Date, handling updateID: Int64?) throws {
        try execute("""
            INSERT INTO subscription (user_id, subscribed, updated_at) VALUES (\(userID), \(subscribed), \(Int64(now.timeIntervalSince1970)))
            ON CONFLICT (user_id) DO UPDATE SET subscribed = excluded.subscribed, updated_at = excluded.updated_at,
                unreachable_at = CASE WHEN excluded.subscribed THEN NULL ELSE subscription.unreachable_at END,
                unreachable_reason = CASE WHEN excluded.subscribed THEN NULL ELSE subscription.unreachable_reason END
            """)
        try markHandled(updateID)
    }

    public func isSubscribed(userID: Int64) throws -> Bool {
        try one("SELECT subscribed FROM subscription WHERE user_id = \(userID)", as: Bool.self) ?? true
    }

    public func rsvp(_ broadcastID: Int64, userID: Int64, name: String, now: Date, handling updateID: Int64?) throws -> Outbox.RSVPOutcome {
        let invited = try one("""
            SELECT EXISTS (SELECT 1 FROM outbox o JOIN broadcast b ON b.id = o.broadcast_id
                           WHERE o.broadcast_id = \(broadcastID) AND o.chat_id = \(userID) AND o.state = 'sent' AND b.rsvp_label IS NOT NULL)
            """, as: Bool.self) ?? false
        guard invited else { return .notInvited }
        let inserted = try execute("""
            INSERT INTO rsvp (broadcast_id, user_id, name, created_at) VALUES (\(broadcastID), \(userID), \(name), \(Int64(now.timeIntervalSince1970)))
            ON CONFLICT DO NOTHING
            """)
        try markHandled(updateID)
        return inserted == 1 ? .recorded : .alreadyRecorded
    }

    public func attendees(of broadcastID: Int64) throws -> [(name: String, businesses: String)] {
        try all("""
            SELECT r.name, coalesce((SELECT string_agg(name, ', ' ORDER BY id) FROM business
                                     WHERE owner_telegram_id = r.user_id AND status <> 'inactive'), '')
            FROM rsvp r WHERE r.broadcast_id = \(broadcastID) ORDER BY r.created_at, r.user_id
            """, as: (String, String).self).map { (name: $0.0, businesses: $0.1) }
    }

    public func recentBroadcasts(limit: Int) throws -> [Outbox.Summary] {
        let records = try rows(PostgresQuery(unsafeSQL: PostgresBroadcastStore.broadcastSelect + " ORDER BY id DESC LIMIT $1", binds: Self.binds(Int64(limit))))
            .map(PostgresBroadcastStore.record(from:))
        return try records.map { record in
            let attending = try one("SELECT count(*) FROM rsvp WHERE broadcast_id = \(record.id)", as: Int.self) ?? 0
            return Outbox.Summary(broadcast: record, counts: try counts(of: record.id), attending: attending)
        }
    }

    /// The owners an audience reaches: SQLite's `Audience.recipientsQuery` on PostgreSQL (binds instead of `?`,
    /// booleans, `lower()` for the kelurahan's case-insensitive match).
    static func recipientsSQL(_ audience: Audience) -> (sql: String, binds: PostgresBindings) {
        var conditions = ["b.owner_telegram_id IS NOT NULL", "b.status <> 'inactive'"]
        var binds = PostgresBindings()
        func bind(_ value: some PostgresEncodable & Sendable) -> String {
            // Strings, booleans and integers always encode.
            try? binds.append(value)
            return "$\(binds.count)"
        }
        if let category = audience.category { conditions.append("b.category = \(bind(category))") }
        if let kelurahan = audience.kelurahan { conditions.append("lower(b.kelurahan) = lower(\(bind(kelurahan)))") }
        if let mode = audience.mode { conditions.append("b.mode = \(bind(mode.rawValue))") }
        if let halal = audience.halal { conditions.append("b.halal = \(bind(halal))") }
        if let groupID = audience.groupID {
            conditions.append("b.id IN (SELECT business_id FROM business_group_member WHERE group_id = \(bind(groupID)))")
        }
        let sql = """
            SELECT DISTINCT b.owner_telegram_id FROM business b
            LEFT JOIN subscription s ON s.user_id = b.owner_telegram_id
            WHERE \(conditions.joined(separator: " AND "))
              AND (s.user_id IS NULL OR (s.subscribed AND s.unreachable_at IS NULL))
            """
        return (sql, binds)
    }

    private static func binds(_ value: Int64) -> PostgresBindings {
        var binds = PostgresBindings()
        binds.append(value)
        return binds
    }
}
