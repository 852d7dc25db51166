import BotAPIEmulator
import Foundation
@testable import LapakBot
import LapakRegistry
import Testing
import TelegramBotAPI

/// The weekly check-ins and the closing rating: durable rows, claimed in the transaction that writes
/// their message, so a restart (even right after the claim, as `kill -9` would leave it) sends each once.
@Suite("Apprenticeship reminders: weekly check-ins and ratings survive a restart and are never sent twice")
struct ApprenticeshipReminderTests {
    /// 10.00 WITA on 1 December 2026.
    static let start = Date(timeIntervalSince1970: 1_796_090_400)
    static let day: TimeInterval = 86_400

    static func texts() throws -> LanguagePack {
        try LanguagePack.load(from: URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../intents").standardized)
    }

    /// Rina apprenticed to Joko for 4 weeks, both accepted at `start`.
    static func activate(_ harness: BotHarness) async throws -> Apprenticeship {
        let rina = try await ApprenticeshipFlowTests.id("BAK-PEMULA", harness), joko = try await ApprenticeshipFlowTests.id("BAK-SENIOR", harness)
        return try await harness.stores { stores in
            let session = stores.registry
            try session.setCoachingRole(.beginner, ofBusiness: rina, now: start)
            try session.setCoachingRole(.mentor, capacity: 2, ofBusiness: joko, now: start)
            let proposed = try session.proposeApprenticeship(beginner: rina, mentor: joko, weeks: 4, by: Vendors.dewi.id, now: start)
            _ = try session.answerApprenticeship(proposed.id, side: .mentor, accept: true, username: "joko_bakso", now: start)
            guard case .activated(let active) = try session.answerApprenticeship(proposed.id, side: .beginner, accept: true, username: nil, now: start)
            else { throw HarnessError("not activated") }
            return active
        }
    }

    static func count(_ needle: String, for user: User, _ harness: BotHarness) async -> Int {
        await harness.state.botMessages(chatID: user.id).filter { $0.text?.contains(needle) == true }.count
    }

    @Test("Week 1 is asked of both sides with a topic and a note; week 2, claimed before a crash, arrives once after the restart", arguments: BotStoreKind.allCases)
    func checkInsAcrossRestart(store: BotStoreKind) async throws {
        try await BotHarness.with(store: store) { harness in
            let clock = WallClock(Self.start)
            var apprenticeship: Apprenticeship?
            try await harness.runBot(registry: ApprenticeshipFlowTests.seeds, clock: clock) {
                for user in [Vendors.rina, Vendors.joko, Vendors.mallory] { _ = try await harness.say("/start", as: user) }
                apprenticeship = try await Self.activate(harness)
                let rinaBefore = await harness.state.botMessages(chatID: Vendors.rina.id).count
                let jokoBefore = await harness.state.botMessages(chatID: Vendors.joko.id).count
                clock.set(Self.start.addingTimeInterval(7 * Self.day + 60))
                let asked = try await harness.next(1, after: rinaBefore, for: Vendors.rina)[0]
                #expect(asked.text?.contains("minggu ke-1") == true && asked.text?.contains("Sudah bertemu minggu ini?") == true)
                _ = try await harness.next(1, after: jokoBefore, for: Vendors.joko)
                let id = try #require(apprenticeship).id
                let topics = try await harness.tap("ac:\(id):1:y", as: Vendors.rina)[0]
                #expect(topics.replyMarkup?.rows.joined().count == 6)
                let reportID = try #require(topics.replyMarkup?.rows.first?.first?.callbackData?.split(separator: ":")[1])
                _ = try await harness.tap("at:\(reportID):production", as: Vendors.rina)
                let tooLong = try await harness.say(String(repeating: "a", count: 501), as: Vendors.rina)
                #expect(tooLong.text?.contains("501 huruf") == true)
                let noted = try await harness.say("Belajar membuat kuah", as: Vendors.rina)
                #expect(noted.text?.contains("tercatat") == true)
                let notMet = try await harness.tap("ac:\(id):1:n", as: Vendors.joko)[0]
                #expect(notMet.text?.contains("belum bertemu") == true)
                // A third person cannot answer for them.
                let forged = try await harness.state.pressForgedButton(from: Vendors.mallory, messageID: await Self.lastMessage(to: Vendors.mallory, harness), callbackData: "ac:\(id):1:y")
                try await VendorDailyTests.expectExpired(forged, in: harness)
            }

            // The daemon is down when week 2 falls due; a pass claims both reminders and writes their messages,
            // then the process dies before delivering them (what a kill -9 right after the commit leaves).
            let week2 = Self.start.addingTimeInterval(14 * Self.day + 60)
            clock.set(week2)
            let texts = try Self.texts()
            let claimed = try await harness.stores { stores in
                try stores.registry.dueReminders(now: week2, limit: 100).flatMap { reminder in
                    try CoachingScheduler.commit(.reminder(reminder), stores: stores, texts: texts, now: week2)
                }
            }
            #expect(claimed.count == 2)

            try await harness.runBot(registry: [], clock: clock) {
                try await BotSearchTests.waitUntil {
                    let rina = await Self.count("minggu ke-2", for: Vendors.rina, harness)
                    let joko = await Self.count("minggu ke-2", for: Vendors.joko, harness)
                    return rina == 1 && joko == 1
                }
                // Two more passes of the scheduler: nothing is sent again.
                try await Task.sleep(for: .milliseconds(2500))
                #expect(await Self.count("minggu ke-2", for: Vendors.rina, harness) == 1)
                #expect(await Self.count("minggu ke-2", for: Vendors.joko, harness) == 1)
            }

            // At the end both are asked for a rating; it finishes the apprenticeship and counts in /statistik.
            clock.set(Self.start.addingTimeInterval(28 * Self.day + 60))
            try await harness.runBot(registry: [], staff: [Vendors.dewi.id], clock: clock) {
                try await BotSearchTests.waitUntil { await Self.count("sudah selesai", for: Vendors.rina, harness) == 1 }
                let id = try #require(apprenticeship).id
                // Week 3 fell due a week before this start: it is dropped rather than asked late.
                #expect(await Self.count("minggu ke-3", for: Vendors.rina, harness) == 0)
                let comment = try await harness.tap("ar:\(id):5", as: Vendors.rina)[0]
                #expect(comment.text?.contains("komentar") == true)
                let skip = try #require(comment.replyMarkup?.rows.first?.first?.callbackData)
                #expect(skip.hasPrefix("an:"))
                let thanks = try await harness.tap(skip, as: Vendors.rina)[0]
                #expect(thanks.text?.contains("tercatat") == true)
                let statistics = try await harness.say("/statistik", as: Vendors.dewi)
                #expect(statistics.text?.contains("Magang: aktif 0") == true && statistics.text?.contains("selesai 1") == true)
                #expect(statistics.text?.contains("Pertemuan dilaporkan: 1") == true && statistics.text?.contains("nilai rata-rata: 5,0 (1)") == true)
            }
        }
    }

    /// The id of the bot's latest message to `user` (a forged press needs a message in the presser's own chat).
    static func lastMessage(to user: User, _ harness: BotHarness) async -> Int {
        await harness.state.botMessages(chatID: user.id).last?.messageID ?? 0
    }
}
