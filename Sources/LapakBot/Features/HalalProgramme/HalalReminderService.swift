import Foundation
import GRDB
import LapakBroadcast
import LapakDatabase
import LapakRegistry
import Logging
import ServiceLifecycle
import TelegramBotAPI

/// Reminds owners that their halal certificate expires soon (`halal.reminder_days` before, 60 by default).
///
/// Due certificates are claimed (marked reminded) in the same transaction that writes the reminders into
/// the reply outbox: a restart or a `kill -9` after the commit finds the reminder waiting in the outbox
/// (the daemon delivers what is left at start) and the certificate marked, so none is sent twice; a crash
/// before the commit leaves both undone, and the next pass sends it.
public struct HalalReminderService: Service {
    private let transactions: any BotTransactions
    private let texts: LanguagePack
    private let sender: ReplySender
    private let reminderDays: Int
    private let interval: Duration
    private let startAfter: Heartbeat?
    private let gate: any BulkGate
    private let clock: any MonotonicClock
    private let now: @Sendable () -> Date
    private let logger: Logger

    /// A service that looks for due reminders once `startAfter` has beaten, then every `interval`, by the wall clock `now`.
    ///
    /// - Parameter startAfter: `LapakService.sweptUndelivered`. The daemon delivers the replies an earlier run
    ///   left in the outbox when it starts; a reminder written and sent during that sweep could be picked up
    ///   by it too and sent twice, so the first pass waits for the sweep to end.
    public init(registry: Registry, texts: LanguagePack, sender: ReplySender, reminderDays: Int, interval: Duration = .seconds(600),
                startAfter: Heartbeat? = nil, clock: any MonotonicClock = SystemClock(), now: @escaping @Sendable () -> Date = { Date() },
                logger: Logger) {
        self.init(transactions: SQLiteBotTransactions(registry: registry), texts: texts, sender: sender, reminderDays: reminderDays,
                  interval: interval, startAfter: startAfter, clock: clock, now: now, logger: logger)
    }

    /// The same on any store (PostgreSQL's workers run it on the bulk leader only, see `gate`).
    /// - Parameter gate: passes are made only while it is open (one worker of several reminds).
    public init(transactions: any BotTransactions, gate: any BulkGate = AlwaysOpenBulkGate(), texts: LanguagePack, sender: ReplySender,
                reminderDays: Int, interval: Duration = .seconds(600), startAfter: Heartbeat? = nil, clock: any MonotonicClock = SystemClock(),
                now: @escaping @Sendable () -> Date = { Date() }, logger: Logger) {
        self.gate = gate
        self.startAfter = startAfter
        self.transactions = transactions
        self.texts = texts
        self.sender = sender
        self.reminderDays = reminderDays
        self.interval = interval
        self.clock = clock
        self.now = now
        self.logger = logger
    }

    /// Waits for the start-up sweep, then reminds every `interval` until a graceful shutdown.
    public func run() async throws {
        while let startAfter, startAfter.age() == nil {
            do { try await cancelWhenGracefulShutdown { try await clock.sleep(for: .milliseconds(200)) } } catch { return }
        }
        while !Task.isShuttingDownGracefully {
            if gate.mayUseBulkBudget { try await remindDue() }
            do { try await cancelWhenGracefulShutdown { try await clock.sleep(for: interval) } } catch { return }
        }
    }

    /// Claims the due reminders, writes them into the reply outbox in the same transaction, then delivers them.
    /// - Returns: how many reminders were written.
    @discardableResult
    public func remindDue() async throws -> Int {
        let moment = now()
        let texts = texts, reminderDays = reminderDays
        let replies = try await transactions.write { stores -> [OutgoingReply] in
            let session = stores.registry
            let preferences = stores.preferences
            var replies: [OutgoingReply] = []
            for application in try session.claimDueHalalReminders(now: moment, daysBefore: reminderDays, limit: 500) {
                guard let business = try session.business(id: application.businessID) else { continue }
                let recipient = business.ownerTelegramID ?? application.applicantID
                let language = try preferences.chosenLanguage(of: recipient) ?? .indonesian
                let text = texts.text("halal_expiry_reminder", language, [
                    "name": HTML.escape(business.name), "number": HTML.escape(application.certificateNumber ?? ""),
                    "date": TypedDate.display(application.expiresOn ?? ""),
                ])
                replies.append(try stores.replies.addReply(.sendMessage(chatID: recipient, text: text, parseMode: .html), chatID: recipient,
                                                           updateID: nil, messageOf: nil, at: Int64(moment.timeIntervalSince1970)))
            }
            return replies
        }
        guard !replies.isEmpty else { return 0 }
        logger.info("Halal certificate expiry reminders written", metadata: ["count": "\(replies.count)"])
        for reply in replies { await sender.deliver([reply]) }
        return replies.count
    }
}
