import BotAPIEmulator
import Foundation
@testable import LapakBot
import LapakBroadcast
import LapakRegistry
import Testing
import TelegramBotAPI

/// Vendors for broadcast tests: `count` accounts, each owning one business; kinds, modes, halal and
/// kelurahan cycle so every audience filter has something to count.
enum BroadcastFixture {
    static let categories = ["katering", "bakso-mie", "kue", "laundry"]

    static func vendor(_ index: Int) -> User { User(id: 100_000 + Int64(index), firstName: "Vendor \(index)", languageCode: "id") }

    static func businesses(_ count: Int) -> [Business] {
        (0..<count).map { index in
            let kelurahan = Kelurahan.bontang[index % 3]
            return Business(registryID: "V-\(index)", name: "Usaha \(index)", category: categories[index % categories.count],
                            mode: index % 2 == 0 ? .menetap : .berkeliling,
                            location: GeoPoint(latitude: kelurahan.latitude, longitude: kelurahan.longitude), kelurahan: kelurahan.name,
                            phone: "", ownerTelegramID: vendor(index).id, halal: index % 5 == 0)
        }
    }
}

@Suite("Staff announce to vendors through the bot, within Telegram's limits", .serialized)
struct BroadcastFlowTests {
    static let dewi = Vendors.dewi
    static let sari = Vendors.sari

    @Test("/umumkan: audience counted live, preview, every vendor gets it exactly once, no request in a retry_after window, replies go first, RSVP counted", arguments: BotStoreKind.allCases)
    func announceToAll(store: BotStoreKind) async throws {
        let vendors = 240
        try await BotHarness.with(store: store) { harness in
            await harness.state.setLimits(.telegram)
            await harness.state.registerUsers((0..<vendors).map(BroadcastFixture.vendor))
            try await harness.runBot(registry: BroadcastFixture.businesses(vendors), staff: [Self.dewi.id]) {
                let panel = try await harness.say("/umumkan Pelatihan <halal> & pendampingan gratis, Sabtu 09.00", as: Self.dewi)
                #expect(panel.text?.contains("240 pelaku usaha akan menerimanya") == true)

                // Filters combine, and the count follows each press.
                try await harness.tap("b:mode", as: Self.dewi, expecting: 0)
                try await Self.waitForPanel(containing: "120 pelaku usaha", in: harness)
                try await harness.tap("b:cat", as: Self.dewi, expecting: 0)
                try await Self.waitForButton("b:k:katering", in: harness)
                try await harness.tap("b:k:katering", as: Self.dewi, expecting: 0)
                try await Self.waitForPanel(containing: "60 pelaku usaha", in: harness)
                try await harness.tap("b:all", as: Self.dewi, expecting: 0)
                try await Self.waitForPanel(containing: "240 pelaku usaha", in: harness)
                try await harness.tap("b:rsvp", as: Self.dewi, expecting: 0)
                try await Self.waitForPanel(containing: "Tombol ✋ Ikut: ya", in: harness)

                let preview = try await harness.tap("b:preview", as: Self.dewi, expecting: 3)
                #expect(preview[1].text?.contains("Pelatihan <halal> & pendampingan gratis") == true)  // escaped, shown as typed
                #expect(preview[1].replyMarkup?.rows.first?.first?.text == "✋ Ikut")
                #expect(preview[2].text?.contains("Kirim pengumuman ini ke 240 pelaku usaha?") == true)
                let progress = try await harness.tap("b:send", as: Self.dewi)[0]
                #expect(progress.text?.contains("Terkirim 0 / 240") == true)

                // A citizen asks during the broadcast and is answered before it ends.
                let question = try await harness.say("halo", as: Self.sari)
                #expect(question.text?.contains("Halo") == true)
                #expect((await harness.state.deliveries(containing: "Pelatihan")).count < vendors)

                let report = try await harness.state.waitForBotMessages(chatID: Self.dewi.id, count: 6, timeout: .seconds(60)).last?.text ?? ""
                #expect(report.contains("Pengumuman #1 selesai") && report.contains("terkirim 240 dari 240"))
                let deliveries = await harness.state.deliveries(containing: "Pelatihan <halal> & pendampingan gratis")
                #expect(deliveries.count == vendors + 1)  // every vendor, and Dewi's preview
                #expect(deliveries.values.allSatisfy { $0 == 1 })
                #expect(await harness.state.floodViolations == 0)
                let edited = await harness.state.botMessages(chatID: Self.dewi.id).first { $0.messageID == progress.messageID }
                #expect(edited?.text?.contains("Terkirim 240 / 240") == true)

                // RSVP: a vendor taps "✋ Ikut" twice; staff see one attendee.
                let vendor = BroadcastFixture.vendor(7)
                let announcement = try #require(await harness.state.botMessages(chatID: vendor.id).last)
                let press = try await harness.state.pressInlineButton(from: vendor, messageID: announcement.messageID, callbackData: "r:1")
                try await Self.waitForAnswer(press, in: harness)
                let again = try await harness.state.pressInlineButton(from: vendor, messageID: announcement.messageID, callbackData: "r:1")
                try await Self.waitForAnswer(again, in: harness)
                let statistics = try await harness.say("/statistik", as: Self.dewi)
                #expect(statistics.text?.contains("Terkirim 240 / 240") == true && statistics.text?.contains("✋ ikut 1") == true)
                let attendees = try await harness.tap("st:1", as: Self.dewi)[0]
                #expect(attendees.text?.contains("1. Vendor 7 — Usaha 7") == true)
            }
        }
    }

