import Synchronization

/// Keeps the bot's outgoing messages within Telegram's limits by construction: a global rate (about 30
/// messages a second) and, for bulk sends, at least a second between two messages to one chat.
///
/// Every message takes a slot; slots are spaced evenly and never bunched to catch up after a pause, so
/// the rate holds in every one-second window, not just on average. Interactive replies go first: they
/// take the next free slot (`reserveInteractiveSlot`), ahead of any bulk send not yet reserved, so while a
/// broadcast runs at full rate a reply waits at most about two slots (under 0.1 s at 30/s). Bulk senders
/// reserve one slot at a time (`reserveBulkSlot`) and sleep until it. A small margin on the spacing absorbs
/// network jitter: with 2 %, thirty-one slots span 1.02 s, so a request may arrive 20 ms late without a
/// 31st landing in the same second.
public final class MessagePacer: Sendable {
    /// Messages per second across all chats.
    public let rate: Double
    /// The least time between two messages to one chat.
    public let perChatInterval: Duration
    /// The time between two slots, with the jitter margin.
    public let spacing: Duration

    private struct State {
        /// The earliest time the next slot may be given out (on the pacer's clock).
        var nextSlot: Duration = .zero
        /// When each recently served chat may be sent to again.
        var chatFreeAt: [Int64: Duration] = [:]
    }

    private let clock: any MonotonicClock
    private let state = Mutex(State())

    /// A pacer for `rate` messages a second overall and one per `perChatInterval` to a chat (bulk).
    public init(rate: Double = 30, perChatInterval: Duration = .seconds(1), jitterMargin: Double = 0.02, clock: any MonotonicClock = SystemClock()) {
        precondition(rate > 0, "the rate must be positive")
        self.rate = rate
        self.perChatInterval = perChatInterval
        self.spacing = .seconds(1 / rate * (1 + jitterMargin))
        self.clock = clock
    }

    /// The slot of an interactive message to `chatID`: the next free one, ahead of bulk sends not yet
    /// reserved. Usually `now`; the caller waits until it (`wait(until:)`).
    public func reserveInteractiveSlot(chatID: Int64?) -> Duration {
        let now = clock.now
        return state.withLock { state in
            let slot = max(state.nextSlot, now)
            state.nextSlot = slot + spacing
            if let chatID { state.chatFreeAt[chatID] = max(state.chatFreeAt[chatID] ?? .zero, slot + perChatInterval) }
            return slot
        }
    }

    /// When a bulk message to `chatID` may go out: the slot is reserved and the caller must wait until it.
    ///
    /// Returns nil without reserving when the chat itself is not free before `chatFreeAt` is passed
    /// (the caller sends to someone else first), with the time the chat becomes free.
    public func reserveBulkSlot(chatID: Int64) -> BulkSlot {
        let now = clock.now
        return state.withLock { state in
            let slot = max(state.nextSlot, now)
            if let free = state.chatFreeAt[chatID], free > slot { return .chatBusyUntil(free) }
            state.nextSlot = slot + spacing
            state.chatFreeAt[chatID] = slot + perChatInterval
            if state.chatFreeAt.count > 4096 { state.chatFreeAt = state.chatFreeAt.filter { $0.value > now } }
            return .at(slot)
        }
    }

    /// After a 429 (of any request): no bulk slot for `duration`, so bulk sends do not pile up behind the
    /// client's closed flood gate and leave in one burst when it opens.
    ///
    /// The first slot after the pause is left free: a bulk request that already had its slot when the
    /// 429 arrived is waiting at the gate and takes it.
    public func holdBulk(for duration: Duration) {
        let deadline = clock.now + duration
        state.withLock { $0.nextSlot = max($0.nextSlot, deadline + spacing) }
    }

    /// Waits until `slot` on the pacer's clock.
    public func wait(until slot: Duration) async throws {
        if slot > clock.now { try await clock.sleep(until: slot) }
    }

    /// The answer of `reserveBulkSlot`.
    public enum BulkSlot: Sendable, Equatable {
        /// Send at this instant of the pacer's clock.
        case at(Duration)
        /// The chat got a message less than `perChatInterval` ago; try another chat first.
        case chatBusyUntil(Duration)
    }
}
