import Synchronization

/// Keeps the bot's outgoing messages within Telegram's limits without ever making a reply wait for a
/// broadcast: replies go out at once (subject only to their own chat's limits), bulk sends use what the
/// global budget has left.
///
/// Telegram's "about 30 messages a second" is a *broadcasting* limit: replies to people who just wrote
/// are not held to it, but they do count while a broadcast runs. So the pacer keeps a sliding window of
/// every send it knows of (replies and bulk, including bulk slots reserved for the near future) and:
///
/// - **Replies** (`reserveReplySlot`) are recorded in that window and never wait for it. They wait only
///   for their chat: a token bucket per chat (a burst of `chatBurst`, then one per `perChatInterval`),
///   at most `groupPerMinute` messages a minute to a group (a negative chat id), and a chat held by a 429
///   (`holdChat`). With no broadcast running nothing else throttles them.
/// - **Bulk sends** (`reserveBulkSlot`) take the earliest instant that is (a) at or after the next evenly
///   spaced slot, so a broadcast never bunches up to catch up after a pause, and (b) leaves every window
///   of `window` (one second plus the jitter margin) holding at most `rate` sends, counting the replies and
///   bulk slots already recorded. A burst of citizens therefore slows the broadcast, never the replies.
///   A bulk message to a chat also needs the chat's token and at least `perChatInterval` since the last
///   message to that chat; when the chat is not free the caller is told so and sends to someone else.
///
/// The jitter margin (2 % by default) widens both the spacing and the window: thirty-one bulk slots span
/// 1.02 s, so a request may arrive 20 ms late without a 31st landing in the same second. Replies recorded
/// after a bulk slot was reserved may fill a window that slot is in: `waitForBulkSlot` checks the slot
/// again when it comes and moves it to the next instant with room. So every bulk message leaves when the
/// second before it holds fewer than `rate` messages, replies included, which is how Telegram counts a
/// broadcast. Replies that come after a bulk message are never held back for it: a burst of citizens can
/// take a window past `rate` on its own, and then the broadcast waits until the window has room again.
public final class MessagePacer: Sendable {
    /// Messages per second across all chats while a broadcast runs (bulk plus replies).
    public let rate: Double
    /// The least time between a message to a chat and a bulk message to the same chat; also the sustained
    /// interval of the per-chat token bucket (before the jitter margin).
    public let perChatInterval: Duration
    /// Messages a chat may receive back to back before `perChatInterval` spacing applies.
    public let chatBurst: Int
    /// Messages a group (negative chat id) may receive in a minute.
    public let groupPerMinute: Int
    /// The time between two bulk slots, with the jitter margin.
    public let spacing: Duration
    /// The sliding window in which bulk plus replies stay within `rate`: one second with the jitter margin.
    public let window: Duration

    /// Sends allowed in one `window`.
    private let windowLimit: Int
    /// The per-chat bucket's emission interval, with the jitter margin.
    private let chatEmission: Duration
    /// How far ahead of its theoretical arrival a chat's message may go: the burst.
    private let chatTolerance: Duration
    /// The group window: a minute with the jitter margin.
    private let groupWindow: Duration

    private struct ChatState {
        /// The chat's token bucket as a generic cell rate algorithm: the instant its bucket would be
        /// empty if every message had taken its sustained-rate turn. Works for reservations in the future.
        var theoreticalArrival: Duration = .zero
        /// The latest message reserved for this chat, for the bulk sender's one-second rule.
        var lastSend: Duration?
        /// A 429 holds this chat until then.
        var heldUntil: Duration = .zero
        /// Recent sends to a group, sorted (empty for private chats).
        var groupSends: [Duration] = []
    }

    private struct State {
        /// The earliest time the next bulk slot may be given out (even spacing, bulk holds).
        var nextBulkSlot: Duration = .zero
        /// Every recent or reserved send (replies and bulk), sorted ascending.
        var sends: [Duration] = []
        /// Bulk slots handed out and not yet confirmed by `waitForBulkSlot`, with their chat.
        var pendingBulk: [Duration: Int64] = [:]
        var chats: [Int64: ChatState] = [:]
        /// Idle chats are swept once this many are known; doubled when most are still busy, so a burst of
        /// thousands of citizens does not make every reservation sweep them all.
        var chatSweepThreshold = 4096
    }

    private let clock: any MonotonicClock
    private let state = Mutex(State())

    /// A pacer for `rate` messages a second across chats while broadcasting, `chatBurst` then one per
    /// `perChatInterval` to a chat, and `groupPerMinute` a minute to a group.
    public init(rate: Double = 30, perChatInterval: Duration = .seconds(1), chatBurst: Int = 3, groupPerMinute: Int = 20,
                jitterMargin: Double = 0.02, clock: any MonotonicClock = SystemClock()) {
        precondition(rate > 0, "the rate must be positive")
        precondition(chatBurst >= 1 && groupPerMinute >= 1, "a chat must be allowed at least one message")
        self.rate = rate
        self.perChatInterval = perChatInterval
        self.chatBurst = chatBurst
        self.groupPerMinute = groupPerMinute
        self.spacing = .seconds(1 / rate * (1 + jitterMargin))
        self.window = .seconds(1 + jitterMargin)
        self.windowLimit = max(1, Int(rate.rounded(.down)))
        self.chatEmission = perChatInterval * (1 + jitterMargin)
        self.chatTolerance = chatEmission * (chatBurst - 1)
        self.groupWindow = .seconds(60 * (1 + jitterMargin))
        self.clock = clock
    }

