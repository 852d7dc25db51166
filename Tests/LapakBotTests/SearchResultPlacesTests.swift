import BotAPIEmulator
import Foundation
import LapakRegistry
@testable import LapakBot
import Testing
import TelegramBotAPI

@Suite("Search results say where each business is, and their pages add up")
struct SearchResultPlacesTests {
    typealias Fixture = BotSearchTests
    static let sari = Fixture.sari

    static let registry: [Business] = Fixture.registry + [
        Business(registryID: "S1", name: "Sayur Bu Yati", category: "sayur", mode: .menetap, location: Fixture.north(300),
                 kelurahan: "Api-Api", address: "", phone: "+6281300000001"),
    ]

    @Test("Each result names its address and kelurahan, or the kelurahan alone, or where a mobile vendor is now", arguments: BotStoreKind.allCases)
    func placeOfEachResult(store: BotStoreKind) async throws {
        try await BotHarness.with(store: store) { harness in
            try await harness.runBot(registry: Self.registry, checkIns: [("B1", Fixture.north(600))]) {
                _ = try await harness.say("katering", as: Self.sari)
                let catering = try await Fixture.shareLocation(in: harness).text ?? ""
                #expect(catering.contains("1. Katering Bu Ani · 350 m\n    🍱 Katering · toko tetap · ✅ halal · ✔️ terverifikasi\n    📌 Jl. Ahmad Yani No. 3, Bontang Kuala\n    📞 +6281234567890"))

                let vegetables = try await harness.say("sayur", as: Self.sari)
                #expect(vegetables.text?.contains("📌 Api-Api\n    📞 +6281300000001") == true)

                let bakso = try await harness.say("bakso", as: Self.sari)
                #expect(bakso.text?.contains("📌 sekarang di sekitar Bontang Kuala") == true)
            }
        }
    }

    @Test("Page 2's pins read 6–10 and open results 6–10; it has “⬅️ Sebelumnya”, which goes back to page 1", arguments: BotStoreKind.allCases)
    func pagingAddsUp(store: BotStoreKind) async throws {
        try await BotHarness.with(store: store) { harness in
            try await harness.runBot(registry: Self.registry) {
                _ = try await harness.say("laundry", as: Self.sari)
                let first = try await Fixture.shareLocation(in: harness)
                let firstButtons = first.replyMarkup?.rows.joined().map(\.text) ?? []
                #expect(firstButtons.starts(with: ["📍 1", "📍 2", "📍 3", "📍 4", "📍 5"]))
                #expect(!firstButtons.contains("⬅️ Sebelumnya"))

                let next = try #require(first.replyMarkup?.rows.joined().first { $0.text == "Berikutnya ➡️" }?.callbackData)
                try await harness.state.pressInlineButton(from: Self.sari, messageID: first.messageID, callbackData: next)
                let second = try await Self.edited(first.messageID, in: harness) { $0.text?.contains("6. Laundry 6") == true }
                let pins = second.replyMarkup?.rows.first ?? []
                #expect(pins.map(\.text) == ["📍 6", "📍 7"])
                let back = try #require(second.replyMarkup?.rows.joined().first { $0.text == "⬅️ Sebelumnya" }?.callbackData)

                let before = await harness.state.botMessages(chatID: Self.sari.id).count
                let seventh = try #require(pins.last?.callbackData)
                try await harness.state.pressInlineButton(from: Self.sari, messageID: second.messageID, callbackData: seventh)
                #expect(try await harness.next(1, after: before, for: Self.sari).first?.venue?.title == "Laundry 7")

                try await harness.state.pressInlineButton(from: Self.sari, messageID: second.messageID, callbackData: back)
                let again = try await Self.edited(first.messageID, in: harness) { $0.text?.contains("1. Laundry 1") == true }
                #expect(again.replyMarkup?.rows.first?.map(\.text) == ["📍 1", "📍 2", "📍 3", "📍 4", "📍 5"])
                #expect(again.replyMarkup?.rows.joined().contains { $0.text == "⬅️ Sebelumnya" } == false)
            }
        }
    }

    /// The message `id` once an edit has made it satisfy `condition`.
    static func edited(_ id: Int, in harness: BotHarness, until condition: @escaping (Message) -> Bool) async throws -> Message {
        try await Fixture.waitUntil {
            await harness.state.botMessages(chatID: sari.id).first { $0.messageID == id }.map(condition) == true
        }
        return await harness.state.botMessages(chatID: sari.id).first { $0.messageID == id }!
    }
}
