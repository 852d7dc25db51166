import Logging
import ServiceLifecycle
import Synchronization

/// Webhook mode as a `Service`: registers the webhook with Telegram, then handles the updates Telegram
/// posts to it.
///
/// An HTTP server (outside this module) hands each POST to `receive(body:secretToken:)`. An update is
/// answered 200 only after it is committed to the inbox, so a crash before that makes Telegram send it
/// again, and a duplicate (the same update_id) is acknowledged without being handled twice. Handling
/// then goes through the same per-chat workers as long polling.
public struct WebhookReceiver: Service {
    /// How the webhook is registered and served.
    public struct Configuration: Sendable {
        /// The public HTTPS URL Telegram posts to (the path is served by this process).
        public var url: String
        /// Telegram sends it in `X-Telegram-Bot-Api-Secret-Token`; anything else is refused with 401.
        public var secretToken: String
        /// Telegram's simultaneous connections to the webhook, 1–100.
        public var maxConnections: Int
        /// The update kinds to receive.
        public var allowedUpdates: [String]?
        /// How many updates (of different chats) are handled at once.
        public var maxConcurrentHandlers: Int
        /// A POST waits (and Telegram holds back) while this many updates wait for a handler.
        public var maxPendingUpdates: Int
        /// Backoff while setWebhook fails at start.
        public var backoff: Backoff
        /// Beaten once the webhook is registered, for readiness.
        public var heartbeat: Heartbeat?

        /// A configuration; the secret is required, since without it anyone who learns the URL can post updates.
        public init(url: String, secretToken: String, maxConnections: Int = 40,
                    allowedUpdates: [String]? = ["message", "edited_message", "callback_query"],
                    maxConcurrentHandlers: Int = 16, maxPendingUpdates: Int = 1000, backoff: Backoff = Backoff(), heartbeat: Heartbeat? = nil) {
            self.heartbeat = heartbeat
            self.url = url
            self.secretToken = secretToken
            self.maxConnections = min(max(maxConnections, 1), 100)
            self.allowedUpdates = allowedUpdates
            self.maxConcurrentHandlers = max(1, maxConcurrentHandlers)
            self.maxPendingUpdates = max(1, maxPendingUpdates)
            self.backoff = backoff
        }
    }

    /// What the HTTP server answers Telegram.
    public enum Answer: Sendable, Hashable {
        /// 200: stored (or already stored before).
        case accepted
        /// 401: the secret header is missing or wrong.
        case unauthorized
        /// 400: the body is not an update; Telegram would only resend the same bytes, so it is not retried.
        case malformed(String)
        /// 503: shutting down or the inbox is unavailable; Telegram retries, perhaps on another worker.
        case unavailable

        /// The HTTP status for this answer.
        public var status: Int {
            switch self {
            case .accepted: 200
            case .unauthorized: 401
            case .malformed: 400
            case .unavailable: 503
            }
        }
    }

    private let client: BotAPIClient
    private let workers: UpdateWorkers
    private let configuration: Configuration
    private let clock: any MonotonicClock
    private let logger: Logger
    private let accepting = AcceptingFlag()

    /// A receiver storing updates in `inbox` and handling them with `handler`.
    public init(client: BotAPIClient, inbox: any UpdateInbox, handler: any UpdateHandler, configuration: Configuration,
                clock: any MonotonicClock = SystemClock(), logger: Logger) {
        self.client = client
        self.workers = UpdateWorkers(inbox: inbox, handler: handler, logger: logger)
        self.configuration = configuration
        self.clock = clock
        self.logger = logger
    }

    /// Updates whose handling finished since start.
    public var handledCount: Int { workers.handledCount }

    /// Takes one POST from Telegram: checks the secret in constant time, stores the update, queues it.
    public func receive(body: [UInt8], secretToken: String?) async -> Answer {
        guard let secretToken, WebhookSecret.matches(secretToken, configuration.secretToken) else { return .unauthorized }
        guard accepting.value.load(ordering: .relaxed) else { return .unavailable }
        let update: Update
        do {
            update = try Update(json: JSONValue.parse(body))
        } catch {
            logger.error("Refusing a webhook body that is not an update", metadata: ["error": "\(error)", "bytes": "\(body.count)"])
            return .malformed("\(error)")
        }
        // Backpressure: Telegram's connections wait here rather than the queue growing without bound.
        await workers.dispatcher.waitForCapacity(below: configuration.maxPendingUpdates)
        do {
            let fresh = try await workers.inbox.accept([update], nextOffset: update.updateID + 1)
            for update in fresh { await workers.dispatch(update) }
            return .accepted
        } catch {
            logger.error("Could not store a webhook update; Telegram will send it again", metadata: ["update_id": "\(update.updateID)", "error": "\(error)"])
            return .unavailable
        }
    }

