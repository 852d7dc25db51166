import Foundation
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
    private let logger: Logger

    /// Opens the database and loads the language data; fails with a message naming what is wrong.
    /// - Parameter now: the wall clock for "today" and expiry; tests inject a fixed one.
    public init(configuration: LapakConfiguration, clock: any MonotonicClock = SystemClock(), now: @escaping @Sendable () -> Date = { Date() },
                logger: Logger) throws {
        self.configuration = configuration
        self.logger = logger
        texts = try LanguagePack.load(from: configuration.intentsDirectory)
        let taxonomy = try CategoryTaxonomy.load(from: configuration.intentsDirectory.appendingPathComponent("categories.yml"))
        do {
            database = try AppDatabase.open(path: configuration.databasePath)
        } catch {
            throw ConfigurationError(setting: "database.path", message: "cannot open \(configuration.databasePath): \(error)")
        }
        registry = Registry(database: database, taxonomy: taxonomy, timeZone: configuration.timeZone)
        let matcher = try IntentMatcher.load(from: configuration.intentsDirectory, taxonomy: taxonomy)
        transport = CurlTransport(configuration: .init(maxConcurrentRequests: configuration.maxConnections,
                                                       connectTimeout: .seconds(configuration.connectTimeout)))
        client = BotAPIClient(token: configuration.telegramToken, apiURL: configuration.telegramAPIURL, transport: transport,
                              clock: clock, requestTimeout: .seconds(configuration.requestTimeout), logger: logger)
        let pollerConfiguration = LongPoller.Configuration(
            pollTimeout: configuration.pollTimeout, batchLimit: configuration.batchLimit,
            maxConcurrentHandlers: configuration.handlerConcurrency, maxPendingUpdates: configuration.maxPendingUpdates,
            deleteWebhookOnConflict: configuration.deleteWebhookOnConflict)
        let conversationSettings = ConversationSettings(
            staffIDs: configuration.staffIDs, timeZone: configuration.timeZone, maxDistance: configuration.searchMaxDistance,
            locationWindow: TimeInterval(configuration.locationMemoryMinutes * 60),
            liveSilenceLimit: TimeInterval(configuration.liveSilenceMinutes * 60), region: configuration.region)
        service = LapakService(client: client, database: database, texts: texts, matcher: matcher, registry: registry,
                               conversationSettings: conversationSettings, pollerConfiguration: pollerConfiguration, clock: clock,
                               now: now, logger: logger)
    }

    /// Runs the daemon until SIGTERM or SIGINT, then stops gracefully.
    public func run() async throws {
        logger.info("Lapak starting", metadata: [
            "api_url": "\(configuration.telegramAPIURL)", "database": "\(configuration.databasePath)",
            "intents": "\(configuration.intentsDirectory.path)",
        ])
        let group = ServiceGroup(
            configuration: .init(services: [.init(service: service)], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        defer { transport.shutdown() }
        try await group.run()
    }
}
