import TelegramBotAPI

/// How the emulator presents itself and which of Telegram's limits it enforces.
public struct EmulatorConfiguration: Sendable {
    /// Loopback address to bind.
    public var host: String
    /// Port to bind; 0 picks a free one.
    public var port: Int
    /// The only token accepted; others are answered 401 like Telegram.
    ///
    /// The default has 20+ characters after the colon, like a real token, so that configuration checks
    /// that validate the token's shape accept it too.
    public var token: String
    /// The bot account getMe returns and bot messages come from.
    public var bot: User
    /// Flood limits; `.off` by default so functional tests are not slowed down.
    public var limits: EmulatorLimits

    /// A configuration; the defaults give a loopback server on a free port with limits off.
    public init(host: String = "127.0.0.1", port: Int = 0, token: String = "123456:TEST-TOKEN-abcdefghijklmnop",
                bot: User = User(id: 123_456, isBot: true, firstName: "Lapak", username: "LapakBot"),
                limits: EmulatorLimits = .off) {
        self.host = host
        self.port = port
        self.token = token
        self.bot = bot
        self.limits = limits
    }
}

/// Telegram's flood limits as the emulator applies them to sending and editing methods.
public struct EmulatorLimits: Sendable, Hashable {
    /// Messages per second over all chats (a sliding one-second window); nil for no limit.
    public var globalPerSecond: Double?
    /// Sustained messages per second to one chat; nil for no limit.
    public var perChatPerSecond: Double?
    /// Messages one chat may receive in a burst before the per-chat rate applies.
    public var perChatBurst: Int
    /// The retry_after announced with a 429.
    public var retryAfterSeconds: Int

    /// Limits; nil rates are not enforced.
    public init(globalPerSecond: Double? = nil, perChatPerSecond: Double? = nil, perChatBurst: Int = 3, retryAfterSeconds: Int = 1) {
        self.globalPerSecond = globalPerSecond
        self.perChatPerSecond = perChatPerSecond
        self.perChatBurst = perChatBurst
        self.retryAfterSeconds = retryAfterSeconds
    }

    /// No limits.
    public static let off = EmulatorLimits()
    /// About what Telegram enforces: 30 messages/s overall, 1/s per chat after a burst of 3.
    public static let telegram = EmulatorLimits(globalPerSecond: 30, perChatPerSecond: 1, perChatBurst: 3, retryAfterSeconds: 1)
}

/// A fault the emulator injects into the next requests, for reliability tests.
public enum EmulatorFault: Sendable, Hashable {
    /// An HTTP error such as 502 Bad Gateway, in Telegram's JSON shape.
    case serverError(status: Int)
    /// The connection is closed in the middle of the answer.
    case dropConnection
    /// HTTP 200 with a body that is not JSON.
    case malformedJSON
    /// The answer is delayed by this long.
    case latency(Duration)
    /// 409: another getUpdates request took over.
    case conflictOtherInstance
    /// 429 with this retry_after.
    case tooManyRequests(retryAfter: Int)
}

/// One entry of a chat as both sides saw it.
public struct TranscriptEntry: Sendable, Hashable {
    /// True for messages the bot sent.
    public var fromBot: Bool
    /// The message as it is now (edits applied).
    public var message: Message
    /// When the user sent it or the emulator accepted the bot's request, on the emulator's clock.
    public var at: Duration = .zero
}

/// A Bot API request the emulator answered.
public struct EmulatorRequestRecord: Sendable, Hashable {
    /// The Bot API method, e.g. `sendMessage`.
    public var method: String
    /// The chat the request addressed, when it had a chat_id.
    public var chatID: Int64?
    /// When it arrived, on the emulator's clock.
    public var at: Duration
    /// The HTTP status answered.
    public var status: Int
    /// It arrived while a retry_after announced earlier was still running.
    public var violatedRetryAfter: Bool
}

/// A control action that cannot be done.
public enum EmulatorError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The button pressed is not on the screen.
    case noSuchButton(String)
    /// The awaited messages did not arrive in time.
    case timedOut(String)
    /// The emulator is not running.
    case notRunning

    /// A short English explanation for test failures.
    public var description: String {
        switch self {
        case .noSuchButton(let detail): return "no such button: \(detail)"
        case .timedOut(let detail): return "timed out: \(detail)"
        case .notRunning: return "the emulator is not running"
        }
    }
}
