import Logging
import Synchronization

/// A Telegram Bot API client: one async method per Bot API method Lapak uses.
///
/// The token lives only inside the request URL, which is never logged; errors carry the method name
/// and Telegram's description instead.
///
/// A 429 holds only what it concerns (`FloodScope`): a message's 429 holds its chat and the bulk sender,
/// a chat-less method's 429 holds that method. Other citizens' replies keep going. Holds are shared by
/// every copy of the client (`forBulkSending()`), and no request of a held scope goes out before its
/// `retry_after` has passed, retries included.
///
/// Message methods of the interactive client never wait for a global slot: with a pacer they are
/// recorded in it (so broadcasts leave room for them) and wait only for their own chat's spacing.
public struct BotAPIClient: Sendable {
    /// How calls are retried before an error reaches the caller.
    public struct RetryPolicy: Sendable {
        /// How often one call may be retried after 429 Too Many Requests (each retry waits out the hold).
        public var maxFloodRetries: Int
        /// How often one call may be retried when no connection could be made (nothing was sent).
        public var maxConnectRetries: Int
        /// The first wait after a failed connection; doubled each time.
        public var connectBackoff: Duration

        public init(maxFloodRetries: Int = 3, maxConnectRetries: Int = 2, connectBackoff: Duration = .milliseconds(250)) {
            self.maxFloodRetries = maxFloodRetries
            self.maxConnectRetries = maxConnectRetries
            self.connectBackoff = connectBackoff
        }

        /// Every error goes straight to the caller (the poller has its own policy).
        public static let none = RetryPolicy(maxFloodRetries: 0, maxConnectRetries: 0)
    }

    private let methodPrefix: String
    /// The Bot API server (without the token), for messages that tell an operator what to check.
    public let apiURL: String
    private let transport: any HTTPTransport
    private let clock: any MonotonicClock
    private let holds: FloodHolds
    private let logger: Logger
    /// The limit for ordinary (not long-polling) calls.
    public let requestTimeout: Duration
    public private(set) var retryPolicy: RetryPolicy
    /// Paces outgoing messages: every message of the interactive client is recorded as a reply (per-chat
    /// spacing only); the bulk copy (`forBulkSending()`) sends at the bulk slots its caller reserved.
    public let pacer: MessagePacer?
    /// True for the bulk copy: its messages were paced by the caller and wait for the bulk hold.
    public private(set) var isBulkSender = false

    /// The methods that put a message in a chat and count against Telegram's message limits.
    static let messageMethods: Set<String> = ["sendMessage", "sendLocation", "sendVenue", "sendPhoto", "sendDocument", "copyMessage",
                                              "forwardMessage", "editMessageText", "editMessageReplyMarkup", "sendContact"]

    /// Creates a client for the bot with `token` at `apiURL` (default Telegram's own server).
    public init(token: String, apiURL: String = "https://api.telegram.org", transport: any HTTPTransport,
                clock: any MonotonicClock = SystemClock(), requestTimeout: Duration = .seconds(30),
                retryPolicy: RetryPolicy = RetryPolicy(), pacer: MessagePacer? = nil, logger: Logger) {
        self.pacer = pacer
        var base = apiURL
        while base.hasSuffix("/") { base.removeLast() }
        self.apiURL = base
        self.methodPrefix = "\(base)/bot\(token)/"
        self.transport = transport
        self.clock = clock
        self.holds = FloodHolds()
        self.requestTimeout = requestTimeout
        self.retryPolicy = retryPolicy
        self.logger = logger
    }

    /// The same client (same connection pool, same flood holds) for a bulk sender that reserves its own
    /// pacer slots: its sends are not recorded again as replies, and they wait while bulk is held.
    ///
    /// It does not retry a 429 by itself either: the bulk sender reschedules the message and shifts its
    /// pacing past `retry_after`, so the sends waiting behind the hold do not leave in one burst.
    public func forBulkSending() -> BotAPIClient {
        var copy = self
        copy.isBulkSender = true
        copy.retryPolicy.maxFloodRetries = 0
        return copy
    }

    /// The same client with its own retries switched off, for a caller that retries each request itself
    /// (the reply sender, with a deadline).
    public func withoutRetries() -> BotAPIClient {
        var copy = self
        copy.retryPolicy = .none
        return copy
    }

