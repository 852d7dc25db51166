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
///
/// The model, each limit answered with a 429 scoped to what it enforces (`FloodScope`):
/// - **Bulk budget** (`globalPerSecond`, scope `.bulk`): a new message (`send*`) to a chat that has not
///   sent the bot an update in the last `replyWindowSeconds` is a bulk notification. It is refused when
///   the messages of the last second (bulk and replies alike) already reached `globalPerSecond`. Replies
///   are counted in that window but never refused by it, as Telegram lets bots answer far more than 30
///   users a second.
/// - **Per chat** (`perChatPerSecond`, `perChatBurst`, scope `.chat`): a token bucket per chat, for
///   replies and bulk alike.
/// - **Per group** (`perGroupPerMinute`, scope `.chat`): messages in the last minute to a group or
///   channel (a negative chat id).
///
/// After a 429 the refused request's scope is under penalty for retry_after: a request of that scope
/// (the same chat; any bulk send; for chat-less methods the same method) arriving before it ends is
/// refused again and recorded as a flood violation. Requests of other scopes are not affected.
public struct EmulatorLimits: Sendable, Hashable {
    /// Messages per second across chats once bulk sends are involved (a sliding one-second window of bulk
    /// plus replies; only bulk sends are refused); nil for no limit.
    public var globalPerSecond: Double?
    /// Sustained messages per second to one chat; nil for no limit.
    public var perChatPerSecond: Double?
    /// Messages one chat may receive in a burst before the per-chat rate applies.
    public var perChatBurst: Int
    /// Messages a group (negative chat id) may receive in a sliding minute; nil for no limit.
    public var perGroupPerMinute: Int?
    /// A message to a chat that sent an update within this many seconds is a reply, not bulk.
    public var replyWindowSeconds: Double
    /// The retry_after announced with a 429.
    public var retryAfterSeconds: Int

    /// Limits; nil rates are not enforced.
    public init(globalPerSecond: Double? = nil, perChatPerSecond: Double? = nil, perChatBurst: Int = 3, retryAfterSeconds: Int = 1,
                perGroupPerMinute: Int? = nil, replyWindowSeconds: Double = 60) {
        self.globalPerSecond = globalPerSecond
        self.perChatPerSecond = perChatPerSecond
        self.perChatBurst = perChatBurst
        self.perGroupPerMinute = perGroupPerMinute
        self.replyWindowSeconds = replyWindowSeconds
        self.retryAfterSeconds = retryAfterSeconds
    }

    /// No limits.
    public static let off = EmulatorLimits()
    /// About what Telegram enforces: bulk within 30 messages/s counting replies, 1/s per chat after a burst
    /// of 3, 20 a minute per group.
    public static let telegram = EmulatorLimits(globalPerSecond: 30, perChatPerSecond: 1, perChatBurst: 3, retryAfterSeconds: 1,
                                                perGroupPerMinute: 20)
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
    /// It arrived while a retry_after announced earlier for its scope (its chat, bulk, or its method)
    /// was still running.
    public var violatedRetryAfter: Bool
    /// It was a new message to a chat that had not written to the bot lately: a bulk notification.
    public var bulk: Bool = false
}

/// A control action that cannot be done.
public enum EmulatorError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The button pressed is not on the screen.
    case noSuchButton(String)
    /// The awaited messages did not arrive in time.
    case timedOut(String)
    /// The emulator is not running.
    case notRunning
    /// Another program listens on the port the emulator was to listen on.
    case portInUse(host: String, port: Int)

    /// A short English explanation for test failures.
    public var description: String {
        switch self {
        case .noSuchButton(let detail): return "no such button: \(detail)"
        case .timedOut(let detail): return "timed out: \(detail)"
        case .notRunning: return "the emulator is not running"
        case .portInUse(let host, let port): return "port \(port) on \(host) is already in use (another emulator? --port picks another, 0 a free one)"
        }
    }
}