    /// The instant a reply to `chatID` may go out, recorded as a send at that instant.
    ///
    /// Never later than now because of other chats or broadcasts: only this chat's burst, group limit or
    /// 429 hold can put it in the future. The caller waits until it (`wait(until:)`). A message without a
    /// chat (an inline message edit) goes now.
    public func reserveReplySlot(chatID: Int64?) -> Duration {
        let now = clock.now
        return state.withLock { state in
            prune(&state, now: now)
            guard let chatID else {
                Self.insert(now, into: &state.sends)
                return now
            }
            let slot = earliestForChat(state.chats[chatID], chatID: chatID, from: now, bulk: false)
            commit(&state, chatID: chatID, at: slot)
            return slot
        }
    }

    /// When a bulk message to `chatID` may go out: the slot is reserved and the caller must wait for it
    /// with `waitForBulkSlot`.
    ///
    /// Returns `.chatBusyUntil` without reserving when the chat itself is not free at the slot (a message
    /// less than `perChatInterval` ago, its burst used up, its group's minute full, or a 429 hold), so the
    /// caller sends to someone else first.
    public func reserveBulkSlot(chatID: Int64) -> BulkSlot {
        let now = clock.now
        return state.withLock { state in
            prune(&state, now: now)
            let even = max(state.nextBulkSlot, now)
            let slot = Self.earliest(from: even, sends: state.sends, window: window, limit: windowLimit)
            let chatFree = earliestForChat(state.chats[chatID], chatID: chatID, from: slot, bulk: true)
            if chatFree > slot { return .chatBusyUntil(chatFree) }
            commit(&state, chatID: chatID, at: slot)
            state.nextBulkSlot = slot + spacing
            state.pendingBulk[slot] = chatID
            return .at(slot)
        }
    }

    /// After a 429 that may concern bulk sending: no bulk slot for `duration`, so bulk sends do not pile up
    /// and leave in one burst when the hold ends. Replies are not affected.
    ///
    /// The first slot after the pause is left free: a bulk request that already had its slot when the
    /// 429 arrived is waiting at the client's bulk hold and takes it.
    public func holdBulk(for duration: Duration) {
        let deadline = clock.now + duration
        state.withLock { $0.nextBulkSlot = max($0.nextBulkSlot, deadline + spacing) }
    }

    /// After a 429 on a message to `chatID`: neither replies nor bulk sends to that chat for `duration`.
    public func holdChat(_ chatID: Int64, for duration: Duration) {
        let deadline = clock.now + duration
        state.withLock { state in
            var chat = state.chats[chatID] ?? ChatState()
            chat.heldUntil = max(chat.heldUntil, deadline)
            state.chats[chatID] = chat
        }
    }

    /// Sends recorded in the window ending at `instant` (replies and bulk, reserved ones included).
    public func sendsInWindow(endingAt instant: Duration) -> Int {
        state.withLock { Self.count(in: $0.sends, after: instant - window, upTo: instant) }
    }

    /// Waits until `slot` on the pacer's clock.
    public func wait(until slot: Duration) async throws {
        if slot > clock.now { try await clock.sleep(until: slot) }
    }

    /// Waits until a slot from `reserveBulkSlot` and returns the instant the message may go out.
    ///
    /// Replies recorded while the bulk message waited count in its window too; if they filled it, the
    /// slot moves to the next instant with room (never earlier), so the second before each bulk message
    /// holds fewer than `rate` messages even when citizens write during a broadcast.
    @discardableResult
    public func waitForBulkSlot(_ slot: Duration) async throws -> Duration {
        var slot = slot
        while true {
            try await wait(until: slot)
            guard let moved = recheckBulkSlot(slot) else { return slot }
            slot = moved
        }
    }

    /// The answer of `reserveBulkSlot`.
    public enum BulkSlot: Sendable, Equatable {
        /// Send at this instant of the pacer's clock.
        case at(Duration)
        /// The chat may not receive a message before this instant; try another chat first.
        case chatBusyUntil(Duration)
    }

    // MARK: - Bookkeeping (called with the lock held)

    /// The earliest instant at or after `start` when `chatID` may receive a message.
    private func earliestForChat(_ chat: ChatState?, chatID: Int64, from start: Duration, bulk: Bool) -> Duration {
        guard let chat else { return start }
        var earliest = max(start, chat.heldUntil, chat.theoreticalArrival - chatTolerance)
        if bulk, let last = chat.lastSend { earliest = max(earliest, last + perChatInterval) }
        if chatID < 0 {
            earliest = Self.earliest(from: earliest, sends: chat.groupSends, window: groupWindow, limit: groupPerMinute)
        }
        return earliest
    }

