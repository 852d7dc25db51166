import Synchronization

/// What a 429 holds back: Telegram's answer does not say which limit was hit, so a client holds what the
/// refused request belonged to and nothing else.
///
/// - `chat`: every request carrying that `chat_id` (a message to the chat earned the 429, or any other
///   request to it). Other chats' replies are not held.
/// - `bulk`: the bulk sender (broadcasts). A 429 on any message may have been the broadcasting budget,
///   so it holds bulk as well as the message's chat.
/// - `method`: a request without a chat (getUpdates, getMe, answerCallbackQuery, setMyCommands...) holds
///   only further calls of the same method; a flooded getUpdates does not stop replies, and the reverse.
public enum FloodScope: Sendable, Hashable, CustomStringConvertible {
    /// Requests to one chat.
    case chat(Int64)
    /// Bulk sends (broadcasts).
    case bulk
    /// Chat-less calls of one Bot API method.
    case method(String)

    /// The scope as a metric label: the kind only, since a label per chat would grow without end.
    var metricName: String {
        switch self {
        case .chat: return "chat"
        case .bulk: return "bulk"
        case .method(let name): return "method:" + name
        }
    }

    public var description: String {
        switch self {
        case .chat(let id): return "chat \(id)"
        case .bulk: return "bulk"
        case .method(let name): return name
        }
    }
}

/// The deadlines of the scopes held by 429s, shared by all copies of one client.
final class FloodHolds: Sendable {
    private let state = Mutex<[FloodScope: Duration]>([:])

    /// When `scope` is free again (on the client's clock); `.zero` when it was never held.
    func deadline(_ scope: FloodScope) -> Duration {
        state.withLock { $0[scope] ?? .zero }
    }

    /// The latest deadline among `scopes`.
    func deadline(_ scopes: [FloodScope]) -> Duration {
        state.withLock { holds in scopes.reduce(Duration.zero) { max($0, holds[$1] ?? .zero) } }
    }

    /// Moves the deadline of each scope later, never earlier: a 429 extends a penalty, it does not shorten one.
    func hold(_ scopes: [FloodScope], until deadline: Duration, now: Duration) {
        state.withLock { holds in
            for scope in scopes { holds[scope] = max(holds[scope] ?? .zero, deadline) }
            // Expired holds only cost memory; drop them now and then (chats are many).
            if holds.count > 1024 { holds = holds.filter { $0.value > now } }
        }
    }
}
