import Foundation
import LapakBot
import LapakRegistry
import TelegramBotAPI
import Testing

/// "Chat di Telegram" on the agency's website: `https://t.me/<bot>?start=u<number>` opens the business's card in the bot.
@Suite("The website's deep link opens the business's card in the bot")
struct WebsiteDeepLinkTests {
    @Test("/start u<number> shows the card with its phone and marks, and its pin; a suspended business gets a clear word", arguments: BotStoreKind.allCases)
    func cardFromTheWebsite(store: BotStoreKind) async throws {
        try await BotHarness.with(store: store) { harness in
            try await harness.runBot(registry: BotSearchTests.registry) {
                let ani = try #require(try await harness.business("K1"))
                let replies = try await harness.say("/start u\(ani.id)", as: BotSearchTests.sari, expecting: 2)
                let card = try #require(replies.first?.text)
                #expect(card.contains("Katering Bu Ani") && card.contains("+6281234567890") && card.contains("Jl. Ahmad Yani No. 3"))
                #expect(card.contains("halal") && card.contains("terverifikasi"))
                #expect(replies.last?.venue?.title == "Katering Bu Ani")

                let budi = try #require(try await harness.business("K2"))
                try await harness.stores { try $0.registry.setStatus(.suspended, ofBusiness: budi.id, at: Date()) }
                let gone = try await harness.say("/start u\(budi.id)", as: BotSearchTests.sari)
                #expect(gone.text?.contains("tidak ada lagi di direktori") == true)
                #expect(gone.text?.contains("Dapur Pak Budi") == false)
            }
        }
    }
}
