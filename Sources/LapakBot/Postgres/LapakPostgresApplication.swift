import Foundation
import LapakBroadcast
import LapakPostgres
import LapakRegistry
import Logging
import NIOPosix
import PostgresNIO
import ServiceLifecycle
import TelegramBotAPI
import UnixSignals

/// Assembles one worker of the daemon on PostgreSQL (`database.url`): the shared store's pool, the bulk
/// leadership, the bot service and the broadcast sender.
///
/// Any number of workers can share one database behind a load balancer (webhook mode). Every update is
/// handled once, in its chat's order; a worker sends the replies of the updates it handled; only the
/// worker holding the bulk leadership (`pg_try_advisory_lock`) sends broadcasts, so Telegram's budget of
/// about 30 messages a second is kept per bot, not per worker.
public struct LapakPostgresApplication: Sendable {
    public let configuration: LapakConfiguration
    public let store: PostgresStore
    public let client: BotAPIClient
    public let transport: CurlTransport
    public let leadership: BulkLeadership
    public let service: PostgresBotService
    public let broadcastSender: BroadcastSender
    /// Where the HTTP server hands Telegram's POSTs in webhook mode; nil when polling.
    public let webhookEndpoint: WebhookEndpoint?
    /// Beats after every successful getUpdates (polling).
    public let pollHeartbeat = Heartbeat()
    /// Beats on every pass of the broadcast sender.
    public let broadcastHeartbeat = Heartbeat()
    /// Whether the broadcast sender is running, and why not.
    public let broadcastStatus = ServiceStatus()
    /// Reminds owners of halal certificates about to expire (on the bulk leader).
    public let halalReminders: HalalReminderService
    /// Apprenticeships' reminders and overflow orders' waves (on the bulk leader).
    let coachingScheduler: CoachingScheduler
    /// This worker's name in the reply outbox's claims: host, process id and a random part (a restart is another worker).
    public let worker: String
    /// The threads the synchronous handlers run on.
    let handlerThreads: NIOThreadPool
    private let logger: Logger

    /// The daemon's long-running parts, for a `ServiceGroup`.
    public var services: [any Service] {
        [store, leadership, service, SupervisedService("broadcast sender", broadcastSender, status: broadcastStatus, logger: logger),
         SupervisedService("halal reminders", halalReminders, logger: logger),
         SupervisedService("coaching scheduler", coachingScheduler, logger: logger)]
    }

    /// Connects nothing yet: builds the parts from the configuration (the database is migrated by `run`).
    public init(configuration: LapakConfiguration, clock: any MonotonicClock = SystemClock(), now: @escaping @Sendable () -> Date = { Date() },
                logger: Logger) throws {
        self.configuration = configuration
        self.logger = logger
        let parts = try BotParts(configuration: configuration, clock: clock, logger: logger, pollHeartbeat: pollHeartbeat)
        do {
            store = try PostgresStore(url: configuration.databaseURL, logger: logger)
            leadership = try BulkLeadership(url: configuration.databaseURL, logger: logger)
        } catch {
            throw ConfigurationError(setting: "database.url", message: "\(error)")
        }
        client = parts.client
        transport = parts.transport
        webhookEndpoint = parts.webhook?.endpoint
        worker = "\(ProcessInfo.processInfo.hostName)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let bot = Bot(texts: parts.texts, matcher: parts.matcher, taxonomy: parts.taxonomy, settings: parts.conversationSettings, logger: logger)
        // Handlers wait for their queries on these threads, never on Swift's cooperative pool: one per handler
        // that may run at once (`handlers.concurrency`), so a slow query holds up no other chat.
        handlerThreads = NIOThreadPool(numberOfThreads: configuration.handlerConcurrency)
        handlerThreads.start()
        let transactions = PostgresTransactions(store: store, threads: handlerThreads, taxonomy: parts.taxonomy,
                                                timeZone: configuration.timeZone, worker: worker)
        service = PostgresBotService(
            client: client, store: store, texts: parts.texts, bot: bot, transactions: transactions, pollerConfiguration: parts.pollerConfiguration,
            webhook: parts.webhook, replyConfiguration: ReplySender.Configuration(deadline: .seconds(configuration.replyRetryDeadline)),
            replyLease: TimeInterval(configuration.replyLeaseSeconds), clock: clock, now: now, logger: logger,
            deleteWebhookAtStart: configuration.deleteWebhookAtStart)
        // The schedulers' messages are bulk: like broadcasts, they go out from the worker holding the budget only.
        let replyStore = PostgresReplyOutbox(store: store, worker: worker, lease: TimeInterval(configuration.replyLeaseSeconds), now: now)
        halalReminders = HalalReminderService(
            transactions: PostgresBotTransactions(transactions), gate: leadership, texts: parts.texts,
            sender: ReplySender(client: parts.client, store: replyStore, clock: clock, logger: logger), reminderDays: configuration.halal.reminderDays,
            startAfter: service.sweptUndelivered, clock: clock, now: now, logger: logger)
        var scheduler = CoachingScheduler(transactions: PostgresBotTransactions(transactions), gate: leadership, texts: parts.texts, client: parts.client,
                                          pacer: parts.pacer, clock: clock, now: now, logger: logger, replyStore: replyStore)
        scheduler.startAfter = service.sweptUndelivered
        coachingScheduler = scheduler
        let broadcastStore = PostgresBroadcastStore(store: store, fence: leadership)
        let transactionsForReports = transactions
        broadcastSender = BroadcastSender(
            outbox: broadcastStore, gate: leadership, client: client, pacer: parts.pacer,
            configuration: .init(maxInFlight: configuration.broadcastMaxInFlight, maxAttempts: configuration.broadcastMaxAttempts),
            observer: BroadcastReporter(client: client, texts: parts.texts, language: { staffID in
                let chosen = try? await transactionsForReports.write { session in try session.chosenLanguage(of: staffID) }
                return (chosen ?? nil) ?? .indonesian
            }, failureReasons: { id in
                try await transactionsForReports.write { session in try session.failureReasons(of: id, limit: 3) }
            }, logger: logger),
            clock: clock, now: now, heartbeat: broadcastHeartbeat, logger: logger)
    }

    /// Migrates the database, then runs the worker until SIGTERM or SIGINT and stops gracefully.
    /// - Parameter alongside: more services to run in the same group (the HTTP server).
    public func run(alongside extra: [any Service] = []) async throws {
        let applied = try await PostgresMigrations.migrate(url: configuration.databaseURL, logger: logger)
        logger.info("Lapak worker starting on PostgreSQL", metadata: [
            "api_url": "\(configuration.telegramAPIURL)", "mode": "\(configuration.telegramMode.rawValue)", "worker": "\(worker)",
            "migrations_applied": "\(applied.map(String.init).joined(separator: ","))",
        ])
        let group = ServiceGroup(
            configuration: .init(services: (services + extra).map { .init(service: $0) }, gracefulShutdownSignals: [.sigterm, .sigint],
                                 logger: logger))
        defer { transport.shutdown() }
        try await group.run()
        try? await handlerThreads.shutdownGracefully()
    }
}

extension LapakPostgresApplication {
    /// Readiness of the shared database: nil when a query goes through, else why not.
    public func databaseProblem() async -> String? {
        do {
            try await store.client.query("SELECT 1", logger: logger)
            return nil
        } catch {
            return "cannot query PostgreSQL: \(error)"
        }
    }
}
