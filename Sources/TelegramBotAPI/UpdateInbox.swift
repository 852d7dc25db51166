/// Durable storage for received updates and the getUpdates offset.
///
/// Why an inbox: Telegram forgets an update once getUpdates is called with a higher offset. If the
/// offset moved on while handling was still under way, a crash would lose those updates. Storing the
/// batch and the next offset in one transaction first means a crash can only leave updates that are
/// stored and marked unfinished; they are handled again at the next start, and nothing else is.
public protocol UpdateInbox: Sendable {
    /// The offset for the next getUpdates call; nil before the first batch ever.
    func nextOffset() async throws -> Int64?
    /// Updates stored earlier whose handling never finished, in update_id order.
    func unfinishedUpdates() async throws -> [Update]
    /// Stores `updates` and `nextOffset` atomically and returns the updates not stored before.
    func accept(_ updates: [Update], nextOffset: Int64) async throws -> [Update]
    /// Records that handling `updateID` finished; a second call changes nothing.
    func markHandled(_ updateID: Int64) async throws
}

/// What the bot does with one update.
public protocol UpdateHandler: Sendable {
    /// Handles one update; the poller calls it once per received update and never again after it returns
    /// or throws (a thrown error is logged).
    func handle(_ update: Update) async throws
    /// True when the handler records "handled" itself, in the same transaction as its effects; the
    /// poller then does not mark the update after it.
    var marksHandled: Bool { get }
}

extension UpdateHandler {
    /// By default the poller marks each update handled once its handler has returned.
    public var marksHandled: Bool { false }
}
