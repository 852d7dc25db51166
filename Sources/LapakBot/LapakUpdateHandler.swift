import Foundation
import GRDB
import LapakBroadcast
import LapakDatabase
import LapakLanguage
import LapakRegistry
import Logging
import TelegramBotAPI

/// Settings the conversation needs, taken from the configuration.
public struct ConversationSettings: Sendable {
    /// Telegram user ids of the agency's staff.
    public var staffIDs: Set<Int64>
    /// Local time for "here since 10.15".
    public var timeZone: TimeZone
    /// Results farther than this are never shown (metres).
    public var maxDistance: Double
    /// How long a shared location is remembered (seconds).
    public var locationWindow: TimeInterval
    /// How long search buttons keep working (seconds).
    public var buttonLifetime: TimeInterval
    /// A live location silent for longer than this is shown as "last seen HH.MM" (seconds).
    public var liveSilenceLimit: TimeInterval
    /// Shops and check-ins must lie inside this box (the city and its surroundings).
    public var region: GeoBox
    /// How chat ids appear in log lines (`log.raw_ids`).
    public var logIdentity = LogIdentity(rawIDs: false)
    /// The free halal certificate programme's quota and eligibility (`halal.*`).
    public var halal = HalalCriteria()

    public init(staffIDs: Set<Int64> = [], timeZone: TimeZone = TimeZone(identifier: "Asia/Makassar")!, maxDistance: Double = 25_000,
                locationWindow: TimeInterval = 30 * 60, buttonLifetime: TimeInterval = 24 * 3600, liveSilenceLimit: TimeInterval = 15 * 60,
                region: GeoBox = .bontang) {
        self.staffIDs = staffIDs
        self.timeZone = timeZone
        self.maxDistance = maxDistance
        self.locationWindow = locationWindow
        self.buttonLifetime = buttonLifetime
        self.liveSilenceLimit = liveSilenceLimit
        self.region = region
    }
}

/// The bot's answers: runs each update through the router inside one SQLite transaction, then
/// delivers the replies that transaction committed.
///
/// The handler's state changes, the replies it produced (the reply outbox) and the update's "handled"
/// mark commit together, so a handler runs at most once per update: after the commit a failed send is
/// retried as that request by the `ReplySender`, never by running the handler again. Commands come from
/// `intents/commands.yml`, free text is understood by the `IntentMatcher`, texts come from
/// `intents/replies.yml`; every string from a user or the registry is HTML-escaped.
public struct LapakUpdateHandler: UpdateHandler {
    let bot: Bot
    let router: BotRouter
    let routing: UpdateRouting
    let registry: Registry
    let outbox: Outbox
    let sender: ReplySender
    let botUsername: String?
    let now: @Sendable () -> Date
    let commits: GroupCommit

    /// The handler with its routes built from every feature; replies leave through `sender`.
    public init(texts: LanguagePack, matcher: IntentMatcher, registry: Registry, settings: ConversationSettings, sender: ReplySender,
                botUsername: String?, logger: Logger, now: @escaping @Sendable () -> Date = { Date() }) {
        self.bot = Bot(texts: texts, matcher: matcher, taxonomy: registry.taxonomy, settings: settings, logger: logger)
        self.router = bot.router()
        self.routing = UpdateRouting(bot: bot, router: router, botUsername: botUsername)
        self.registry = registry
        self.outbox = Outbox(database: registry.database)
        self.sender = sender
        self.botUsername = botUsername
        self.now = now
        self.commits = registry.database.commits
    }

    /// What is wrong between the command menu and the routes (empty when they agree).
    static func routingProblems(texts: LanguagePack, matcher: IntentMatcher, taxonomy: CategoryTaxonomy) -> [String] {
        Bot(texts: texts, matcher: matcher, taxonomy: taxonomy, settings: ConversationSettings(), logger: Logger(label: "lapak"))
            .router().problems(with: texts)
    }

    /// The handler marks each update handled in its own transaction.
    public var marksHandled: Bool { true }

