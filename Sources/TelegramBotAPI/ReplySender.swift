import Logging
import ServiceLifecycle

/// One Bot API request a handler produced, as committed to the reply outbox.
///
/// The handler never calls Telegram itself: it writes its replies in the same transaction as its state
/// changes and the "update handled" mark, and a `ReplySender` delivers them afterwards. So a failed
/// send is retried as that request, never by running the handler again.
public struct OutgoingReply: Sendable, Hashable {
    /// The outbox row; outcomes are recorded against it.
    public var id: Int64
    /// The chat the request concerns: its replies leave in the order they were produced.
    public var chatID: Int64
    /// The Bot API method, e.g. `sendMessage`.
    public var method: String
    /// The method's parameters as a JSON object.
    public var parameters: JSONValue
    /// An earlier reply whose `message_id`, once sent, fills this request's `message_id` (an edit of a
    /// message produced by the same handler).
    public var messageOf: Int64?
    /// `parameters` serialized, when the outbox already did it (so it is not done twice).
    public var body: [UInt8]?

    /// A reply as written to the outbox.
    public init(id: Int64, chatID: Int64, method: String, parameters: JSONValue, messageOf: Int64? = nil, body: [UInt8]? = nil) {
        self.id = id
        self.chatID = chatID
        self.method = method
        self.parameters = parameters
        self.messageOf = messageOf
        self.body = body
    }
}

/// What became of one outgoing reply.
public struct ReplyOutcome: Sendable, Hashable {
    /// How a reply ended.
    public enum Status: String, Sendable, Hashable {
        /// Telegram accepted it.
        case sent
        /// Telegram refused it for good (400, 403), or transient errors lasted past the deadline.
        case failed
    }

    public var id: Int64
    public var status: Status
    /// The sent message's id, for methods that return a message.
    public var messageID: Int?
    /// Why it failed.
    public var error: String?
    /// How many requests it took.
    public var attempts: Int

    /// An outcome of the reply `id`.
    public init(id: Int64, status: Status, messageID: Int? = nil, error: String? = nil, attempts: Int) {
        self.id = id
        self.status = status
        self.messageID = messageID
        self.error = error
        self.attempts = attempts
    }
}

/// Where replies wait until they are delivered: the reply outbox.
public protocol ReplyStore: Sendable {
    /// Replies committed but never delivered (a crash, a shutdown in a retry), oldest first.
    func undeliveredReplies() async throws -> [OutgoingReply]
    /// Records the outcomes of delivered (or abandoned) replies.
    func record(_ outcomes: [ReplyOutcome]) async throws
    /// The message id of an earlier reply that was sent; nil while it is not.
    func sentMessageID(ofReply id: Int64) async throws -> Int?
}

/// Delivers committed replies: each request is retried on its own after transient errors until a
/// deadline, replies to one chat leave in the order they were produced, and nothing runs a handler again.
///
/// Interactive replies never wait for a global slot: the client sends them at once, holding back only a
/// chat under a 429 or a chat that has had a long run of messages (see `MessagePacer`).
public struct ReplySender: Sendable {
    /// How delivery is retried.
    public struct Configuration: Sendable {
        /// Transient failures (5xx, dropped connections, time-outs, 429) are retried until this long after
        /// the first attempt; then the reply is logged as failed.
        public var deadline: Duration
        /// The waits between attempts.
        public var backoff: Backoff

        /// Retries until `deadline` after the first attempt, waiting `backoff` between attempts.
        public init(deadline: Duration = .seconds(120), backoff: Backoff = Backoff(initial: .milliseconds(200), maximum: .seconds(10))) {
            self.deadline = deadline
            self.backoff = backoff
        }
    }

    private let client: BotAPIClient
    private let store: any ReplyStore
    private let configuration: Configuration
    private let clock: any MonotonicClock
    private let logger: Logger

    /// A sender over `client` (whose own 429 and connection retries are switched off: this sender retries).
    public init(client: BotAPIClient, store: any ReplyStore, configuration: Configuration = Configuration(),
                clock: any MonotonicClock = SystemClock(), logger: Logger) {
        self.client = client.withoutRetries()
        self.store = store
        self.configuration = configuration
        self.clock = clock
        self.logger = logger
    }

