import Logging
import Synchronization

/// A Telegram Bot API client: one async method per Bot API method Lapak uses.
///
/// The token lives only inside the request URL, which is never logged; errors carry the method name
/// and Telegram's description instead. A 429 answer closes a flood gate shared by every call of this
/// client, so no request of any kind goes out before `retry_after` has passed.
public struct BotAPIClient: Sendable {
    /// How calls are retried before an error reaches the caller.
    public struct RetryPolicy: Sendable {
        /// How often one call may be retried after 429 Too Many Requests.
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
    private let floodGate: FloodGate
    private let logger: Logger
    /// The limit for ordinary (not long-polling) calls.
    public let requestTimeout: Duration
    public private(set) var retryPolicy: RetryPolicy
    /// Paces outgoing messages: every message this client sends takes an interactive slot, unless this is
    /// the bulk copy (`forBulkSending()`), whose caller reserves bulk slots itself.
    public let pacer: MessagePacer?
    private var recordsInteractiveSends = true

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
        self.floodGate = FloodGate()
        self.requestTimeout = requestTimeout
        self.retryPolicy = retryPolicy
        self.logger = logger
    }

    /// The same client (same connection pool, same flood gate) for a bulk sender that reserves its own
    /// pacer slots: its sends are not recorded again as interactive.
    ///
    /// It does not retry a 429 by itself either: the bulk sender reschedules the message and shifts its
    /// pacing past `retry_after`, so the sends waiting behind the gate do not leave in one burst.
    public func forBulkSending() -> BotAPIClient {
        var copy = self
        copy.recordsInteractiveSends = false
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

    /// Until when (on the client's clock) every request waits because of a 429; nil when open.
    public var floodWaitDeadline: Duration? {
        let deadline = floodGate.deadline
        return deadline > clock.now ? deadline : nil
    }

    /// Calls `method` with `parameters` (a JSON object) and returns Telegram's `result`.
    public func call(_ method: String, parameters: JSONValue = .object([:]), timeout: Duration? = nil) async throws(BotAPIError) -> JSONValue {
        var floodRetries = 0
        var connectRetries = 0
        let body = parameters.serialized()
        while true {
            do {
                try await waitForFloodGate()
                if recordsInteractiveSends, let pacer, Self.messageMethods.contains(method) {
                    try await waitForInteractiveSlot(pacer, chatID: parameters["chat_id"]?.int64Value)
                }
                return try await callOnce(method, body: body, timeout: timeout ?? requestTimeout)
            } catch let error {
                if let retryAfter = error.retryAfter, floodRetries < retryPolicy.maxFloodRetries {
                    floodRetries += 1
                    logger.warning("Telegram asked to slow down", metadata: ["method": "\(method)", "retry_after": "\(retryAfter)"])
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

    /// Replies take the next slot, ahead of broadcasts: usually now, at most a few slots away.
    private func waitForInteractiveSlot(_ pacer: MessagePacer, chatID: Int64?) async throws(BotAPIError) {
        let slot = pacer.reserveInteractiveSlot(chatID: chatID)
        do { try await pacer.wait(until: slot) } catch { throw .transport(.cancelledByTask) }
    }

    /// Waits until no 429 holds requests back (returns at once when none does); cancellable.
    public func waitUntilFloodGateOpens() async throws(BotAPIError) {
        try await waitForFloodGate()
    }

    private func waitForFloodGate() async throws(BotAPIError) {
        // Loop: another call's 429 may push the deadline further while we sleep.
        while true {
            let deadline = floodGate.deadline
            guard deadline > clock.now else { return }
            do { try await clock.sleep(until: deadline) } catch { throw .transport(.cancelledByTask) }
        }
    }

    private func callOnce(_ method: String, body: [UInt8], timeout: Duration) async throws(BotAPIError) -> JSONValue {
        if Task.isCancelled { throw .transport(.cancelledByTask) }
        let response: HTTPResponse
        do {
            response = try await transport.post(HTTPRequest(url: methodPrefix + method, body: body, timeout: timeout))
        } catch {
            logger.debug("Bot API call failed", metadata: ["method": "\(method)", "error": "\(error)"])
            throw .transport(error)
        }
        let answer: JSONValue
        do {
            answer = try JSONValue.parse(response.body)
        } catch {
            throw .invalidResponse(method: method, httpStatus: response.status, reason: error.description)
        }
        guard let ok = answer["ok"]?.boolValue else {
            throw .invalidResponse(method: method, httpStatus: response.status, reason: "no \"ok\" field")
        }
        if ok {
            logger.trace("Bot API call succeeded", metadata: ["method": "\(method)"])
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
        if error.errorCode == 429 {
            let wait = Duration.seconds(max(1, error.retryAfter ?? 1))
            floodGate.close(until: clock.now + wait)
            pacer?.holdBulk(for: wait)
        }
        logger.debug("Bot API call rejected", metadata: ["method": "\(method)", "error_code": "\(error.errorCode)", "description": "\(error.errorDescription)"])
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

/// The deadline before which no request may go out, shared by all copies of one client.
final class FloodGate: Sendable {
    private let state = Mutex<Duration>(.zero)

    var deadline: Duration { state.withLock { $0 } }

    /// Moves the deadline later, never earlier: a 429 extends a penalty, it does not shorten one.
    func close(until deadline: Duration) {
        state.withLock { $0 = max($0, deadline) }
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
