import BotAPIEmulator
import Foundation
import LapakRegistry
@testable import LapakBot
import Testing
import TelegramBotAPI

@Suite("Citizens find the nearest businesses, end to end through the emulator")
struct BotSearchTests {
    static let sari = User(id: 6001, firstName: "Sari", languageCode: "id")
    static let john = User(id: 6002, firstName: "John", languageCode: "en-GB")
    /// Bontang Kuala's pin: the citizen's position in these tests.
    static let here = (latitude: 0.1335, longitude: 117.5081)

    /// A point `metres` north of `here`.
    static func north(_ metres: Double) -> GeoPoint {
        GeoPoint(latitude: here.latitude + metres / 111_195, longitude: here.longitude)
    }

    static let registry: [Business] = [
        Business(registryID: "K1", name: "Katering Bu Ani", category: "katering", mode: .menetap, location: north(350),
                 kelurahan: "Bontang Kuala", address: "Jl. Ahmad Yani No. 3", phone: "+6281234567890", halal: true),
        Business(registryID: "K2", name: "Dapur Pak Budi", category: "katering", mode: .menetap, location: north(1_200), halal: false),
        Business(registryID: "K3", name: "Kue <Bu> \"Ani\" & Co 🍰", category: "kue", mode: .menetap, location: north(200), halal: true,
                 verified: false),
        Business(registryID: "B1", name: "Bakso Mas Joko", category: "bakso-mie", mode: .berkeliling, location: nil),
    ] + (1...7).map { index in
        Business(registryID: "L\(index)", name: "Laundry \(index)", category: "laundry", mode: .menetap, location: north(Double(index) * 100),
                 halal: index % 2 == 0)
    }

    @Test("“katering terdekat”: asked for a location, then the nearest catering with distance, phone and halal mark", arguments: BotStoreKind.allCases)
    func cateringInIndonesian(store: BotStoreKind) async throws {
        try await BotHarness.with(store: store) { harness in
            try await harness.runBot(registry: Self.registry) {
                let ask = try await harness.say("katering terdekat", as: Self.sari)
                #expect(ask.text?.contains("Bagikan lokasi Anda") == true)
                #expect(await harness.state.currentReplyKeyboard(chatID: Self.sari.id)?.keyboard.first?.first?.requestLocation == true)

                let before = await harness.state.botMessages(chatID: Self.sari.id).count
                try await harness.state.pressKeyboardButton(from: Self.sari, label: "📍 Kirim lokasi saya", location: Self.here)
                let replies = try await harness.next(2, after: before, for: Self.sari)
                let results = try #require(replies.last?.text)
                #expect(results.contains("Katering terdekat"))
                #expect(results.contains("1. Katering Bu Ani · 350 m"))
                #expect(results.contains("2. Dapur Pak Budi · 1,2 km"))
                #expect(results.contains("+6281234567890") && results.contains("✅ halal"))
                #expect(!results.contains("Laundry"))
            }
        }
    }

    @Test("“nearest catering” in English; a second question is answered at once with the remembered location", arguments: BotStoreKind.allCases)
    func englishAndRememberedLocation(store: BotStoreKind) async throws {
        try await BotHarness.with(store: store) { harness in
            try await harness.runBot(registry: Self.registry, checkIns: [("B1", Self.north(600))]) {
                let ask = try await harness.say("nearest catering", as: Self.john)
                #expect(ask.text?.contains("Share your location") == true)
                let before = await harness.state.botMessages(chatID: Self.john.id).count
                try await harness.state.pressKeyboardButton(from: Self.john, label: "📍 Send my location", location: Self.here)
                let results = try await harness.next(2, after: before, for: Self.john).last?.text ?? ""
                #expect(results.contains("The nearest Catering") && results.contains("1.2 km"))

                let bakso = try await harness.say("bakso near me", as: Self.john)
                #expect(bakso.text?.contains("1. Bakso Mas Joko · 600 m") == true)
                #expect(bakso.text?.contains("mobile, here since") == true)
            }
        }
    }

    @Test("Paging with “Berikutnya”, the halal filter and a map pin", arguments: BotStoreKind.allCases)
    func pagingHalalAndPins(store: BotStoreKind) async throws {
        try await BotHarness.with(store: store) { harness in
            try await harness.runBot(registry: Self.registry) {
                _ = try await harness.say("laundry", as: Self.sari)
                let results = try await Self.shareLocation(in: harness)
                #expect(results.text?.contains("5. Laundry 5") == true)
                let next = try #require(results.replyMarkup?.rows.joined().first { $0.text == "Berikutnya ➡️" }?.callbackData)

                try await harness.state.pressInlineButton(from: Self.sari, messageID: results.messageID, callbackData: next)
                try await Self.waitUntil { await harness.state.botMessages(chatID: Self.sari.id).first { $0.messageID == results.messageID }?.text?.contains("6. Laundry 6") == true }

                let page = await harness.state.botMessages(chatID: Self.sari.id).first { $0.messageID == results.messageID }!
                let halal = try #require(page.replyMarkup?.rows.joined().first { $0.text == "✅ Halal saja" }?.callbackData)
                try await harness.state.pressInlineButton(from: Self.sari, messageID: page.messageID, callbackData: halal)
                try await Self.waitUntil { await harness.state.botMessages(chatID: Self.sari.id).first { $0.messageID == results.messageID }?.text?.contains("(halal saja)") == true }
                let filtered = await harness.state.botMessages(chatID: Self.sari.id).first { $0.messageID == results.messageID }!
                #expect(filtered.text?.contains("Laundry 1") == false && filtered.text?.contains("1. Laundry 2 · 200 m") == true)

                let before = await harness.state.botMessages(chatID: Self.sari.id).count
                let pin = try #require(filtered.replyMarkup?.rows.first?.first?.callbackData)
                try await harness.state.pressInlineButton(from: Self.sari, messageID: filtered.messageID, callbackData: pin)
                let venue = try await harness.next(1, after: before, for: Self.sari).first?.venue
                #expect(venue?.title == "Laundry 2")
                #expect(venue.map { abs($0.location.latitude - Self.north(200).latitude) < 1e-9 } == true)
            }
        }
    }