    /// Delivers `replies` of one chat in order and records their outcomes. Returns early, leaving the
    /// rest undelivered in the outbox for the next start, when the service is shutting down.
    @discardableResult
    public func deliver(_ replies: [OutgoingReply]) async -> [ReplyOutcome] {
        guard !replies.isEmpty else { return [] }
        var outcomes: [ReplyOutcome] = []
        outcomes.reserveCapacity(replies.count)
        var sentMessages: [Int64: Int] = [:]
        for reply in replies {
            var request = reply
            if let earlier = reply.messageOf {
                guard let messageID = await messageID(ofReply: earlier, known: sentMessages) else {
                    outcomes.append(ReplyOutcome(id: reply.id, status: .failed, error: "the message it refers to was not sent", attempts: 0))
                    continue
                }
                request.parameters = request.parameters.setting("message_id", to: .int(Int64(messageID)))
                request.body = nil
            }
            guard let outcome = await deliver(request) else { break }  // shutting down: left for the next start
            if let messageID = outcome.messageID { sentMessages[reply.id] = messageID }
            outcomes.append(outcome)
        }
        do {
            try await store.record(outcomes)
        } catch {
            // The replies went out; the next start sends them again. Say so rather than hide it.
            logger.error("Could not record delivered replies; they may be sent again after a restart",
                         metadata: ["count": "\(outcomes.count)", "error": "\(error)"])
        }
        return outcomes
    }

    /// Delivers what an earlier run left undelivered, chat by chat in order, chats in parallel.
    /// - Returns: how many replies were found.
    @discardableResult
    public func deliverUndelivered(maxConcurrentChats: Int = 16) async throws -> Int {
        let undelivered = try await store.undeliveredReplies()
        guard !undelivered.isEmpty else { return 0 }
        logger.notice("Delivering replies left undelivered by the last run", metadata: ["count": "\(undelivered.count)"])
        var byChat: [Int64: [OutgoingReply]] = [:]
        var order: [Int64] = []
        for reply in undelivered {
            if byChat[reply.chatID] == nil { order.append(reply.chatID) }
            byChat[reply.chatID, default: []].append(reply)
        }
        await withTaskGroup(of: Void.self) { group in
            var running = 0
            for chat in order {
                if running >= max(1, maxConcurrentChats) {
                    await group.next()
                    running -= 1
                }
                let replies = byChat[chat] ?? []
                group.addTask { await self.deliver(replies) }
                running += 1
            }
        }
        return undelivered.count
    }

    private func messageID(ofReply id: Int64, known: [Int64: Int]) async -> Int? {
        if let messageID = known[id] { return messageID }
        return (try? await store.sentMessageID(ofReply: id)) ?? nil
    }

    /// One reply, retried on transient errors until the deadline; nil when shutdown interrupted it.
    private func deliver(_ reply: OutgoingReply) async -> ReplyOutcome? {
        let started = clock.now
        var attempts = 0
        while true {
            if Task.isShuttingDownGracefully || Task.isCancelled { return nil }
            attempts += 1
            let error: BotAPIError
            do {
                // A chat held by a 429 may wait long: a SIGTERM ends that wait at once, with the reply still in
                // the outbox. The request itself is not cut short once it leaves.
                if client.floodHoldDeadline(.chat(reply.chatID)) != nil {
                    try await cancelWhenGracefulShutdown { [client] in try await client.waitUntilChatIsFree(reply.chatID) }
                }
                let result = try await client.call(reply.method, parameters: reply.parameters, body: reply.body, resultFields: ["message_id"])
                let messageID = result["message_id"]?.int64Value.map { Int($0) }
                return ReplyOutcome(id: reply.id, status: .sent, messageID: messageID, attempts: attempts)
            } catch let failure as BotAPIError {
                error = failure
            } catch {
                return nil  // cancelled by a graceful shutdown before an answer: left undelivered
            }
            if case .transport(let transport) = error, transport.kind == .cancelled { return nil }
            guard error.isTransient else {
                logger.warning("Telegram refused a reply", metadata: [
                    "method": "\(reply.method)", "chat_id": "\(reply.chatID)", "error": "\(error)",
                ])
                return ReplyOutcome(id: reply.id, status: .failed, error: error.description, attempts: attempts)
            }
            let elapsed = clock.now - started
            // A 429 names its own wait (the client holds the chat until then); other faults back off.
            let wait = error.retryAfter.map { Duration.seconds($0) }
                ?? configuration.backoff.delay(afterFailures: attempts - 1, jitter: Double.random(in: 0...1))
            guard elapsed + wait <= configuration.deadline else {
                logger.error("Giving up on a reply after transient errors", metadata: [
                    "method": "\(reply.method)", "chat_id": "\(reply.chatID)", "attempts": "\(attempts)", "error": "\(error)",
                ])
                return ReplyOutcome(id: reply.id, status: .failed, error: "\(error) (gave up after \(attempts) attempts)", attempts: attempts)
            }
            logger.debug("Retrying a reply", metadata: ["method": "\(reply.method)", "chat_id": "\(reply.chatID)", "error": "\(error)"])
            do {
                try await cancelWhenGracefulShutdown { [clock] in try await clock.sleep(for: wait) }
            } catch {
                return nil
            }
        }
    }
}