    @Test("Only staff may announce: anyone else is refused politely and nothing is sent", arguments: BotStoreKind.allCases)
    func nonStaffRefused(store: BotStoreKind) async throws {
        try await BotHarness.with(store: store) { harness in
            await harness.state.registerUsers((0..<5).map(BroadcastFixture.vendor))
            try await harness.runBot(registry: BroadcastFixture.businesses(5), staff: [Self.dewi.id]) {
                let refused = try await harness.say("/umumkan Diskon!", as: Self.sari)
                #expect(refused.text?.contains("hanya untuk petugas") == true)
                let forged = try await harness.state.pressForgedButton(from: Self.sari, messageID: refused.messageID, callbackData: "b:send")
                try await VendorDailyTests.expectExpired(forged, in: harness)
                let statistics = try await harness.say("/statistik", as: Self.sari)
                #expect(statistics.text?.contains("hanya untuk petugas") == true)
                try await Task.sleep(for: .milliseconds(300))
                #expect(await harness.state.deliveries(containing: "Diskon").isEmpty)
            }
        }
    }

    @Test("Vendors stop announcements with /berhenti and get them again with /langganan", arguments: BotStoreKind.allCases)
    func unsubscribeAndResubscribe(store: BotStoreKind) async throws {
        try await BotHarness.with(store: store) { harness in
            await harness.state.registerUsers((0..<4).map(BroadcastFixture.vendor))
            try await harness.runBot(registry: BroadcastFixture.businesses(4), staff: [Self.dewi.id]) {
                let stopped = try await harness.say("/berhenti", as: BroadcastFixture.vendor(1))
                #expect(stopped.text?.contains("tidak akan menerima pengumuman") == true)
                let panel = try await harness.say("/umumkan Rapat UMKM", as: Self.dewi)
                #expect(panel.text?.contains("3 pelaku usaha") == true)
                _ = try await harness.say("/langganan", as: BroadcastFixture.vendor(1))
                try await harness.tap("b:all", as: Self.dewi, expecting: 0)
                try await Self.waitForPanel(containing: "4 pelaku usaha", in: harness)
            }
        }
    }

    /// Waits until the staff's audience panel (edited in place) shows `text`.
    static func waitForPanel(containing text: String, in harness: BotHarness) async throws {
        try await BotSearchTests.waitUntil {
            await harness.state.botMessages(chatID: dewi.id).contains { $0.text?.contains("Penerima pengumuman") == true && $0.text?.contains(text) == true }
        }
    }

    static func waitForButton(_ data: String, in harness: BotHarness) async throws {
        try await BotSearchTests.waitUntil {
            await harness.state.botMessages(chatID: dewi.id).contains { $0.replyMarkup?.rows.joined().contains { $0.callbackData == data } == true }
        }
    }

    static func waitForAnswer(_ press: Update, in harness: BotHarness) async throws {
        guard case .callbackQuery(let query) = press.content else { return }
        try await BotSearchTests.waitUntil { await harness.state.answeredCallbackQueries[query.id] != nil }
    }
}
