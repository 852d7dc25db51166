import Foundation

/// What `BroadcastSender` needs from a broadcast outbox: read the broadcasts still sending and their due
/// rows, and record each row's way from 'pending' through 'sending' to its outcome.
///
/// `Outbox` (SQLite, one process) and `PostgresBroadcastStore` (several workers) keep the same contract:
/// a row is marked 'sending' before its request and gets its outcome after, so after a crash (or a
/// leader's death) exactly the sends that were in flight are left in 'sending'.
public protocol BroadcastStore: Sendable {
    /// Puts rows left in 'sending' (in flight when their sender died) back to pending, counting them on
    /// their broadcast as possibly repeated; returns how many there were.
    func recoverInterrupted(now: Date) async throws -> Int
    /// Broadcasts still sending, oldest first.
    func activeBroadcasts() async throws -> [BroadcastRecord]
    /// The broadcast with this id.
    func broadcast(_ id: Int64) async throws -> BroadcastRecord?
    /// Pending rows whose time has come, in outbox order.
    func dueEntries(of broadcastID: Int64, now: Date, limit: Int) async throws -> [OutboxEntry]
    /// The earliest due time of a pending row, if any row is pending.
    func nextDue(of broadcastID: Int64) async throws -> Date?
    /// Marks a pending row as being sent, just before its request; false when it must not be sent (the
    /// recipient unsubscribed or became unreachable, or the row is no longer pending).
    func markSending(_ entry: OutboxEntry, now: Date) async throws -> Bool
    /// The message arrived.
    func markSent(_ entry: OutboxEntry, messageID: Int, now: Date) async throws
    /// Rejected for good, with the reason.
    func markFailed(_ entry: OutboxEntry, reason: String, now: Date) async throws
    /// 403: the recipient blocked the bot or was deactivated; future broadcasts skip them.
    func markUnreachable(_ entry: OutboxEntry, reason: String, now: Date) async throws
    /// Back to pending, to be tried again at `dueAt`; a 429 does not count as an attempt.
    func reschedule(_ entry: OutboxEntry, at dueAt: Date, error: String, countsAsAttempt: Bool, now: Date) async throws
    /// Counts of the broadcast's rows by state.
    func counts(of broadcastID: Int64) async throws -> DeliveryCounts
    /// Ends a broadcast: done when every row has its outcome, or stopped by staff (the rest skipped).
    func close(_ broadcastID: Int64, as status: BroadcastStatus, now: Date) async throws
}

/// The SQLite outbox as it always was: its methods are the protocol's.
extension Outbox: BroadcastStore {}

/// Whether this process may spend the bot's bulk budget now.
///
/// Telegram's ~30 messages a second for announcements is a limit per bot: with several workers only the
/// one holding the gate sends broadcasts. The sender asks before every row it takes, so a worker that
/// loses the gate stops taking rows at once.
public protocol BulkGate: Sendable {
    /// True while this process may send bulk messages.
    var mayUseBulkBudget: Bool { get }
    /// How long a worker that just got the gate waits before its first send.
    ///
    /// The previous holder may have sent up to its death, and may not yet know it lost the gate: its last
    /// second of sends, which this worker's pacer never saw, must pass out of Telegram's window first.
    var takeoverPause: Duration { get }
}

extension BulkGate {
    /// No pause unless the gate says otherwise.
    public var takeoverPause: Duration { .zero }
}

/// The gate of a single process: always open, no pause (SQLite, one `lapak run`).
public struct AlwaysOpenBulkGate: BulkGate {
    /// An open gate.
    public init() {}
    /// Always true: nobody else shares the budget.
    public var mayUseBulkBudget: Bool { true }
}
