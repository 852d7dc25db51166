import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// The long-polling loop as a `Service`: receive, store, dispatch, confirm.
///
/// Each batch is stored in the `UpdateInbox` with the next offset before it is handled, so the offset
/// Telegram sees only moves past updates that are safe on disk. Updates of one chat are handled in
/// order, different chats concurrently. Errors never stop the loop unless they are fatal (a rejected
/// token, a webhook in the way): 429 waits `retry_after`, 5xx and network faults back off with jitter.
public struct LongPoller: Service {
    /// How the poller polls.
    public struct Configuration: Sendable {
        /// Seconds Telegram holds a getUpdates request open when there is nothing to deliver.
        public var pollTimeout: Int
        /// Updates per getUpdates answer, 1...100.
        public var batchLimit: Int
        /// The update kinds to receive; nil keeps Telegram's last setting.
        public var allowedUpdates: [String]?
        /// How many updates (of different chats) are handled at once.
        public var maxConcurrentHandlers: Int
        /// Polling pauses while this many updates wait for a handler.
        public var maxPendingUpdates: Int
        /// Backoff after errors.
        public var backoff: Backoff
        /// On 409 "webhook is active", delete the webhook and go on instead of stopping.
        public var deleteWebhookOnConflict: Bool
        /// Beaten after every getUpdates that succeeded, for readiness.
        public var heartbeat: Heartbeat?

        public init(pollTimeout: Int = 50, batchLimit: Int = 100,
                    allowedUpdates: [String]? = ["message", "edited_message", "callback_query"],
                    maxConcurrentHandlers: Int = 16, maxPendingUpdates: Int = 1000, backoff: Backoff = Backoff(),
                    deleteWebhookOnConflict: Bool = false, heartbeat: Heartbeat? = nil) {
            self.heartbeat = heartbeat
            self.pollTimeout = pollTimeout
            self.batchLimit = batchLimit
            self.allowedUpdates = allowedUpdates
            self.maxConcurrentHandlers = max(1, maxConcurrentHandlers)
            self.maxPendingUpdates = max(1, maxPendingUpdates)
            self.backoff = backoff
            self.deleteWebhookOnConflict = deleteWebhookOnConflict
        }
    }

    private let client: BotAPIClient
    private let inbox: any UpdateInbox
    private let workers: UpdateWorkers
    private let configuration: Configuration
    private let clock: any MonotonicClock
    private let logger: Logger

    public init(client: BotAPIClient, inbox: any UpdateInbox, handler: any UpdateHandler,
                configuration: Configuration = Configuration(), clock: any MonotonicClock = SystemClock(), logger: Logger) {
        self.client = client
        self.inbox = inbox
        self.workers = UpdateWorkers(inbox: inbox, handler: handler, logger: logger)
        self.configuration = configuration
        self.clock = clock
        self.logger = logger
    }

    /// Updates whose handling finished since start.
    public var handledCount: Int { workers.handledCount }

    public func run() async throws {
        let dispatcher = workers.dispatcher
        var offset = try await inbox.nextOffset()
        let unfinished = try await inbox.unfinishedUpdates()
        if !unfinished.isEmpty {
            logger.notice("Resuming updates left unfinished by the last run", metadata: ["count": "\(unfinished.count)"])
        }
        logger.info("Polling for updates", metadata: ["offset": "\(offset.map(String.init) ?? "none")"])

        try await withThrowingDiscardingTaskGroup { group in
            for _ in 0..<configuration.maxConcurrentHandlers {
                group.addTask { await workers.work() }
            }
            for update in unfinished { await workers.dispatch(update) }
            do {
                try await pollUntilShutdown(offset: &offset, dispatcher: dispatcher)
            } catch {
                await dispatcher.close()
                throw error
            }
            let left = await dispatcher.close()
            if left > 0 {
                logger.info("Leaving queued updates in the inbox for the next start", metadata: ["count": "\(left)"])
            }
        }
        await confirmOffset(offset)
        logger.info("Polling stopped", metadata: ["handled": "\(handledCount)"])
    }