    /// Until when (on the client's clock) requests of `scope` wait because of a 429; nil when not held.
    public func floodHoldDeadline(_ scope: FloodScope) -> Duration? {
        let deadline = holds.deadline(scope)
        return deadline > clock.now ? deadline : nil
    }

    /// Until when (on the client's clock) bulk sending waits because of a 429; nil when not held.
    ///
    /// Kept from the single flood gate this client used to have: only bulk is held by every message's 429.
    public var floodWaitDeadline: Duration? { floodHoldDeadline(.bulk) }

    /// The scope a request is held by and holds after a 429: its chat, or its method when it has none
    /// (a `chat_id` given as an `@username` string counts as none).
    public static func floodScope(method: String, parameters: JSONValue) -> FloodScope {
        if let chatID = parameters["chat_id"]?.int64Value { return .chat(chatID) }
        return .method(method)
    }

    /// Calls `method` with `parameters` (a JSON object) and returns Telegram's `result`.
    ///
    /// Waits while the request's scope (its `chat_id`, or the method) is held by a 429; a message of the
    /// interactive client then waits only for its chat's spacing in the pacer, never for a global slot.
    /// A 429 holds the scope (and bulk, for messages) and is retried up to `maxFloodRetries` times after
    /// the hold; after that it surfaces as `BotAPIError.rejected` with `retryAfter`.
    /// - Parameter resultFields: when the caller needs only some fields of an object result (the reply
    ///   sender needs a sent message's `message_id`), only those are converted from the answer.
    /// - Parameter body: `parameters` already serialized, when the caller has them so (the reply outbox
    ///   stores each reply's JSON once).
    public func call(_ method: String, parameters: JSONValue = .object([:]), body serializedBody: [UInt8]? = nil, timeout: Duration? = nil,
                     resultFields: Set<String>? = nil) async throws(BotAPIError) -> JSONValue {
        var floodRetries = 0
        var connectRetries = 0
        let body = serializedBody ?? parameters.serialized()
        let isMessage = Self.messageMethods.contains(method)
        let scope = Self.floodScope(method: method, parameters: parameters)
        // The bulk copy's messages also wait for bulk: a broadcast 429 may be the broadcasting budget.
        let waitsFor: [FloodScope] = isBulkSender && isMessage ? [scope, .bulk] : [scope]
        while true {
            do {
                try await waitForHolds(waitsFor)
                if !isBulkSender, isMessage, let pacer {
                    try await waitForReplySlot(pacer, chatID: parameters["chat_id"]?.int64Value)
                    // A 429 to this chat may have arrived while it waited for its spacing.
                    try await waitForHolds(waitsFor)
                }
                return try await callOnce(method, body: body, timeout: timeout ?? requestTimeout, resultFields: resultFields)
            } catch let error {
                if error.errorCode == 429 { hold(after: error, scope: scope, isMessage: isMessage) }
                if let retryAfter = error.retryAfter, floodRetries < retryPolicy.maxFloodRetries {
                    floodRetries += 1
                    logger.warning("Telegram asked to slow down", metadata: [
                        "method": "\(method)", "scope": "\(scope)", "retry_after": "\(retryAfter)",
                    ])
                    continue
                }
                if case .transport(let transportError) = error, transportError.kind == .connectionFailed,
                   connectRetries < retryPolicy.maxConnectRetries
                {
                    let wait = retryPolicy.connectBackoff * (1 << connectRetries)
                    connectRetries += 1
                    do { try await clock.sleep(for: wait) } catch { throw .transport(.cancelledByTask) }
                    continue
                }
                throw error
            }
        }
    }

    /// Waits for the reply's own chat spacing (usually none); the pacer records it so broadcasts leave room.
    private func waitForReplySlot(_ pacer: MessagePacer, chatID: Int64?) async throws(BotAPIError) {
        let slot = pacer.reserveReplySlot(chatID: chatID)
        do { try await pacer.wait(until: slot) } catch { throw .transport(.cancelledByTask) }
    }