    public func handle(_ update: Update) async throws {
        let moment = now()
        let started = ContinuousClock.now
        let kind = UpdateMetrics.kind(of: update)
        UpdateMetrics.received(kind: kind)
        // One transaction for the handler's changes, its replies and the handled mark, shared (group
        // commit) with the updates of other chats handled at the same moment.
        let answered = try await commits.run({ db in try self.run(update, at: moment, in: db) }, recover: { error, db -> HandledUpdate? in
            // Nothing of the handler was kept. Say sorry rather than leave the user waiting, and mark the
            // update handled so that a handler bug cannot loop on it after every restart.
            self.bot.logger.error("Handling an update failed; the user is told to try again",
                                  metadata: self.bot.logMetadata(update, route: "failed").merging(["error": "\(error)"]) { _, new in new })
            return HandledUpdate(replies: try self.apologise(for: update, at: moment, in: db), route: "failed")
        })
        guard let handled = answered else {
            bot.logger.debug("Update already handled; not answered twice", metadata: ["update_id": "\(update.updateID)"])
            return
        }
        UpdateMetrics.handled(kind: kind, route: handled.route, duration: ContinuousClock.now - started)
        await sender.deliver(handled.replies)
        let elapsed = ContinuousClock.now - started
        if !handled.replies.isEmpty { UpdateMetrics.replied(after: elapsed) }
        // The metadata is an autoclosure: built only when info lines are written.
        bot.logger.info("Update handled", metadata: bot.logMetadata(update, route: handled.route).merging([
            "duration_ms": "\(elapsed.milliseconds)", "replies": "\(handled.replies.count)",
        ]) { _, new in new })
    }


    /// Routes one update and marks it handled, inside the caller's transaction; returns the replies written
    /// and the route that answered, or nil when the update was handled before.
    func run(_ update: Update, at moment: Date, in db: Database) throws -> HandledUpdate? {
        // An update can be queued twice: the webhook takes a POST in while the start-up reads the inbox's
        // unfinished updates, and both queue it. The chat's queue runs them one after the other, so the
        // second finds the first's mark here and answers nothing (PostgreSQL's sequencer takes only
        // unhandled updates, to the same effect).
        if try SQLiteUpdateInbox.isHandled(update.updateID, in: db) { return nil }
        let handled = try routing.answer(update, at: moment, stores: .sqlite(db, registry: registry))
        try SQLiteUpdateInbox.markHandled(update.updateID, at: Int64(moment.timeIntervalSince1970), in: db)
        return handled
    }

    /// After a failed handler: a "please try again" reply and the handled mark, in a fresh transaction.
    private func apologise(for update: Update, at moment: Date, in db: Database) throws -> [OutgoingReply] {
        let replies = try routing.apologise(for: update, at: moment, stores: .sqlite(db, registry: registry))
        try SQLiteUpdateInbox.markHandled(update.updateID, at: Int64(moment.timeIntervalSince1970), in: db)
        return replies
    }
}

/// What handling an update produced: its replies, and the route that answered it (for metrics and logs).
public struct HandledUpdate: Sendable {
    /// The replies written to the outbox, in the order they leave.
    public var replies: [OutgoingReply]
    /// The route that answered (`find`, a command's action, `ignored`, `failed`, …).
    public var route: String
}

/// A live location as it arrived: its message (whose edits move the cart) and when sharing ends.
struct LiveShare: Equatable {
    var messageID: Int
    var until: Date
}

extension Bot {
    /// What every log line about an update carries: its id, its chat (pseudonymised unless `log.raw_ids`)
    /// and the route that answered it.
    func logMetadata(_ update: Update, route: String) -> Logger.Metadata {
        var metadata: Logger.Metadata = ["update_id": "\(update.updateID)", "intent": "\(route)"]
        let chatID: Int64?
        switch update.content {
        case .message(let message), .editedMessage(let message): chatID = message.chat.id
        case .callbackQuery(let query): chatID = query.message?.chat.id ?? query.from.id
        case .unhandled: chatID = nil
        }
        if let chatID { metadata["chat"] = "\(settings.logIdentity.chat(chatID))" }
        return metadata
    }
}