    private func pollUntilShutdown(offset: inout Int64?, dispatcher: UpdateDispatcher) async throws {
        var failures = 0
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            await dispatcher.waitForCapacity(below: configuration.maxPendingUpdates)
            let batch: UpdateBatch
            do {
                let currentOffset = offset
                batch = try await cancelWhenGracefulShutdown {
                    try await client.getUpdates(offset: currentOffset, limit: configuration.batchLimit,
                                                timeout: configuration.pollTimeout, allowedUpdates: configuration.allowedUpdates)
                }
                failures = 0
                configuration.heartbeat?.beat()
                Self.recordLag(of: batch.updates)
            } catch let error as BotAPIError {
                if Task.isShuttingDownGracefully || Task.isCancelled { return }
                try await recover(from: error, failures: &failures)
                continue
            } catch {
                // Cancellation by graceful shutdown.
                return
            }

            for entry in batch.malformed {
                logger.error("Skipping a malformed update", metadata: [
                    "update_id": "\(entry.updateID.map(String.init) ?? "unknown")", "reason": "\(entry.error)",
                ])
            }
            guard let highest = batch.highestUpdateID else { continue }
            let next = highest + 1
            let fresh = try await inbox.accept(batch.updates, nextOffset: next)
            offset = next
            for update in fresh { await workers.dispatch(update) }
        }
    }

    /// Records how long the oldest message of a batch waited at Telegram (its date has whole seconds).
    private static func recordLag(of updates: [Update]) {
        let dates = updates.compactMap { update -> Int64? in
            switch update.content {
            case .message(let message), .editedMessage(let message): return message.editDate ?? message.date
            case .callbackQuery, .unhandled: return nil
            }
        }
        guard let oldest = dates.min() else { return BotAPIMetrics.recordPollLag(seconds: 0) }
        BotAPIMetrics.recordPollLag(seconds: max(0, Date().timeIntervalSince1970 - Double(oldest)))
    }

    /// Decides what an error of getUpdates means: wait, fix, or stop.
    private func recover(from error: BotAPIError, failures: inout Int) async throws {
        if case .rejected(let telegramError) = error {
            switch telegramError.errorCode {
            case 401, 404:
                throw PollingError.tokenRejected(telegramError)
            case 409 where telegramError.conflict == .webhookActive:
                guard configuration.deleteWebhookOnConflict else { throw PollingError.webhookActive(telegramError) }
                logger.warning("A webhook is set for this bot; deleting it to use long polling (telegram.delete_webhook is on)")
                _ = try? await client.deleteWebhook()
                return
            case 409:
                logger.error("Another instance is polling with the same token: terminated by other getUpdates request. Make sure only one Lapak runs for this bot; retrying with backoff.")
            case 429:
                // The client's flood gate already holds every request until retry_after passes.
                return
            default:
                break
            }
        }
        let delay = configuration.backoff.delay(afterFailures: failures, jitter: Double.random(in: 0...1))
        failures += 1
        if case .transport = error {
            logger.warning("cannot reach \(client.apiURL) (telegram.api_url / LAPAK_TELEGRAM_API_URL); retrying",
                           metadata: ["error": "\(error)", "retry_in_ms": "\(delay.milliseconds)"])
        } else {
            logger.warning("getUpdates failed; retrying", metadata: ["error": "\(error)", "retry_in_ms": "\(delay.milliseconds)"])
        }
        // A SIGTERM during the pause ends it at once: the loop then sees the shutdown and stops.
        try? await cancelWhenGracefulShutdown { try await clock.sleep(for: delay) }
    }

    /// Tells Telegram the stored offset before exit, so the next start does not receive handled updates again.
    private func confirmOffset(_ offset: Int64?) async {
        guard let offset else { return }
        do {
            _ = try await client.getUpdates(offset: offset, limit: 1, timeout: 0, allowedUpdates: configuration.allowedUpdates)
            logger.debug("Confirmed the offset with Telegram", metadata: ["offset": "\(offset)"])
        } catch {
            logger.warning("Could not confirm the offset before exit; it is stored and will be confirmed at the next start",
                           metadata: ["error": "\(error)"])
        }
    }
}

/// A reason the poller stops for good.
public enum PollingError: Error, Sendable, CustomStringConvertible {
    /// getUpdates answered 401 or 404: the token is wrong or revoked.
    case tokenRejected(TelegramError)
    /// A webhook is set and deleting it was not allowed.
    case webhookActive(TelegramError)

    public var description: String {
        switch self {
        case .tokenRejected(let error):
            return "Telegram rejected the bot token (\(error.errorCode) \(error.errorDescription)); check LAPAK_TELEGRAM_TOKEN"
        case .webhookActive:
            return "A webhook is set for this bot, so getUpdates cannot work (409). Delete it, or set telegram.delete_webhook: true (LAPAK_TELEGRAM_DELETE_WEBHOOK=true)"
        }
    }
}

/// Exponential backoff with jitter, capped.
public struct Backoff: Sendable, Hashable {
    /// The wait after the first failure.
    public var initial: Duration
    /// The longest wait.
    public var maximum: Duration

    public init(initial: Duration = .milliseconds(500), maximum: Duration = .seconds(30)) {
        self.initial = initial
        self.maximum = maximum
    }

    /// The wait after `failures` earlier consecutive failures, with `jitter` in 0...1 spreading it over its upper half.
    public func delay(afterFailures failures: Int, jitter: Double) -> Duration {
        let exponent = min(failures, 30)
        let ceiling = min(maximum, initial * (1 << exponent))
        // "Equal jitter": half fixed, half random, so waits never collapse to zero and clients spread out.
        return ceiling / 2 + ceiling / 2 * min(max(jitter, 0), 1)
    }
}

