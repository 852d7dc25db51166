import Foundation
import LapakBroadcast
import LapakDatabase
import LapakLanguage
import LapakRegistry
import Logging
import ServiceLifecycle
import TelegramBotAPI
import UnixSignals

/// Assembles the daemon from a configuration: database, transport, client, service.
public struct LapakApplication: Sendable {
    public let configuration: LapakConfiguration
    public let database: AppDatabase
    public let texts: LanguagePack
    public let registry: Registry
    public let transport: CurlTransport
    public let client: BotAPIClient
    public let service: LapakService
    /// Sends staff broadcasts from the outbox.
    public let broadcastSender: BroadcastSender
    /// Shared by replies and broadcasts: keeps every message within Telegram's limits.
    public let pacer: MessagePacer
    /// Beats after every successful getUpdates (readiness: is Telegram reachable with this token).
    public let pollHeartbeat = Heartbeat()
    /// Beats on every pass of the broadcast sender (readiness: is it alive).
    public let broadcastHeartbeat = Heartbeat()
    /// In webhook mode, where the HTTP server hands Telegram's POSTs; nil when polling.
    public let webhookEndpoint: WebhookEndpoint?
    private let logger: Logger

    /// Whether the broadcast sender is running, and why not.
    public let broadcastStatus = ServiceStatus()
    /// Reminds owners of halal certificates about to expire.
    public let halalReminders: HalalReminderService
    /// Sends apprenticeships' reminders and ends overflow orders' waves (issue 13).
    let coachingScheduler: CoachingScheduler
    /// Whether the coaching scheduler is running, and why not.
    public let coachingStatus = ServiceStatus()

    /// The daemon's long-running parts, for a `ServiceGroup`. The broadcast sender restarts with backoff
    /// after an error; the poller does not (a rejected token or an unusable database ends the process).
    public var services: [any Service] {
        [service, SupervisedService("broadcast sender", broadcastSender, status: broadcastStatus, logger: logger),
         SupervisedService("halal reminders", halalReminders, logger: logger),
         SupervisedService("coaching scheduler", coachingScheduler, status: coachingStatus, logger: logger)]
    }

    /// Opens the database and loads the language data; fails with a message naming what is wrong.
    /// - Parameter now: the wall clock for "today" and expiry; tests inject a fixed one.
    public init(configuration: LapakConfiguration, clock: any MonotonicClock = SystemClock(), now: @escaping @Sendable () -> Date = { Date() },
                logger: Logger) throws {
        self.configuration = configuration
        self.logger = logger
        let parts = try BotParts(configuration: configuration, clock: clock, logger: logger, pollHeartbeat: pollHeartbeat)
        texts = parts.texts
        do {
            database = try AppDatabase.open(path: configuration.databasePath)
        } catch {
            throw ConfigurationError(setting: "database.path", message: "cannot open \(configuration.databasePath): \(error)")
        }
        registry = Registry(database: database, taxonomy: parts.taxonomy, timeZone: configuration.timeZone)
        let matcher = parts.matcher
        transport = parts.transport
        pacer = parts.pacer
        client = parts.client
        let pollerConfiguration = parts.pollerConfiguration
        let conversationSettings = parts.conversationSettings
        let webhook = parts.webhook
        webhookEndpoint = webhook?.endpoint
        service = LapakService(client: client, database: database, texts: texts, matcher: matcher, registry: registry,
                               conversationSettings: conversationSettings, pollerConfiguration: pollerConfiguration,
                               webhook: webhook, deleteWebhookAtStart: configuration.deleteWebhookAtStart,
                               replyConfiguration: ReplySender.Configuration(deadline: .seconds(configuration.replyRetryDeadline)), clock: clock,
                               now: now, logger: logger)
        broadcastSender = BroadcastSender(
            outbox: Outbox(database: database), client: client, pacer: pacer,
            configuration: .init(maxInFlight: configuration.broadcastMaxInFlight, maxAttempts: configuration.broadcastMaxAttempts),
            observer: BroadcastReporter(client: client, texts: texts, database: database, logger: logger), clock: clock, now: now,
            heartbeat: broadcastHeartbeat, logger: logger)
        halalReminders = HalalReminderService(
            registry: registry, texts: texts,
            sender: ReplySender(client: client, store: ReplyOutbox(database: database, now: now), clock: clock, logger: logger),
            reminderDays: configuration.halal.reminderDays, startAfter: service.sweptUndelivered, clock: clock, now: now, logger: logger)
        var scheduler = CoachingScheduler(transactions: SQLiteBotTransactions(registry: registry), texts: texts, client: client, pacer: pacer, clock: clock,
                                          now: now, logger: logger, replyStore: ReplyOutbox(database: database, now: now))
        // After the start-up delivery of undelivered replies (in polling and webhook mode alike), so that
        // delivery cannot also send the scheduler's fresh rows.
        scheduler.startAfter = service.sweptUndelivered
        coachingScheduler = scheduler
    }

    /// Runs the daemon until SIGTERM or SIGINT, then stops gracefully.
    /// - Parameter alongside: more services to run in the same group (the HTTP server).
    public func run(alongside extra: [any Service] = []) async throws {
        logger.info("Lapak starting", metadata: [
            "api_url": "\(configuration.telegramAPIURL)", "database": "\(configuration.databasePath)",
            "intents": "\(configuration.intentsDirectory.path)", "mode": "\(configuration.telegramMode.rawValue)",
        ])
        let group = ServiceGroup(
            configuration: .init(services: (services + extra).map { .init(service: $0) }, gracefulShutdownSignals: [.sigterm, .sigint],
                                 logger: logger))
        defer { transport.shutdown() }
        try await group.run()
    }
}
