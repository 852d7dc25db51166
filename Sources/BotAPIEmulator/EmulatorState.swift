import Foundation
import TelegramBotAPI

/// Everything the emulated Telegram knows: pending updates, chats, faults, limits.
///
/// The HTTP routes and the Swift control API both act on this actor, so a test can simulate a user
/// and read the transcript while the bot talks to the emulator over real HTTP.
public actor EmulatorState {
    let configuration: EmulatorConfiguration
    let clock: any MonotonicClock

    // Updates not yet confirmed by an offset, in update_id order.
    var pending: [(id: Int64, kind: String, json: JSONValue)] = []
    var nextUpdateID: Int64
    var allowedUpdates: [String]?
    var poll: PollWaiter?
    /// Set while the server stops: polls must not wait, or graceful shutdown would wait for them.
    var stopping = false

    var chats: [Int64: ChatRecord] = [:]
    var messageWaiters: [MessageWaiter] = []
    var issuedCallbackQueries: Set<String> = []

    // Limits and faults.
    var limits: EmulatorLimits
    var faults: [(fault: EmulatorFault, method: String?, remaining: Int)] = []
    var blockedUsers: Set<Int64> = []
    /// The webhook set with setWebhook, and its deliveries (EmulatorState+Webhook.swift).
    var webhook: WebhookSettings?
    var webhookDelivery = WebhookDeliveryState()
    /// Scopes under a retry_after penalty: until when, and when it was announced (for the in-flight grace).
    var penalties: [FloodScope: (until: Duration, announcedAt: Duration)] = [:]
    /// Messages of the last second across chats (bulk and replies).
    var recentSends: [Duration] = []
    var chatBuckets: [Int64: (tokens: Double, updated: Duration)] = [:]
    /// Messages of the last minute per group.
    var groupSends: [Int64: [Duration]] = [:]
    /// When each user or chat last sent the bot an update: messages to it within the reply window are replies.
    var lastInbound: [Int64: Duration] = [:]
    /// Faults drawn at random for every request (EmulatorState+RandomFaults.swift).
    var randomFaults = RandomFaultState()

    /// Every request answered, in order of arrival.
    public private(set) var requests: [EmulatorRequestRecord] = []
    /// setMyCommands per language_code (nil: the default list).
    public internal(set) var commands: [String?: [BotCommand]] = [:]
    /// answerCallbackQuery calls: query id → the notice text.
    public internal(set) var answeredCallbackQueries: [String: String?] = [:]

    struct PollWaiter {
        let id: UUID
        let limit: Int
        let continuation: CheckedContinuation<PollOutcome, Never>
        let timer: Task<Void, Never>
    }

    enum PollOutcome {
        case updates([JSONValue])
        /// A newer getUpdates took over.
        case conflict
        /// The client went away while waiting.
        case abandoned
    }

    struct ChatRecord {
        var user: User
        /// The group or supergroup, for a chat that is not a user's private chat.
        var group: Chat?
        var transcript: [TranscriptEntry] = []
        var nextMessageID = 1
        var replyKeyboard: ReplyKeyboardMarkup?
    }

    struct MessageWaiter {
        let id: UUID
        let chatID: Int64
        let count: Int
        let continuation: CheckedContinuation<[Message], any Error>
        let timer: Task<Void, Never>
    }

    init(configuration: EmulatorConfiguration, clock: any MonotonicClock) {
        self.configuration = configuration
        self.clock = clock
        self.limits = configuration.limits
        // Telegram's ids do not start at 1; neither do ours, so clients cannot rely on it.
        self.nextUpdateID = Int64.random(in: 100_000...900_000)
    }

    /// Updates waiting to be fetched or confirmed.
    public var pendingUpdateCount: Int { pending.count }

    /// Requests that arrived while a retry_after announced for their scope was still running.
    public var floodViolations: Int { requests.filter(\.violatedRetryAfter).count }

    /// Queues an update built by a simulated user and wakes a waiting long poll.
    func enqueue(kind: String, payload: JSONValue) -> Update {
        let id = nextUpdateID
        nextUpdateID += 1
        let json: JSONValue = .object(["update_id": .int(id), kind: payload])
        noteInbound(payload)
        pending.append((id, kind, json))
        wakePoll()
        wakeWebhookDelivery()
        // Our own payloads always decode; the fallback keeps the signature total.
        return (try? Update(json: json)) ?? Update(updateID: id, content: .unhandled(kind: kind))
    }

    /// Queues `json` exactly as given (for malformed-update tests); a missing update_id is assigned.
    public func enqueueRawUpdate(_ json: JSONValue) {
        var object = json.objectValue ?? [:]
        let id = object["update_id"]?.int64Value ?? nextUpdateID
        object["update_id"] = object["update_id"] ?? .int(id)
        nextUpdateID = max(nextUpdateID, id + 1)
        let kind = object.keys.first { $0 != "update_id" } ?? "unknown"
        if let payload = object[kind] { noteInbound(payload) }
        pending.append((id, kind, .object(object)))
        pending.sort { $0.id < $1.id }
        wakePoll()
        wakeWebhookDelivery()
    }

    /// getUpdates with Telegram's offset, limit, timeout and allowed_updates semantics.
    func getUpdates(offset: Int64?, limit: Int, timeout: Int, allowed: [String]?) async -> PollOutcome {
        if let offset { confirm(offset) }
        if let allowed { allowedUpdates = allowed }
        // A second poller takes over: the first is told so, as Telegram does.
        if let waiting = poll {
            poll = nil
            waiting.timer.cancel()
            waiting.continuation.resume(returning: .conflict)
        }
        let ready = deliverable(limit: limit)
        if !ready.isEmpty || timeout <= 0 || stopping { return .updates(ready) }
        // Event-driven: the continuation is resumed by enqueue (updates), the timer (timeout), a newer
        // poll (conflict) or the request's cancellation (client gone). Nothing is ever removed from
        // `pending` here, so even a poll answered into a dead connection steals nothing: only a later
        // offset confirms updates.
        let id = UUID()
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                guard !Task.isCancelled else {
                    continuation.resume(returning: .abandoned)
                    return
                }
                // Real time, not the injected clock: a long poll's timeout is the client's socket timeout,
                // and a test driving flood windows with a manual clock still wants polls to end.
                let timer = Task {
                    try? await Task.sleep(for: .seconds(timeout))
                    guard !Task.isCancelled else { return }
                    self.expirePoll(id, with: .updates([]))
                }
                poll = PollWaiter(id: id, limit: limit, continuation: continuation, timer: timer)
            }
        } onCancel: {
            // The hop onto the actor orders this after a registration already under way; a cancellation
            // that came earlier is caught by the isCancelled check before registering.
            Task { await self.expirePoll(id, with: .abandoned) }
        }
    }

    private func confirm(_ offset: Int64) {
        if offset < 0 {
            let keep = Int(-offset)
            if pending.count > keep { pending.removeFirst(pending.count - keep) }
        } else {
            pending.removeAll { $0.id < offset }
        }
    }

    private func deliverable(limit: Int) -> [JSONValue] {
        let allowed = allowedUpdates.flatMap { $0.isEmpty ? nil : Set($0) }
        let defaultExcluded: Set<String> = ["chat_member", "message_reaction", "message_reaction_count"]
        var result: [JSONValue] = []
        for entry in pending where result.count < min(max(limit, 1), 100) {
            if let allowed {
                if allowed.contains(entry.kind) { result.append(entry.json) }
            } else if !defaultExcluded.contains(entry.kind) {
                result.append(entry.json)
            }
        }
        return result
    }

    private func wakePoll() {
        guard let waiting = poll else { return }
        let ready = deliverable(limit: waiting.limit)
        guard !ready.isEmpty else { return }
        poll = nil
        waiting.timer.cancel()
        waiting.continuation.resume(returning: .updates(ready))
    }

    private func expirePoll(_ id: UUID, with outcome: PollOutcome) {
        guard let waiting = poll, waiting.id == id else { return }
        poll = nil
        waiting.timer.cancel()
        waiting.continuation.resume(returning: outcome)
    }

    /// Ends any waiting long poll and message waiter (the server is stopping).
    func shutdown() {
        stopping = true
        wakeWebhookDelivery()
        if let waiting = poll {
            poll = nil
            waiting.timer.cancel()
            waiting.continuation.resume(returning: .updates([]))
        }
        for waiter in messageWaiters {
            waiter.timer.cancel()
            waiter.continuation.resume(throwing: EmulatorError.notRunning)
        }
        messageWaiters.removeAll()
    }

    /// The server is (again) accepting requests.
    func serving() { stopping = false }

    func record(_ method: String, chatID: Int64?, status: Int, violated: Bool, bulk: Bool = false) {
        requests.append(EmulatorRequestRecord(method: method, chatID: chatID, at: clock.now, status: status, violatedRetryAfter: violated,
                                              bulk: bulk))
    }

    static func now() -> Int64 { Int64(Date().timeIntervalSince1970) }
}
