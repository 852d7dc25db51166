import Foundation
import LapakBroadcast
import LapakDatabase
import Logging
import TelegramBotAPI

/// Shows staff how their broadcast goes: one message edited as it progresses, then a final report.
public struct BroadcastReporter: BroadcastObserver {
    let client: BotAPIClient
    let texts: LanguagePack
    /// The language staff chose (Indonesian when none or unknown).
    let language: @Sendable (Int64) async -> Language
    /// A broadcast's most common failure reasons.
    let failureReasons: @Sendable (Int64) async throws -> [(reason: String, count: Int)]
    let logger: Logger

    /// A reporter reading staff's language and the failure reasons from the SQLite database.
    public init(client: BotAPIClient, texts: LanguagePack, database: AppDatabase, logger: Logger) {
        let preferences = UserPreferenceStore(database: database)
        let outbox = Outbox(database: database)
        self.init(client: client, texts: texts, language: { await preferences.replyLanguage(of: $0) },
                  failureReasons: { try await outbox.failureReasons(of: $0) }, logger: logger)
    }

    /// A reporter reading staff's language and the failure reasons through the given functions (another store).
    public init(client: BotAPIClient, texts: LanguagePack, language: @escaping @Sendable (Int64) async -> Language,
                failureReasons: @escaping @Sendable (Int64) async throws -> [(reason: String, count: Int)], logger: Logger) {
        self.client = client
        self.texts = texts
        self.language = language
        self.failureReasons = failureReasons
        self.logger = logger
    }

    public func progress(of broadcast: BroadcastRecord, _ counts: DeliveryCounts) async {
        guard let messageID = broadcast.progressMessageID else { return }
        let language = await language(broadcast.announcement.staffID)
        do {
            try await client.editMessageText(chatID: broadcast.announcement.staffChatID, messageID: messageID,
                                             text: Self.progressText(texts, language, counts: counts, total: broadcast.recipients), parseMode: .html,
                                             replyMarkup: Self.stopKeyboard(texts, language, broadcast.id))
        } catch {
            // "message is not modified" and the like must not disturb sending.
            logger.debug("Could not update a broadcast's progress", metadata: ["broadcast": "\(broadcast.id)", "error": "\(error)"])
        }
    }

    public func finished(_ broadcast: BroadcastRecord, _ counts: DeliveryCounts) async {
        let language = await language(broadcast.announcement.staffID)
        let chatID = broadcast.announcement.staffChatID
        if let messageID = broadcast.progressMessageID {
            _ = try? await client.editMessageText(chatID: chatID, messageID: messageID,
                                                  text: Self.progressText(texts, language, counts: counts, total: broadcast.recipients), parseMode: .html)
        }
        var lines = [texts.text(broadcast.status == .stopped ? "broadcast_report_stopped" : "broadcast_report", language, [
            "id": String(broadcast.id), "sent": Bot.number(counts.sent, language),
            "total": Bot.number(broadcast.recipients, language), "failed": Bot.number(counts.failed, language),
            "blocked": Bot.number(counts.unreachable, language), "skipped": Bot.number(counts.skipped, language),
        ])]
        if broadcast.repeatedAfterCrash > 0 {
            lines.append(texts.text("broadcast_repeated", language, ["count": String(broadcast.repeatedAfterCrash)]))
        }
        if let reasons = try? await failureReasons(broadcast.id), !reasons.isEmpty {
            lines.append(reasons.map { "• \(HTML.escape($0.reason)): \($0.count)" }.joined(separator: "\n"))
        }
        do {
            try await client.sendMessage(chatID: chatID, text: lines.joined(separator: "\n"), parseMode: .html)
        } catch {
            logger.warning("Could not send a broadcast's report", metadata: ["broadcast": "\(broadcast.id)", "error": "\(error)"])
        }
    }

    /// "📤 Terkirim 3.200 / 16.000 · gagal 3 · diblokir 12"
    static func progressText(_ texts: LanguagePack, _ language: Language, counts: DeliveryCounts, total: Int) -> String {
        texts.text("broadcast_progress", language, [
            "sent": Bot.number(counts.sent, language), "total": Bot.number(total, language),
            "failed": Bot.number(counts.failed, language), "blocked": Bot.number(counts.unreachable, language),
        ])
    }

    static func stopKeyboard(_ texts: LanguagePack, _ language: Language, _ id: Int64) -> InlineKeyboardMarkup {
        InlineKeyboardMarkup(rows: [[InlineKeyboardButton(text: texts.text("stop_broadcast_button", language), callbackData: "bs:\(id)")]])
    }
}