    public func run() async throws {
        // Read before setWebhook: an update Telegram posts once the webhook is set is queued by `receive`, and
        // would otherwise be read here as unfinished and queued a second time.
        let unfinished = try await workers.inbox.unfinishedUpdates()
        guard try await register() else { return }
        configuration.heartbeat?.beat()
        if !unfinished.isEmpty {
            logger.notice("Resuming updates left unfinished by the last run", metadata: ["count": "\(unfinished.count)"])
        }
        logger.info("Receiving updates by webhook", metadata: ["max_connections": "\(configuration.maxConnections)"])
        await withDiscardingTaskGroup { group in
            for _ in 0..<configuration.maxConcurrentHandlers {
                group.addTask { await workers.work() }
            }
            for update in unfinished { await workers.dispatch(update) }
            // Until SIGTERM: then new POSTs get 503 (Telegram retries them, perhaps on another worker) and
            // the updates already stored but not started stay in the inbox for the next start.
            try? await gracefulShutdown()
            accepting.value.store(false, ordering: .relaxed)
            let left = await workers.dispatcher.close()
            if left > 0 { logger.info("Leaving queued updates in the inbox for the next start", metadata: ["count": "\(left)"]) }
        }
        logger.info("Webhook stopped", metadata: ["handled": "\(handledCount)"])
    }

    /// setWebhook with the secret, the update kinds and the connection limit; retried while Telegram is
    /// unreachable. Returns false when shut down first.
    private func register() async throws -> Bool {
        var failures = 0
        while !Task.isShuttingDownGracefully {
            do {
                try await client.setWebhook(url: configuration.url, secretToken: configuration.secretToken,
                                            maxConnections: configuration.maxConnections, allowedUpdates: configuration.allowedUpdates)
                return true
            } catch {
                if case .rejected(let telegramError) = error, telegramError.errorCode != 429, telegramError.errorCode < 500 {
                    throw WebhookError.refused(telegramError)
                }
                let delay = configuration.backoff.delay(afterFailures: failures, jitter: Double.random(in: 0...1))
                failures += 1
                logger.warning("setWebhook failed; retrying", metadata: ["error": "\(error)", "retry_in_ms": "\(delay.milliseconds)"])
                do { try await cancelWhenGracefulShutdown { try await clock.sleep(for: delay) } } catch { return false }
            }
        }
        return false
    }
}

/// Whether new POSTs are still taken (false once shutdown began); a class, since Atomic cannot be copied.
private final class AcceptingFlag: Sendable {
    let value = Atomic<Bool>(true)
}

/// A reason webhook mode cannot start.
public enum WebhookError: Error, Sendable, CustomStringConvertible {
    /// Telegram refused setWebhook (a bad URL, port or secret).
    case refused(TelegramError)

    public var description: String {
        switch self {
        case .refused(let error):
            "Telegram refused the webhook (\(error.errorCode) \(error.errorDescription)); check telegram.webhook_url and telegram.webhook_secret"
        }
    }
}

/// Compares webhook secrets in constant time.
public enum WebhookSecret {
    /// True when `given` equals `expected`; the time taken depends only on the lengths, so the secret
    /// cannot be guessed byte by byte from how fast wrong guesses are refused.
    public static func matches(_ given: String, _ expected: String) -> Bool {
        let a = Array(given.utf8)
        let b = Array(expected.utf8)
        var difference = UInt8(truncatingIfNeeded: a.count ^ b.count)
        for index in 0..<max(a.count, b.count) {
            let x = index < a.count ? a[index] : 0
            let y = index < b.count ? b[index] : 0
            difference |= x ^ y
        }
        return difference == 0 && a.count == b.count
    }
}
