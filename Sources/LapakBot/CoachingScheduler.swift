import Foundation
import GRDB
import LapakBroadcast
import LapakDatabase
import LapakLanguage
import LapakRegistry
import Logging
import ServiceLifecycle
import TelegramBotAPI

/// Sends what the coaching programme does on its own time: the weekly check-ins and closing ratings of
/// apprenticeships, and the end of an overflow order's wave (offers edited, the originator asked to widen
/// the search or cancel).
///
/// These are bulk messages, not replies: each takes a bulk slot of the shared `MessagePacer` (as the
/// broadcast sender does), so together with replies and broadcasts they stay within Telegram's limits.
/// A due row is claimed (marked sent) in the same SQLite transaction that writes its message to the
/// reply outbox, so after a restart or a `kill -9` it is never sent again; a message committed but not
/// yet delivered is delivered at the next start from the outbox, like any reply.
struct CoachingScheduler: Service {
    let transactions: any BotTransactions
    /// Passes are made only while it is open: on PostgreSQL, by the worker holding the bulk budget.
    var gate: any BulkGate = AlwaysOpenBulkGate()
    let texts: LanguagePack
    let client: BotAPIClient
    let pacer: MessagePacer
    let clock: any MonotonicClock
    let now: @Sendable () -> Date
    let logger: Logger
    /// The longest pause between two looks at the due rows (a new apprenticeship may be due sooner).
    var idlePoll: Duration = .seconds(1)
    /// Messages in flight at once.
    var maxInFlight = 8
    /// Beaten once the daemon has delivered what the last run left in the reply outbox (polling and
    /// webhook mode alike): until then this scheduler writes nothing, or that start-up delivery could pick
    /// up its fresh rows and send them a second time.
    var startAfter: Heartbeat?
    /// Where the scheduler's own messages wait until delivered (the store's reply outbox).
    let replyStore: any ReplyStore

    /// Delivers due reminders and expired waves until graceful shutdown.
    func run() async throws {
        try await run(sender: ReplySender(client: client.forBulkSending(), store: replyStore, clock: clock, logger: logger))
    }

    private func run(sender: ReplySender) async throws {
        while let startAfter, startAfter.age() == nil, !Task.isShuttingDownGracefully && !Task.isCancelled {
            try? await clock.sleep(for: .milliseconds(100))
        }
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let moment = now()
            guard gate.mayUseBulkBudget else {
                try? await clock.sleep(for: idlePoll)
                continue
            }
            let (due, expired) = try await transactions.write { stores in
                (try stores.registry.dueReminders(now: moment, limit: 256), try stores.registry.overflowOrdersWithExpiredWave(now: moment, limit: 50))
            }
            if due.isEmpty && expired.isEmpty {
                try? await clock.sleep(for: idlePoll)
                continue
            }
            // A second's worth of jobs is claimed and written to the outbox in one transaction, then each
            // message waits for its bulk slot: a commit between a slot and its send would bunch the sends.
            let jobs = due.map(Job.reminder) + expired.map(Job.expiry)
            for start in stride(from: 0, to: jobs.count, by: 32) {
                if Task.isShuttingDownGracefully { break }
                let batch = Array(jobs[start..<min(start + 32, jobs.count)])
                let moment = now()
                let texts = texts
                let committed = try await transactions.write { stores in
                    try batch.map { try Self.commit($0, stores: stores, texts: texts, now: moment) }.filter { !$0.isEmpty }
                }
                try await send(committed, with: sender)
            }
        }
    }

    /// Sends each job's messages at a bulk slot of its first message's chat; what shutdown interrupts
    /// stays in the outbox for the next start.
    private func send(_ committed: [[OutgoingReply]], with sender: ReplySender) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            var inFlight = 0
            for replies in committed {
                guard !Task.isShuttingDownGracefully else { break }
                var slot: Duration?
                while slot == nil && !Task.isShuttingDownGracefully {
                    switch pacer.reserveBulkSlot(chatID: replies[0].chatID) {
                    case .at(let at): slot = at
                    case .chatBusyUntil: try? await clock.sleep(for: .milliseconds(100))
                    }
                }
                guard let slot else { break }
                do {
                    _ = try await cancelWhenGracefulShutdown { try await pacer.waitForBulkSlot(slot) }
                } catch is CancellationError where Task.isShuttingDownGracefully {
                    break
                }
                if inFlight >= maxInFlight {
                    try await group.next()
                    inFlight -= 1
                }
                group.addTask { _ = await sender.deliver(replies) }
                inFlight += 1
            }
            try await group.waitForAll()
        }
    }

    /// One thing to send.
    enum Job {
        case reminder(DueReminder)
        case expiry(OverflowOrder)
    }

    /// Claims a job and writes its messages to the reply outbox inside the caller's transaction; returns them (empty when
    /// it was claimed before, or no one is to be told). Tests use it to leave a claimed job undelivered, as a crash would.
    static func commit(_ job: Job, stores: BotStores, texts: LanguagePack, now: Date) throws -> [OutgoingReply] {
        let session = stores.registry
        let preferences = stores.preferences
        let at = Int64(now.timeIntervalSince1970)
        switch job {
        case .reminder(let reminder):
            // A check-in more than a week late (the daemon was down) is claimed without asking: the current week's comes next.
            let stale = reminder.kind == .checkIn && now.timeIntervalSince(reminder.dueAt) > 7 * 86_400
            guard try session.claimReminder(reminder, now: now), !stale, let apprenticeship = try session.apprenticeship(reminder.apprenticeshipID),
                  let beginner = try session.business(id: apprenticeship.beginnerID), let mentor = try session.business(id: apprenticeship.mentorID),
                  let chat = (reminder.side == .beginner ? beginner : mentor).ownerTelegramID else { return [] }
            let language = try preferences.chosenLanguage(of: chat) ?? .indonesian
            let message = ApprenticeshipFeature.reminderMessage(reminder, texts: texts, language: language, beginner: beginner, mentor: mentor)
            return [try stores.replies.addReply(.sendMessage(chatID: chat, text: message.text, parseMode: .html, replyMarkup: .inlineKeyboard(message.keyboard)),
                                                chatID: chat, updateID: nil, messageOf: nil, at: at)]
        case .expiry(let order):
            guard let pending = try session.expireOverflowWave(order.id, now: now) else { return [] }
            var replies: [OutgoingReply] = []
            try OverflowOrderFeature.editOffers(pending, of: order, key: "overflow_offer_expired", texts: texts, stores: stores, now: now) { request, chat in
                replies.append(try stores.replies.addReply(request, chatID: chat, updateID: nil, messageOf: nil, at: at))
            }
            let language = try preferences.chosenLanguage(of: order.fromUserID) ?? .indonesian
            let keyboard = InlineKeyboardMarkup(rows: [[
                InlineKeyboardButton(text: texts.text("overflow_widen_button", language), callbackData: "ow:\(order.id)"),
                InlineKeyboardButton(text: texts.text("overflow_cancel_button", language), callbackData: "ox:\(order.id)"),
            ]])
            replies.append(try stores.replies.addReply(.sendMessage(chatID: order.fromUserID, text: texts.text("overflow_expired_originator", language, [
                "id": String(order.id), "what": HTML.escape(order.what),
            ]), parseMode: .html, replyMarkup: .inlineKeyboard(keyboard)), chatID: order.fromUserID, updateID: nil, messageOf: nil, at: at))
            return replies
        }
    }
}
