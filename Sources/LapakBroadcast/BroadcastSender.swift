import CoreMetrics
import Foundation
import Logging
import ServiceLifecycle
import TelegramBotAPI

/// Told how a broadcast is going, to show staff its progress.
public protocol BroadcastObserver: Sendable {
    /// Called every few seconds while sending.
    func progress(of broadcast: BroadcastRecord, _ counts: DeliveryCounts) async
    /// Called once when every recipient has an outcome, or staff stopped it.
    func finished(_ broadcast: BroadcastRecord, _ counts: DeliveryCounts) async
}

/// Sends broadcasts from the outbox within Telegram's limits, and survives crashes.
///
/// Every send gets a bulk slot from the shared `MessagePacer` in this loop, before its request starts, so
/// requests leave evenly spaced and bulk plus the bot's replies stay within the broadcast rate (replies
/// never wait for broadcasts; broadcasts use what replies leave). Each row is marked 'sending' before its
/// request and gets its outcome after; at start, rows left in 'sending' by a crash are sent again (and
/// counted), so nothing is lost and only in-flight sends can repeat. A 429 holds bulk sending and the
/// recipient's chat for retry_after and shifts the pacing past it (citizens' replies keep going);
/// 403 marks the recipient unreachable; 5xx and network errors retry with backoff.
///
/// With several workers sharing one store, only the worker whose `BulkGate` is open sends: the others
/// idle, polling their gate. A worker that gets the gate waits `takeoverPause`, then treats rows left in
/// 'sending' as a crash leaves them (the previous holder died with them in flight) and carries on; a
/// worker that loses the gate takes no further row, lets its requests in flight finish, and idles.
public struct BroadcastSender: Service {
    /// How the sender behaves.
    public struct Configuration: Sendable {
        /// Requests in flight at once (so a slow network does not lower the rate).
        public var maxInFlight: Int
        /// Attempts per recipient before it is marked failed (429s do not count).
        public var maxAttempts: Int
        /// Waits between attempts after 5xx or network errors.
        public var backoff: Backoff
        /// How often staff's progress message is updated.
        public var progressInterval: Duration
        /// How often the outbox is checked for new broadcasts when idle.
        public var idlePoll: Duration

        /// The defaults suit Telegram: 8 requests in flight, 5 attempts, backoff from 1 s to 60 s, progress every 3 s.
        public init(maxInFlight: Int = 8, maxAttempts: Int = 5, backoff: Backoff = Backoff(initial: .seconds(1), maximum: .seconds(60)),
                    progressInterval: Duration = .seconds(3), idlePoll: Duration = .milliseconds(250)) {
            self.maxInFlight = maxInFlight
            self.maxAttempts = maxAttempts
            self.backoff = backoff
            self.progressInterval = progressInterval
            self.idlePoll = idlePoll
        }
    }

    let outbox: any BroadcastStore
    /// Open while this process may spend the bulk budget; always open for a single process.
    let gate: any BulkGate
    let client: BotAPIClient
    let pacer: MessagePacer
    let configuration: Configuration
    let observer: any BroadcastObserver
    let clock: any MonotonicClock
    let now: @Sendable () -> Date
    let logger: Logger
    /// Beaten on every pass of the sending and the idle loop, so readiness can tell a stuck sender.
    let heartbeat: Heartbeat?

    /// - Parameters:
    ///   - outbox: the broadcasts and their rows: SQLite's `Outbox`, or a store shared by several workers.
    ///   - gate: sends only while it is open; the default is always open (one process).
    ///   - client: the bot's client; the sender uses its bulk copy with the same connections and flood holds.
    public init(outbox: any BroadcastStore, gate: any BulkGate = AlwaysOpenBulkGate(), client: BotAPIClient, pacer: MessagePacer, configuration: Configuration = Configuration(),
                observer: any BroadcastObserver, clock: any MonotonicClock = SystemClock(), now: @escaping @Sendable () -> Date = { Date() },
                heartbeat: Heartbeat? = nil, logger: Logger) {
        self.heartbeat = heartbeat
        self.outbox = outbox
        self.gate = gate
        self.client = client.forBulkSending()
        self.pacer = pacer
        self.configuration = configuration
        self.observer = observer
        self.clock = clock
        self.now = now
        self.logger = logger
    }

