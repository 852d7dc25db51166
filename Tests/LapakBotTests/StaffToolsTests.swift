import BotAPIEmulator
import Foundation
@testable import LapakBot
import LapakRegistry
import Testing
import TelegramBotAPI

@Suite("Staff tools: halal marks, formatting, long texts, stopping a broadcast")
struct StaffToolsTests {
    static let dewi = Vendors.dewi

    @Test("/halal ID marks a business certified and citizens' halal filter finds it; others may not use it", arguments: BotStoreKind.allCases)
    func halalMark(store: BotStoreKind) async throws {
        let shop = Business(registryID: "UMKM-7", name: "Kue Ibu Tini", category: "kue", mode: .menetap, location: Vendors.spot)
        try await BotHarness.with(store: store) { harness in
            try await harness.runBot(registry: [shop], staff: [Self.dewi.id]) {
                let before = try await Vendors.citizenSearch("kue halal", from: Vendors.north(100), in: harness)
                #expect(before.contains("Tidak ada roti dan kue (halal saja)"))
                let refused = try await harness.say("/halal UMKM-7", as: Vendors.sari)
                #expect(refused.text?.contains("hanya untuk petugas") == true)
                let unknown = try await harness.say("/halal UMKM-999", as: Self.dewi)
                #expect(unknown.text?.contains("Tidak ada usaha dengan nomor UMKM-999") == true)
                let marked = try await harness.say("/halal UMKM-7", as: Self.dewi, expecting: 2)
                #expect(marked[0].text?.contains("ditandai bersertifikat halal") == true && marked[1].text?.contains("UMKM-7") == true)
                let after = try await Vendors.citizenSearch("kue halal", from: Vendors.north(100), in: harness)
                #expect(after.contains("1. Kue Ibu Tini · 100 m") && after.contains("✅ halal"))
            }
        }
    }

    @Test("Formatting: bad HTML is refused with the reason and the text stays plain; valid HTML is sent formatted", arguments: BotStoreKind.allCases)
    func htmlFormatting(store: BotStoreKind) async throws {
        try await BotHarness.with(store: store) { harness in
            await harness.state.registerUsers((0..<3).map(BroadcastFixture.vendor))
            try await harness.runBot(registry: BroadcastFixture.businesses(3), staff: [Self.dewi.id]) {
                _ = try await harness.say("/umumkan Pelatihan <b>gratis", as: Self.dewi)
                let press = try await Self.pressPanel("b:html", in: harness)
                let toast = await harness.state.answeredCallbackQueries[press] ?? nil
                #expect(toast?.contains("<b> is never closed") == true)
                _ = try await harness.say("Pelatihan <b>gratis</b> &amp; terbuka", as: Self.dewi, expecting: 2)  // replaces the text
                try await harness.tap("b:html", as: Self.dewi, expecting: 0)
                try await BroadcastFlowTests.waitForPanel(containing: "Format: HTML", in: harness)
                let preview = try await harness.tap("b:preview", as: Self.dewi, expecting: 3)
                #expect(preview[1].text?.contains("Pelatihan gratis & terbuka") == true)  // bold, not literal tags
                _ = try await harness.tap("b:send", as: Self.dewi)
                try await BotSearchTests.waitUntil { await harness.state.deliveries(containing: "Pelatihan gratis & terbuka").count == 4 }
            }
        }
    }

    @Test("An announcement longer than Telegram allows is refused with its length, and nothing is kept", arguments: BotStoreKind.allCases)
    func tooLong(store: BotStoreKind) async throws {
        try await BotHarness.with(store: store) { harness in
            try await harness.runBot(staff: [Self.dewi.id]) {
                let reply = try await harness.say("/umumkan " + String(repeating: "a", count: 4100), as: Self.dewi, expecting: 2)
                #expect(reply[0].text?.contains("terlalu panjang: 4100 karakter") == true)
                #expect(reply[1].text?.contains("Tulis pengumuman") == true)  // asked for a shorter one
            }
        }
    }

    @Test("Staff stop a broadcast in progress: the rest is skipped and the report says so", arguments: BotStoreKind.allCases)
    func stopBroadcast(store: BotStoreKind) async throws {
        let vendors = 150
        try await BotHarness.with(store: store) { harness in
            await harness.state.setLimits(.telegram)
            await harness.state.registerUsers((0..<vendors).map(BroadcastFixture.vendor))
            try await harness.runBot(registry: BroadcastFixture.businesses(vendors), staff: [Self.dewi.id]) {
                _ = try await harness.say("/umumkan Bazar ditunda", as: Self.dewi)
                try await harness.tap("b:preview", as: Self.dewi, expecting: 3)
                let progress = try await harness.tap("b:send", as: Self.dewi)[0]
                try await BotSearchTests.waitUntil { await harness.state.deliveries(containing: "Bazar ditunda").count >= 20 }
                let before = await harness.state.botMessages(chatID: Self.dewi.id).count
                try await harness.state.pressInlineButton(from: Self.dewi, messageID: progress.messageID, callbackData: "bs:1")
                let report = try await harness.next(1, after: before, for: Self.dewi)[0]
                #expect(report.text?.contains("Pengumuman #1 dihentikan") == true)
                let delivered = await harness.state.deliveries(containing: "Bazar ditunda").count
                #expect(delivered - 1 < vendors)  // Dewi's preview is one of them
                try await Task.sleep(for: .milliseconds(500))
                #expect(await harness.state.deliveries(containing: "Bazar ditunda").count == delivered)  // nothing more goes out
            }
        }
    }

    /// Presses a button of the audience panel and returns the callback query id once it is answered.
    static func pressPanel(_ data: String, in harness: BotHarness) async throws -> String {
        let panel = try #require(await harness.state.botMessages(chatID: dewi.id).last { $0.text?.contains("Penerima pengumuman") == true })
        let press = try await harness.state.pressInlineButton(from: dewi, messageID: panel.messageID, callbackData: data)
        guard case .callbackQuery(let query) = press.content else { throw HarnessError("not a callback query") }
        try await BotSearchTests.waitUntil { await harness.state.answeredCallbackQueries[query.id] != nil }
        return query.id
    }
}