    @Test("A restart between the question and the location continues the search", arguments: BotStoreKind.allCases)
    func restartMidConversation(store: BotStoreKind) async throws {
        try await BotHarness.with(store: store) { harness in
            try await harness.runBot(registry: Self.registry) {
                _ = try await harness.say("cari katering halal", as: Self.sari)
            }
            try await harness.runBot {
                let results = try await Self.shareLocation(in: harness).text ?? ""
                #expect(results.contains("(halal saja)") && results.contains("Katering Bu Ani") && !results.contains("Dapur Pak Budi"))
            }
        }
    }

    @Test("A business name with markup is shown exactly as written, not as HTML", arguments: BotStoreKind.allCases)
    func escaping(store: BotStoreKind) async throws {
        try await BotHarness.with(store: store) { harness in
            try await harness.runBot(registry: Self.registry) {
                _ = try await harness.say("/cari kue", as: Self.sari)
                let results = try await Self.shareLocation(in: harness).text ?? ""
                #expect(results.contains("1. Kue <Bu> \"Ani\" & Co 🍰 · 200 m"))
                #expect(results.contains("belum diverifikasi"))
            }
        }
    }

    @Test("Nothing of the kind nearby: say so and offer the nearest of any kind; a bare location shows all kinds", arguments: BotStoreKind.allCases)
    func nothingNearbyAndBareLocation(store: BotStoreKind) async throws {
        try await BotHarness.with(store: store) { harness in
            try await harness.runBot(registry: Self.registry) {
                _ = try await harness.say("tukang jahit", as: Self.sari)
                let text = try await Self.shareLocation(in: harness).text ?? ""
                #expect(text.contains("Tidak ada penjahit dan konveksi dalam 25 km"))
                #expect(text.contains("Yang terdekat dari jenis apa pun") && text.contains("1. Laundry 1 · 100 m"))

                let browse = try await Self.shareLocation(in: harness)
                #expect(browse.text?.contains("Usaha terdekat") == true)
                #expect(browse.replyMarkup?.rows.joined().contains { $0.callbackData == "k:katering" } == true)
            }
        }
    }

    @Test("“cari” without a kind shows the categories; choosing one searches with the remembered location", arguments: BotStoreKind.allCases)
    func categoryKeyboard(store: BotStoreKind) async throws {
        try await BotHarness.with(store: store) { harness in
            try await harness.runBot(registry: Self.registry) {
                _ = try await Self.shareLocation(in: harness)
                let menu = try await harness.say("cari usaha", as: Self.sari)
                #expect(menu.text == "Mau cari usaha apa? Pilih jenisnya:")
                #expect(menu.replyMarkup?.rows.first?.first?.text == "🍱 Katering")
                let count = await harness.state.botMessages(chatID: Self.sari.id).count
                try await harness.state.pressInlineButton(from: Self.sari, messageID: menu.messageID, callbackData: "k:katering")
                let results = try await harness.next(1, after: count, for: Self.sari).first?.text ?? ""
                #expect(results.contains("1. Katering Bu Ani · 350 m"))
                #expect(await harness.state.answeredCallbackQueries.count == 1)
            }
        }
    }

    @Test("Button data that names no valid action is answered as expired, and changes nothing", arguments: BotStoreKind.allCases)
    func forgedButtonData(store: BotStoreKind) async throws {
        try await BotHarness.with(store: store) { harness in
            try await harness.runBot(registry: Self.registry) {
                let menu = try await harness.say("cari usaha", as: Self.sari)
                for data in ["", "x", "n:abc", "v:1", "v:1:99", "c:-1", "n:1:2", "zz:1", "t:abc"] {
                    let update = try await harness.state.pressForgedButton(from: Self.sari, messageID: menu.messageID, callbackData: data)
                    guard case .callbackQuery(let query) = update.content else { Issue.record("not a button press"); return }
                    try await Self.waitUntil { await harness.state.answeredCallbackQueries[query.id] != nil }
                    #expect(await harness.state.answeredCallbackQueries[query.id] == .some("Tombol ini sudah kedaluwarsa."), "\(data)")
                }
                #expect(await harness.state.botMessages(chatID: Self.sari.id).count == 1)
            }
        }
    }

    /// Sari shares her location at `here`; returns the bot's second reply (the first only confirms the location).
    static func shareLocation(in harness: BotHarness) async throws -> Message {
        let before = await harness.state.botMessages(chatID: sari.id).count
        await harness.state.sendLocation(from: sari, latitude: here.latitude, longitude: here.longitude)
        return try await harness.next(2, after: before, for: sari)[1]
    }

    static func waitUntil(_ condition: () async -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while !(await condition()) {
            guard ContinuousClock.now < deadline else { throw FixtureTimeout() }
            try await Task.sleep(for: .milliseconds(10))
        }
    }
}

struct FixtureTimeout: Error {}
