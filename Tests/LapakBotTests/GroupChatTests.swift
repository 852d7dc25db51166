import BotAPIEmulator
import Foundation
@testable import LapakBot
@testable import LapakDatabase
import GRDB
import Testing
import TelegramBotAPI

/// Lapak in a group: answers only commands addressed to it, never asks for a location or a contact
/// there, and keeps each user's dialogs per chat.
@Suite("Groups: only commands addressed to Lapak, a link to the private chat, dialogs per user and chat")
struct GroupChatTests {
    static let group = Chat(id: -100_555_0001, kind: .supergroup, title: "Paguyuban UMKM Bontang")

    /// Writes `text` in the group as `user`.
    static func writeInGroup(_ text: String, as user: User, in harness: BotHarness) async {
        await harness.state.sendText(from: user, text, inGroup: group)
    }

    @Test("A command addressed to Lapak gets one reply with a link that carries it to the private chat; nothing else is answered", arguments: BotStoreKind.allCases)
    func addressedCommandsOnly(store: BotStoreKind) async throws {
        try await BotHarness.with(store: store) { harness in
            try await harness.runBot {
                let rina = Vendors.rina
                // Neither plain text nor a bare command (meant for whichever bot) nor another bot's command.
                await Self.writeInGroup("bakso terdekat dong", as: rina, in: harness)
                await Self.writeInGroup("/cari bakso", as: rina, in: harness)
                await Self.writeInGroup("/cari@OtherBot bakso", as: rina, in: harness)
                await Self.writeInGroup("/cari@LapakBot bakso", as: rina, in: harness)
                let replies = try await harness.state.waitForBotMessages(chatID: Self.group.id, count: 1)
                try await Task.sleep(for: .milliseconds(300))
                #expect(await harness.state.botMessages(chatID: Self.group.id).count == 1)
                let reply = try #require(replies.first)
                #expect(reply.text?.contains("lanjutkan di chat pribadi") == true)
                #expect(await harness.state.currentReplyKeyboard(chatID: Self.group.id) == nil)
                let link = try #require(reply.replyMarkup?.rows.first?.first?.url)
                #expect(link.hasPrefix("https://t.me/LapakBot?start=g-find-"))
                #expect(await harness.state.requests.filter { $0.chatID == Self.group.id && $0.status != 200 }.isEmpty)

                // The link opens the private chat with `/start <parameter>`: the search goes on there.
                let parameter = String(link.split(separator: "=", maxSplits: 1)[1])
                let ask = try await harness.say("/start \(parameter)", as: rina)
                #expect(ask.text?.contains("Bagikan lokasi") == true && ask.text?.lowercased().contains("bakso") == true, "\(ask.text ?? "")")
                #expect(await harness.state.currentReplyKeyboard(chatID: rina.id)?.keyboard.joined().contains { $0.requestLocation } == true)
            }
        }
    }

    @Test("A command in the group does not touch the user's enrollment in the private chat", arguments: BotStoreKind.allCases)
    func dialogsPerChat(store: BotStoreKind) async throws {
        try await BotHarness.with(store: store) { harness in
            try await harness.runBot {
                let rina = Vendors.rina
                try await VendorEnrollmentTests.enroll(until: .location, as: rina, in: harness)
                await Self.writeInGroup("/batal@LapakBot", as: rina, in: harness)
                await Self.writeInGroup("/daftar@LapakBot", as: rina, in: harness)
                _ = try await harness.state.waitForBotMessages(chatID: Self.group.id, count: 2)
                // Still at the location step, with the answers kept.
                try await harness.press("📍 Kirim lokasi usaha", as: rina, location: Vendors.spot)
                _ = try await harness.say("0812 7777 1234", as: rina)
                let review = try await harness.tap("e:h:no", as: rina, expecting: 2)
                #expect(review[1].text?.contains("Kue Bu Sri") == true)
            }
        }
    }

    @Test("The start parameter round-trips a command and its argument within Telegram's 64 characters", arguments: [
        (CommandAction.find, "bakso" as String?), (.find, "katering halal dekat masjid"), (.register, nil), (.find, String(repeating: "sate ", count: 30)),
    ])
    func deepLinkPayload(action: CommandAction, argument: String?) throws {
        let payload = BotRouter.deepLinkPayload(action, argument: argument)
        #expect(payload.count <= 64 && payload.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" })
        let decoded = try #require(BotRouter.deepLinkCommand(payload))
        #expect(decoded.action == action)
        if let argument, argument.utf8.count <= 30 {
            #expect(decoded.argument == argument)
        } else {
            // An argument too long for the link is left out rather than cut in the middle of a word.
            #expect(decoded.argument == nil)
        }
    }

    // SQLite only: a step of SQLite's migrations; PostgreSQL's schema was made with dialogs per chat from the start.
    @Test("The migration keeps a dialog in progress: it becomes the user's dialog in their private chat")
    func migrationKeepsDialogs() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("lapak-dialogs-\(UUID().uuidString).sqlite").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let queue = try DatabaseQueue(path: path)
        try AppDatabase.migrator.migrate(queue, upTo: "2026-12-01 ownership audit")
        try queue.write { db in
            try db.execute(sql: "INSERT INTO conversation (user_id, state, updated_at) VALUES (7001, '{\"step\":\"enrolling\"}', 1)")
        }
        try AppDatabase.migrator.migrate(queue)
        let moved = try queue.read { db in try Row.fetchAll(db, sql: "SELECT user_id, chat_id, state FROM dialog") }
        #expect(moved.count == 1 && moved[0]["user_id"] == 7001 && moved[0]["chat_id"] == 7001)
        #expect(moved.first?["state"] == "{\"step\":\"enrolling\"}")
    }
}
