import Foundation
import LapakLanguage
import LapakRegistry
import Logging
import TelegramBotAPI

/// What a daemon is made of on either store, built from the configuration: the language data, the Bot API
/// client and its pacer, how updates arrive, and the conversation's settings.
struct BotParts: Sendable {
    let texts: LanguagePack
    let taxonomy: CategoryTaxonomy
    let matcher: IntentMatcher
    let transport: CurlTransport
    let pacer: MessagePacer
    let client: BotAPIClient
    let pollerConfiguration: LongPoller.Configuration
    let conversationSettings: ConversationSettings
    let webhook: (endpoint: WebhookEndpoint, configuration: WebhookReceiver.Configuration)?

    /// Loads the language data and builds the client; fails with a message naming the setting that is wrong.
    init(configuration: LapakConfiguration, clock: any MonotonicClock, logger: Logger, pollHeartbeat: Heartbeat) throws {
        texts = try LanguagePack.load(from: configuration.intentsDirectory)
        taxonomy = try CategoryTaxonomy.load(from: configuration.intentsDirectory.appendingPathComponent("categories.yml"))
        matcher = try IntentMatcher.load(from: configuration.intentsDirectory, taxonomy: taxonomy)
        if let problem = LapakUpdateHandler.routingProblems(texts: texts, matcher: matcher, taxonomy: taxonomy).first {
            throw ConfigurationError(setting: "intents.path", message: "commands.yml: \(problem)")
        }
        transport = CurlTransport(configuration: .init(maxConcurrentRequests: configuration.maxConnections,
                                                       connectTimeout: .seconds(configuration.connectTimeout)))
        pacer = MessagePacer(rate: Double(configuration.broadcastRate), clock: clock)
        client = BotAPIClient(token: configuration.telegramToken, apiURL: configuration.telegramAPIURL, transport: transport,
                              clock: clock, requestTimeout: .seconds(configuration.requestTimeout), pacer: pacer, logger: logger)
        pollerConfiguration = LongPoller.Configuration(
            pollTimeout: configuration.pollTimeout, batchLimit: configuration.batchLimit,
            maxConcurrentHandlers: configuration.handlerConcurrency, maxPendingUpdates: configuration.maxPendingUpdates,
            deleteWebhookOnConflict: configuration.deleteWebhookOnConflict, heartbeat: pollHeartbeat)
        var settings = ConversationSettings(
            staffIDs: configuration.staffIDs, timeZone: configuration.timeZone, maxDistance: configuration.searchMaxDistance,
            locationWindow: TimeInterval(configuration.locationMemoryMinutes * 60),
            liveSilenceLimit: TimeInterval(configuration.liveSilenceMinutes * 60), region: configuration.region)
        settings.logIdentity = LogIdentity(rawIDs: configuration.logRawIDs)
        try configuration.validateHalalKinds(against: taxonomy)
        settings.halal = configuration.halal
        conversationSettings = settings
        if configuration.telegramMode == .webhook {
            let endpoint = WebhookEndpoint(url: configuration.webhookURL)
            webhook = (endpoint, WebhookReceiver.Configuration(
                url: configuration.webhookURL, secretToken: configuration.webhookSecret, maxConnections: configuration.webhookMaxConnections,
                maxConcurrentHandlers: configuration.handlerConcurrency, maxPendingUpdates: configuration.maxPendingUpdates,
                heartbeat: endpoint.heartbeat))
        } else {
            webhook = nil
        }
    }
}