    /// Waits for the bulk gate, recovers sends interrupted by a crash (or by the previous holder's death),
    /// then delivers broadcasts oldest first while the gate stays open, until graceful shutdown.
    public func run() async throws {
        var holding = false
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            heartbeat?.beat()
            guard gate.mayUseBulkBudget else {
                if holding { logger.notice("Another worker has the bulk budget now: broadcasts left to it") }
                holding = false
                try? await clock.sleep(for: configuration.idlePoll)
                continue
            }
            if !holding {
                guard try await takeOver() else { continue }
                holding = true
            }
            let active = try await outbox.activeBroadcasts()
            guard let broadcast = active.first else {
                try? await clock.sleep(for: configuration.idlePoll)
                continue
            }
            try await deliver(broadcast)
        }
    }

    /// Starts sending after getting the gate: waits out the previous holder's last sends, then puts the rows
    /// it left in 'sending' back to pending (counted as repeated). False when the gate closed meanwhile.
    private func takeOver() async throws -> Bool {
        let pause = gate.takeoverPause
        if pause > .zero {
            logger.notice("Got the bulk budget; waiting for the previous holder's sends to leave Telegram's window",
                          metadata: ["pause": "\(pause)"])
            try? await cancelWhenGracefulShutdown { try await clock.sleep(for: pause) }
        }
        // Only the holder may recover: a follower resetting rows would send again what the holder has in flight.
        guard gate.mayUseBulkBudget, !Task.isShuttingDownGracefully, !Task.isCancelled else { return false }
        let repeated = try await outbox.recoverInterrupted(now: now())
        if repeated > 0 {
            logger.warning("Resuming broadcasts after a crash; sends that were in flight go out again", metadata: ["in_flight": "\(repeated)"])
        }
        return true
    }

    /// Sends every due row of one broadcast; returns when all have an outcome, staff stopped it, the bulk
    /// gate closed, or shutdown.
    func deliver(_ broadcast: BroadcastRecord) async throws {
        logger.info("Broadcast sending", metadata: ["broadcast": "\(broadcast.id)", "recipients": "\(broadcast.recipients)"])
        var lastProgress = clock.now
        await observer.progress(of: broadcast, try await outbox.counts(of: broadcast.id))
        var latest = broadcast
        try await withThrowingTaskGroup(of: Void.self) { group in
            var inFlight = 0
            while !Task.isShuttingDownGracefully {
                try Task.checkCancellation()
                heartbeat?.beat()
                guard gate.mayUseBulkBudget else { break }  // lost the lead: the new holder carries on
                // Read afresh each pass: staff may have stopped it, and its progress message (a reply delivered
                // after the handler's commit) may have got its message id since the last pass.
                guard let current = try await outbox.broadcast(broadcast.id), current.status == .sending else { break }  // stopped by staff
                latest = current
                let due = try await outbox.dueEntries(of: broadcast.id, now: now(), limit: 64)
                if due.isEmpty {
                    if inFlight > 0 {
                        try await group.next()
                        inFlight -= 1
                        continue
                    }
                    guard let next = try await outbox.nextDue(of: broadcast.id) else { break }  // nothing left
                    // Retries waiting for their backoff.
                    let wait = min(max(next.timeIntervalSince(now()), 0.01), 1)
                    try await clock.sleep(for: .milliseconds(Int64(wait * 1000)))
                    continue
                }
                var sentThisPass = 0
                for entry in due {
                    if Task.isShuttingDownGracefully || !gate.mayUseBulkBudget { break }
                    if inFlight >= configuration.maxInFlight {
                        try await group.next()
                        inFlight -= 1
                    }
                    guard case .at(let slot) = pacer.reserveBulkSlot(chatID: entry.chatID) else { continue }  // chat busy: later
                    // A long retry_after must not hold up a graceful shutdown: the row is still pending.
                    do {
                        _ = try await cancelWhenGracefulShutdown { try await pacer.waitForBulkSlot(slot) }
                    } catch is CancellationError where Task.isShuttingDownGracefully {
                        break
                    }
                    // Asked again after the slot's wait: a worker that lost the lead meanwhile must not send.
                    guard gate.mayUseBulkBudget else { break }
                    guard try await outbox.markSending(entry, now: now()) else { continue }
                    group.addTask { try await send(entry, of: broadcast) }
                    inFlight += 1
                    sentThisPass += 1
                    if clock.now - lastProgress >= configuration.progressInterval {
                        lastProgress = clock.now
                        await observer.progress(of: latest, try await outbox.counts(of: broadcast.id))
                    }
                }
                if sentThisPass == 0 { try await clock.sleep(for: .milliseconds(50)) }  // every due chat is busy right now
            }
            try await group.waitForAll()
        }
        guard gate.mayUseBulkBudget else {
            logger.notice("Lost the bulk budget mid-broadcast: its holder finishes it", metadata: ["broadcast": "\(broadcast.id)"])
            return
        }
        guard !Task.isShuttingDownGracefully, let current = try await outbox.broadcast(broadcast.id) else { return }
        if current.status == .sending {
            let counts = try await outbox.counts(of: broadcast.id)
            guard counts.pending == 0 && counts.sending == 0 else { return }
            try await outbox.close(broadcast.id, as: .done, now: now())
        }
        let final = try await outbox.broadcast(broadcast.id) ?? current
        let counts = try await outbox.counts(of: broadcast.id)
        logger.info("Broadcast finished", metadata: [
            "broadcast": "\(broadcast.id)", "status": "\(final.status.rawValue)", "sent": "\(counts.sent)", "failed": "\(counts.failed)",
            "unreachable": "\(counts.unreachable)", "skipped": "\(counts.skipped)", "repeated_after_crash": "\(final.repeatedAfterCrash)",
        ])
        await observer.finished(final, counts)
    }

    /// One request and its recorded outcome.
    private func send(_ entry: OutboxEntry, of broadcast: BroadcastRecord) async throws {
        let announcement = broadcast.announcement
        let keyboard = announcement.rsvpLabel.map { label in
            ReplyMarkup.inlineKeyboard(InlineKeyboardMarkup(rows: [[InlineKeyboardButton(text: label, callbackData: "r:\(broadcast.id)")]]))
        }
        // While bulk is held by a 429 nothing has been sent yet: a shutdown may take the row back to pending.
        do {
            try await cancelWhenGracefulShutdown { try await client.waitUntilFloodGateOpens() }
        } catch {
            return try await outbox.reschedule(entry, at: now(), error: "not sent: shutting down during retry_after", countsAsAttempt: false,
                                               now: now())
        }
        let message: Message
        do {
            message = try await client.sendMessage(chatID: entry.chatID, text: announcement.text, parseMode: .html, replyMarkup: keyboard)
        } catch {
            return try await record(error, for: entry)
        }
        try await outbox.markSent(entry, messageID: message.messageID, now: now())
        Self.recordDelivery("sent")
    }

    /// One recipient's outcome: `sent`, `unreachable`, `failed` or `retry`.
    static func recordDelivery(_ outcome: String) {
        MetricHandles.shared.counter("lapak_broadcast_deliveries_total", [("outcome", outcome)]).increment()
    }

    private func record(_ error: BotAPIError, for entry: OutboxEntry) async throws {
        switch error {
        case .rejected(let telegram) where telegram.errorCode == 429:
            // The client holds bulk and this chat, and has shifted the pacer past retry_after already.
            Self.recordDelivery("retry")
            try await outbox.reschedule(entry, at: now(), error: telegram.description, countsAsAttempt: false, now: now())
        case .rejected(let telegram) where telegram.errorCode == 403:
            Self.recordDelivery("unreachable")
            try await outbox.markUnreachable(entry, reason: telegram.errorDescription, now: now())
        case .rejected(let telegram) where telegram.errorCode < 500:
            Self.recordDelivery("failed")
            try await outbox.markFailed(entry, reason: telegram.errorDescription, now: now())
        case .transport(let transport) where transport.kind == .cancelled:
            throw CancellationError()  // leaves the row in 'sending': it may have gone out
        default:
            // 5xx, network errors, garbled answers: try again later, up to maxAttempts.
            let attempts = entry.attempts + 1
            guard attempts < configuration.maxAttempts else {
                Self.recordDelivery("failed")
                return try await outbox.markFailed(entry, reason: "\(error) (after \(attempts) attempts)", now: now())
            }
            Self.recordDelivery("retry")
            let delay = configuration.backoff.delay(afterFailures: attempts - 1, jitter: Double.random(in: 0...1))
            let seconds = Double(delay.components.seconds) + Double(delay.components.attoseconds) / 1e18
            try await outbox.reschedule(entry, at: now().addingTimeInterval(seconds), error: "\(error)", countsAsAttempt: true, now: now())
        }
    }
}
