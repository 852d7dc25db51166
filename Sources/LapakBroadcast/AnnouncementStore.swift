import Foundation

/// Staff announcements and their audience inside one update's transaction: starting a broadcast, its
/// progress and report, RSVPs and subscriptions.
///
/// Both stores implement it (`Outbox.Session` on SQLite, the PostgreSQL session); the sending itself is the
/// `BroadcastSender`'s, over a `BroadcastStore`.
public protocol AnnouncementStore {
    /// How many recipients `audience` has now.
    func recipientCount(_ audience: Audience) throws -> Int
    /// Starts a broadcast: stores it and one pending outbox row per recipient.
    func start(_ announcement: Announcement, now: Date) throws -> BroadcastRecord
    /// Remembers the reply that shows the broadcast's progress (its message id is read once it is sent).
    func setProgressReply(_ replyID: Int64, of broadcastID: Int64) throws
    /// The broadcast with this id.
    func broadcast(_ id: Int64) throws -> BroadcastRecord?
    /// How many recipients are in each delivery state.
    func counts(of broadcastID: Int64) throws -> DeliveryCounts
    /// Ends a broadcast (finished, cancelled).
    func close(_ broadcastID: Int64, as status: BroadcastStatus, now: Date) throws
    /// The most common failure reasons of a broadcast, most frequent first.
    func failureReasons(of broadcastID: Int64, limit: Int) throws -> [(reason: String, count: Int)]
    /// Subscribes or unsubscribes a user from announcements; marks `updateID` handled too.
    func setSubscribed(_ subscribed: Bool, userID: Int64, now: Date, handling updateID: Int64?) throws
    /// Whether a user receives announcements (everyone does until they say no).
    func isSubscribed(userID: Int64) throws -> Bool
    /// Records a recipient's "I'll come"; marks `updateID` handled too.
    func rsvp(_ broadcastID: Int64, userID: Int64, name: String, now: Date, handling updateID: Int64?) throws -> Outbox.RSVPOutcome
    /// Who said they will come, with their businesses' names.
    func attendees(of broadcastID: Int64) throws -> [(name: String, businesses: String)]
    /// The latest broadcasts with their delivery counts and attendance, newest first.
    func recentBroadcasts(limit: Int) throws -> [Outbox.Summary]
}

extension Outbox.Session: AnnouncementStore {}
