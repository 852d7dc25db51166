import Foundation
import LapakLanguage
import LapakPostgres
import Logging
import ServiceLifecycle
import TelegramBotAPI

/// One worker of the bot on PostgreSQL, as a `Service`: checks the token, publishes the command menu, sends
/// what earlier runs left, then takes updates (by webhook, several workers behind a load balancer; or by
/// long polling, one worker) and keeps house for workers that died.
public struct PostgresBotService: Service {
    let client: BotAPIClient
    let store: PostgresStore
    let texts: LanguagePack
    let bot: Bot
    let transactions: PostgresTransactions
    let pollerConfiguration: LongPoller.Configuration
    let webhook: (endpoint: WebhookEndpoint, configuration: WebhookReceiver.Configuration)?
    let replyConfiguration: ReplySender.Configuration
    let replyLease: TimeInterval
    let clock: any MonotonicClock
    let now: @Sendable () -> Date
    let logger: Logger
    /// Deletes a webhook set earlier before polling (`lapak run --mode polling`).
    var deleteWebhookAtStart = false
    /// Beats once the start-up sweep of undelivered replies is done.
    public let sweptUndelivered = Heartbeat()

    public func run() async throws {
        let startup = BotStartup(client: client, texts: texts, backoff: pollerConfiguration.backoff, clock: clock, logger: logger)
        guard let me = try await startup.identifyBot() else { return }
        logger.info("Connected to Telegram", metadata: ["bot": "@\(me.username ?? me.firstName)", "bot_id": "\(me.id)", "worker": "\(transactions.worker)"])
        await startup.publishCommands()
        let outbox = PostgresReplyOutbox(store: store, worker: transactions.worker, lease: replyLease, now: now)
        let sender = ReplySender(client: client, store: outbox, configuration: replyConfiguration, clock: clock, logger: logger)
        try await sender.deliverUndelivered(maxConcurrentChats: pollerConfiguration.maxConcurrentHandlers)
        sweptUndelivered.beat()
        let inbox = PostgresUpdateInbox(store: store, now: now)
        let handler = PostgresUpdateHandler(routing: UpdateRouting(bot: bot, router: bot.router(), botUsername: me.username),
                                            sequencer: PostgresChatSequencer(store: store, now: now), transactions: transactions,
                                            inbox: inbox, sender: sender, logger: logger, now: now)
        let housekeeping = PostgresHousekeeping(store: store, handler: handler, sender: sender, clock: clock, logger: logger, now: now)
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask { try await housekeeping.run() }
            if let webhook {
                let receiver = WebhookReceiver(client: client, inbox: inbox, handler: handler, configuration: webhook.configuration,
                                               clock: clock, logger: logger)
                webhook.endpoint.attach(receiver)
                try await receiver.run()
            } else {
                if deleteWebhookAtStart { await startup.deleteWebhook() }
                let poller = LongPoller(client: client, inbox: inbox, handler: handler, configuration: pollerConfiguration, clock: clock, logger: logger)
                try await poller.run()
            }
            group.cancelAll()
        }
        // A graceful stop: the replies this worker claimed but could not send go to whichever worker sweeps
        // next (this one restarted, or another) at once, rather than after their lease. Not when cancelled:
        // the pool may be gone, and the lease hands them over anyway.
        guard !Task.isCancelled else { return }
        do {
            try await outbox.releaseClaims()
        } catch {
            logger.warning("Could not hand this worker's unsent replies over at stop; another worker sends them after their lease",
                           metadata: ["error": "\(error)"])
        }
    }
}

extension PostgresBotService: CustomStringConvertible {
    /// How a service group names it in the log.
    public var description: String { "bot (PostgreSQL worker \(transactions.worker))" }
}
