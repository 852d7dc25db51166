import Foundation
import Synchronization

/// Where the HTTP server hands webhook POSTs: the path it serves, and the receiver once it runs.
///
/// The server starts before the bot has asked Telegram who it is, so the receiver is attached later;
/// until then (and after a failed start) a POST answers 503 and Telegram sends it again.
public final class WebhookEndpoint: Sendable {
    /// The URL path Telegram posts to, e.g. `/telegram/webhook`.
    public let path: String
    private let receiver = Mutex<WebhookReceiver?>(nil)
    /// Beats on every update accepted and once the webhook is registered (readiness).
    public let heartbeat = Heartbeat()

    /// An endpoint for the path of `url` (`/` when it has none).
    ///
    /// Parsed by `URLComponents`, not by splitting on "/": a user-info part, a port, a query or a fragment
    /// must not end up in the path the server routes.
    public init(url: String) {
        let path = URLComponents(string: url)?.percentEncodedPath ?? ""
        self.path = path.isEmpty ? "/" : path
    }

    /// Makes `receiver` take the POSTs from now on.
    public func attach(_ receiver: WebhookReceiver) {
        self.receiver.withLock { $0 = receiver }
    }

    /// Hands a POST to the receiver; 503 while none is attached.
    public func receive(body: [UInt8], secretToken: String?) async -> WebhookReceiver.Answer {
        guard let receiver = receiver.withLock({ $0 }) else { return .unavailable }
        let answer = await receiver.receive(body: body, secretToken: secretToken)
        if answer == .accepted { heartbeat.beat() }
        return answer
    }
}
