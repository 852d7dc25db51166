import Foundation
import GRDB
import LapakDatabase

/// What vendors do with announcements: stop and resume them (/berhenti, /langganan) and answer "✋ Ikut".
extension Outbox {
    /// Stops (false) or resumes (true) announcements for a user; resuming also clears an "unreachable"
    /// mark, since a user who writes to the bot can evidently be reached again.
    public func setSubscribed(_ subscribed: Bool, userID: Int64, now: Date = Date(), handling updateID: Int64? = nil) async throws {
        try await database.writer.write { try session($0).setSubscribed(subscribed, userID: userID, now: now, handling: updateID) }
    }

    /// Whether the user gets announcements (true unless they stopped them).
    public func isSubscribed(userID: Int64) async throws -> Bool {
        try await database.writer.read { try session($0).isSubscribed(userID: userID) }
    }

    /// What an RSVP press did.
    public enum RSVPOutcome: Sendable, Hashable {
        case recorded
        case alreadyRecorded
        /// The user was not sent this announcement (a forged or foreign button), or it has no RSVP.
        case notInvited
    }

    /// Records that `userID` will attend the event of broadcast `broadcastID`.
    public func rsvp(_ broadcastID: Int64, userID: Int64, name: String, now: Date = Date(), handling updateID: Int64? = nil) async throws -> RSVPOutcome {
        try await database.writer.write { try session($0).rsvp(broadcastID, userID: userID, name: name, now: now, handling: updateID) }
    }

    /// Who said they will attend, in the order they answered, with the businesses they own.
    public func attendees(of broadcastID: Int64) async throws -> [(name: String, businesses: String)] {
        try await database.writer.read { try session($0).attendees(of: broadcastID) }
    }

    /// A past broadcast with its outcome, for /statistik.
    public struct Summary: Sendable, Hashable {
        public var broadcast: BroadcastRecord
        public var counts: DeliveryCounts
        public var attending: Int

        /// A summary from its parts (each store builds it from its own rows).
        public init(broadcast: BroadcastRecord, counts: DeliveryCounts, attending: Int) {
            self.broadcast = broadcast
            self.counts = counts
            self.attending = attending
        }
    }

    /// The latest broadcasts, newest first.
    public func recentBroadcasts(limit: Int) async throws -> [Summary] {
        try await database.writer.read { try session($0).recentBroadcasts(limit: limit) }
    }
}

extension Outbox.Session {
    /// `setSubscribed(_:userID:now:handling:)` inside the caller's transaction (marks `updateID` handled in it too).
    public func setSubscribed(_ subscribed: Bool, userID: Int64, now: Date = Date(), handling updateID: Int64? = nil) throws {
        let timestamp = Int64(now.timeIntervalSince1970)
        try db.cachedStatement(sql: """
            INSERT INTO subscription (user_id, subscribed, updated_at) VALUES (?, ?, ?)
            ON CONFLICT(user_id) DO UPDATE SET subscribed = excluded.subscribed, updated_at = excluded.updated_at,
                unreachable_at = CASE WHEN excluded.subscribed = 1 THEN NULL ELSE unreachable_at END,
                unreachable_reason = CASE WHEN excluded.subscribed = 1 THEN NULL ELSE unreachable_reason END
            """).execute(arguments: [userID, subscribed, timestamp])
        if let updateID { try SQLiteUpdateInbox.markHandled(updateID, in: db) }
    }

    /// `isSubscribed(userID:)` inside the caller's transaction.
    public func isSubscribed(userID: Int64) throws -> Bool {
        try Bool.fetchOne(db.cachedStatement(sql: "SELECT subscribed FROM subscription WHERE user_id = ?"), arguments: [userID]) ?? true
    }

    /// `rsvp(_:userID:name:now:handling:)` inside the caller's transaction (marks `updateID` handled in it too).
    public func rsvp(_ broadcastID: Int64, userID: Int64, name: String, now: Date = Date(),
                     handling updateID: Int64? = nil) throws -> Outbox.RSVPOutcome {
        let invited = try Bool.fetchOne(db.cachedStatement(sql: """
            SELECT EXISTS (SELECT 1 FROM outbox o JOIN broadcast b ON b.id = o.broadcast_id
                           WHERE o.broadcast_id = ? AND o.chat_id = ? AND o.state = 'sent' AND b.rsvp_label IS NOT NULL)
            """), arguments: [broadcastID, userID]) ?? false
        guard invited else { return .notInvited }
        try db.cachedStatement(sql: "INSERT OR IGNORE INTO rsvp (broadcast_id, user_id, name, created_at) VALUES (?, ?, ?, ?)").execute(arguments: [broadcastID, userID, name, Int64(now.timeIntervalSince1970)])
        let outcome: Outbox.RSVPOutcome = db.changesCount == 1 ? .recorded : .alreadyRecorded
        if let updateID { try SQLiteUpdateInbox.markHandled(updateID, in: db) }
        return outcome
    }

    /// `attendees(of:)` inside the caller's transaction.
    public func attendees(of broadcastID: Int64) throws -> [(name: String, businesses: String)] {
        try Row.fetchAll(db.cachedStatement(sql: """
            SELECT r.name, coalesce((SELECT group_concat(name, ', ') FROM business
                                     WHERE owner_telegram_id = r.user_id AND status <> 'inactive'), '')
            FROM rsvp r WHERE r.broadcast_id = ? ORDER BY r.created_at, r.user_id
            """), arguments: [broadcastID]).map { ($0[0], $0[1]) }
    }

    /// `recentBroadcasts(limit:)` inside the caller's transaction.
    public func recentBroadcasts(limit: Int) throws -> [Outbox.Summary] {
        try Row.fetchAll(db.cachedStatement(sql: "SELECT \(Outbox.broadcastColumns) FROM broadcast ORDER BY id DESC LIMIT ?"), arguments: [limit]).map { row in
            let record = Outbox.record(from: row)
            let attending = try Int.fetchOne(db.cachedStatement(sql: "SELECT count(*) FROM rsvp WHERE broadcast_id = ?"), arguments: [record.id]) ?? 0
            return Outbox.Summary(broadcast: record, counts: try counts(of: record.id), attending: attending)
        }
    }
}
