import Foundation
import LapakDatabase
import LapakLanguage
import LapakRegistry
import Logging
import ServiceLifecycle
import TelegramBotAPI

/// The bot daemon as a `Service`: checks the token, publishes the command menu, then polls.
public struct LapakService: Service {
    private let client: BotAPIClient
    private let database: AppDatabase
    private let texts: LanguagePack
    private let matcher: IntentMatcher
    private let registry: Registry
    private let conversationSettings: ConversationSettings
    private let pollerConfiguration: LongPoller.Configuration
    /// Webhook mode: where the HTTP server hands Telegram's POSTs, and how to register the webhook.
    private let webhook: (endpoint: WebhookEndpoint, configuration: WebhookReceiver.Configuration)?
    /// `lapak run --mode polling`: delete a webhook before polling.
    private let deleteWebhookAtStart: Bool
    private let replyConfiguration: ReplySender.Configuration
    private let clock: any MonotonicClock
    private let now: @Sendable () -> Date
    private let logger: Logger
    /// Beats once the replies an earlier run left undelivered have been sent at start (polling or webhook):
    /// services that write replies of their own (the halal reminders) wait for it, so the sweep cannot send theirs twice.
    public let sweptUndelivered = Heartbeat()

    public init(client: BotAPIClient, database: AppDatabase, texts: LanguagePack, matcher: IntentMatcher, registry: Registry,
                conversationSettings: ConversationSettings, pollerConfiguration: LongPoller.Configuration,
                webhook: (endpoint: WebhookEndpoint, configuration: WebhookReceiver.Configuration)? = nil, deleteWebhookAtStart: Bool = false,
                replyConfiguration: ReplySender.Configuration = ReplySender.Configuration(), clock: any MonotonicClock = SystemClock(), now: @escaping @Sendable () -> Date = { Date() }, logger: Logger) {
        self.now = now
        self.client = client
        self.database = database
        self.texts = texts
        self.matcher = matcher
        self.registry = registry
        self.conversationSettings = conversationSettings
        self.pollerConfiguration = pollerConfiguration
        self.webhook = webhook
        self.deleteWebhookAtStart = deleteWebhookAtStart
        self.replyConfiguration = replyConfiguration
        self.clock = clock
        self.logger = logger
    }

    public func run() async throws {
        // One daemon per database file: a second would answer every update twice, and `lapak restore`
        // must not replace the file under a running bot.
        let path = database.path
        let lock = path.isEmpty || path == ":memory:" ? nil : try DatabaseLock(databasePath: path)
        defer { withExtendedLifetime(lock) {} }
        let startup = BotStartup(client: client, texts: texts, backoff: pollerConfiguration.backoff, clock: clock, logger: logger)
        guard let me = try await startup.identifyBot() else { return }  // shut down while still starting
        logger.info("Connected to Telegram", metadata: ["bot": "@\(me.username ?? me.firstName)", "bot_id": "\(me.id)"])
        await startup.publishCommands()

        // Locations older than the remembering window are forgotten at start too (privacy).
        try await ConversationStore(database: database).forgetOldLocations(window: conversationSettings.locationWindow)
        let sender = ReplySender(client: client, store: ReplyOutbox(database: database, now: now),
                                 configuration: replyConfiguration, clock: clock, logger: logger)
        // Replies a crash or a shutdown left undelivered go first, so a chat's answers keep their order.
        try await sender.deliverUndelivered(maxConcurrentChats: pollerConfiguration.maxConcurrentHandlers)
        sweptUndelivered.beat()
        let handler = LapakUpdateHandler(texts: texts, matcher: matcher, registry: registry, settings: conversationSettings,
                                         sender: sender, botUsername: me.username, logger: logger, now: now)
        let inbox = SQLiteUpdateInbox(database: database)
        if let webhook {
            let receiver = WebhookReceiver(client: client, inbox: inbox, handler: handler, configuration: webhook.configuration,
                                           clock: clock, logger: logger)
            webhook.endpoint.attach(receiver)
            return try await receiver.run()
        }
        if deleteWebhookAtStart { await startup.deleteWebhook() }
        let poller = LongPoller(client: client, inbox: inbox, handler: handler, configuration: pollerConfiguration, clock: clock, logger: logger)
        try await poller.run()
    }
}

/// A reason the daemon cannot start.
public enum LapakStartupError: Error, Sendable, CustomStringConvertible {
    /// getMe answered 401 or 404.
    case tokenRejected(code: Int)

    public var description: String {
        switch self {
        case .tokenRejected(let code):
            return "token rejected: Telegram answered \(code) to getMe. Check LAPAK_TELEGRAM_TOKEN (the token from @BotFather) and telegram.api_url."
        }
    }
}

extension LapakService: CustomStringConvertible {
    /// How a service group names it in the log.
    public var description: String { "bot" }
}