    /// Holds what a 429 concerns: the request's scope and, for a message, bulk sending too (the answer does
    /// not say whether the broadcasting budget was hit). The pacer stops handing out slots meanwhile.
    private func hold(after error: BotAPIError, scope: FloodScope, isMessage: Bool) {
        let now = clock.now
        let wait = Duration.seconds(max(1, error.retryAfter ?? 1))
        BotAPIMetrics.recordFloodWait(scope: scope.metricName, retryAfter: max(1, error.retryAfter ?? 1))
        holds.hold(isMessage ? [scope, .bulk] : [scope], until: now + wait, now: now)
        if case .chat(let chatID) = scope { pacer?.holdChat(chatID, for: wait) }
        if isMessage { pacer?.holdBulk(for: wait) }
    }

    /// Waits until no 429 holds bulk sending (returns at once when none does); cancellable.
    ///
    /// The bulk sender calls it before each send. Replies do not hold bulk unless they earned a 429.
    public func waitUntilFloodGateOpens() async throws(BotAPIError) {
        try await waitForHolds([.bulk])
    }

    /// Waits until no 429 holds requests to `chatID` (returns at once when none does); cancellable.
    ///
    /// For a reply sender that wants to keep a chat's queue parked during its retry_after rather than
    /// inside `call`. Other chats are never held by this chat's 429.
    public func waitUntilChatIsFree(_ chatID: Int64) async throws(BotAPIError) {
        try await waitForHolds([.chat(chatID)])
    }

    private func waitForHolds(_ scopes: [FloodScope]) async throws(BotAPIError) {
        // Loop: another call's 429 may push the deadline further while we sleep.
        while true {
            let deadline = holds.deadline(scopes)
            guard deadline > clock.now else { return }
            do { try await clock.sleep(until: deadline) } catch { throw .transport(.cancelledByTask) }
        }
    }

    private func callOnce(_ method: String, body: [UInt8], timeout: Duration, resultFields: Set<String>?) async throws(BotAPIError) -> JSONValue {
        if Task.isCancelled { throw .transport(.cancelledByTask) }
        let response: HTTPResponse
        do {
            response = try await transport.post(HTTPRequest(url: methodPrefix + method, body: body, timeout: timeout))
        } catch {
            logger.debug("Bot API call failed", metadata: ["method": "\(method)", "error": "\(error)"])
            BotAPIMetrics.recordCall(method, outcome: "network")
            throw .transport(error)
        }
        let answer: JSONValue
        do {
            answer = try JSONValue.parse(response.body, resultFields: resultFields)
        } catch {
            throw .invalidResponse(method: method, httpStatus: response.status, reason: error.description)
        }
        guard let ok = answer["ok"]?.boolValue else {
            throw .invalidResponse(method: method, httpStatus: response.status, reason: "no \"ok\" field")
        }
        if ok {
            logger.trace("Bot API call succeeded", metadata: ["method": "\(method)"])
            BotAPIMetrics.recordCall(method, outcome: "ok")
            return answer["result"] ?? .null
        }
        let parameters = answer["parameters"].flatMap { try? ResponseParameters(json: $0) }
        let error = TelegramError(
            method: method,
            errorCode: answer["error_code"]?.int64Value.map { Int($0) } ?? response.status,
            errorDescription: answer["description"]?.stringValue ?? "no description",
            retryAfter: parameters?.retryAfter,
            migrateToChatID: parameters?.migrateToChatID
        )
        logger.debug("Bot API call rejected", metadata: ["method": "\(method)", "error_code": "\(error.errorCode)", "description": "\(error.errorDescription)"])
        BotAPIMetrics.recordCall(method, outcome: String(error.errorCode))
        throw .rejected(error)
    }

    /// Calls `method` and reads its result as `T`.
    func call<T: JSONDecodable>(_ method: String, parameters: JSONValue, as type: T.Type, timeout: Duration? = nil) async throws(BotAPIError) -> T {
        let result = try await call(method, parameters: parameters, timeout: timeout)
        do { return try T(json: result) } catch {
            throw .invalidResponse(method: method, httpStatus: 200, reason: "result: \(error.description)")
        }
    }
}

extension TransportError {
    /// The calling task was cancelled.
    static let cancelledByTask = TransportError(kind: .cancelled, message: "the calling task was cancelled")
}

// The client holds the token in its request prefix. Anything that prints it (a ServiceGroup logging
// its services, string interpolation, a debugger) sees this redacted form instead.
extension BotAPIClient: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String { "BotAPIClient(token: <redacted>)" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: ["token": "<redacted>"]) }
}