    /// Records a message to `chatID` at `slot` in the global window and the chat's own limits.
    private func commit(_ state: inout State, chatID: Int64, at slot: Duration) {
        Self.insert(slot, into: &state.sends)
        var chat = state.chats[chatID] ?? ChatState()
        chat.theoreticalArrival = max(chat.theoreticalArrival, slot) + chatEmission
        chat.lastSend = max(chat.lastSend ?? slot, slot)
        if chatID < 0 { Self.insert(slot, into: &chat.groupSends) }
        state.chats[chatID] = chat
    }

    /// Checks a bulk slot again when its time has come: nil when it still fits, else the slot it moved to
    /// (still pending). Internal for tests that drive the clock by hand.
    func recheckBulkSlot(_ slot: Duration) -> Duration? {
        let now = clock.now
        return state.withLock { state in confirmBulk(&state, slot: slot, now: now) }
    }

    private func confirmBulk(_ state: inout State, slot: Duration, now: Duration) -> Duration? {
        guard let chatID = state.pendingBulk.removeValue(forKey: slot) else { return nil }
        Self.remove(slot, from: &state.sends)
        // A sender that woke a little late keeps its slot when it still fits: shifting the schedule by
        // every wake-up delay would slow broadcasts for nothing.
        if Self.earliest(from: slot, sends: state.sends, window: window, limit: windowLimit) == slot {
            Self.insert(slot, into: &state.sends)
            return nil
        }
        let moved = Self.earliest(from: max(slot, now), sends: state.sends, window: window, limit: windowLimit)
        Self.insert(moved, into: &state.sends)
        state.pendingBulk[moved] = chatID
        state.nextBulkSlot = max(state.nextBulkSlot, moved + spacing)
        if var chat = state.chats[chatID] {
            chat.lastSend = max(chat.lastSend ?? moved, moved)
            if chatID < 0 {
                Self.remove(slot, from: &chat.groupSends)
                Self.insert(moved, into: &chat.groupSends)
            }
            state.chats[chatID] = chat
        }
        return moved
    }

    /// Forgets sends that can no longer share a window with a new one, and idle chats.
    private func prune(_ state: inout State, now: Duration) {
        let stale = Self.upperBound(state.sends, now - window)
        if stale > 0 { state.sends.removeFirst(stale) }
        // Bulk slots whose sender never came back (cancelled): nothing left to confirm.
        if state.pendingBulk.count > 64 { state.pendingBulk = state.pendingBulk.filter { $0.key + window > now } }
        guard state.chats.count > state.chatSweepThreshold else { return }
        defer { state.chatSweepThreshold = max(4096, state.chats.count * 2) }
        state.chats = state.chats.filter { _, chat in
            chat.heldUntil > now || chat.theoreticalArrival > now || (chat.lastSend.map { $0 + perChatInterval > now } ?? false)
                || (chat.groupSends.last.map { $0 + groupWindow > now } ?? false)
        }
        for (id, chat) in state.chats where !chat.groupSends.isEmpty {
            state.chats[id]?.groupSends = chat.groupSends.filter { $0 + groupWindow > now }
        }
    }

    // MARK: - Sliding windows

    /// The earliest instant at or after `start` where one more send keeps every window of `window` that
    /// contains it at `limit` sends or fewer, given the `sends` (sorted; some may lie after `start`).
    ///
    /// The count of a window ending at `s` only changes when `s` passes a send, so it is enough to check
    /// the window ending at the candidate and those ending at each later send it would share a window
    /// with. Candidates are `start` and the instants when a send leaves the window.
    static func earliest(from start: Duration, sends: [Duration], window: Duration, limit: Int) -> Duration {
        func fits(_ candidate: Duration) -> Bool {
            if count(in: sends, after: candidate - window, upTo: candidate) >= limit { return false }
            var index = upperBound(sends, candidate)
            while index < sends.count, sends[index] < candidate + window {
                if count(in: sends, after: sends[index] - window, upTo: sends[index]) >= limit { return false }
                index += 1
            }
            return true
        }
        if fits(start) { return start }
        for send in sends where send + window > start {
            if fits(send + window) { return send + window }
        }
        return max(start, (sends.last ?? start) + window)  // unreachable: the last candidate always fits
    }

    /// How many of the sorted `sends` lie in (`lower`, `upper`].
    static func count(in sends: [Duration], after lower: Duration, upTo upper: Duration) -> Int {
        guard upper > lower else { return 0 }
        return upperBound(sends, upper) - upperBound(sends, lower)
    }

    /// The number of sorted `sends` at or before `instant`.
    private static func upperBound(_ sends: [Duration], _ instant: Duration) -> Int {
        var low = 0
        var high = sends.count
        while low < high {
            let middle = (low + high) / 2
            if sends[middle] <= instant { low = middle + 1 } else { high = middle }
        }
        return low
    }

    private static func insert(_ instant: Duration, into sends: inout [Duration]) {
        sends.insert(instant, at: upperBound(sends, instant))
    }

    private static func remove(_ instant: Duration, from sends: inout [Duration]) {
        let index = upperBound(sends, instant) - 1
        if index >= 0, sends[index] == instant { sends.remove(at: index) }
    }
}
