import BotAPIEmulator
import Foundation
import LapakRegistry
@testable import LapakBot
import Testing
import TelegramBotAPI

@Suite("A location outside Bontang, or remembered too long, is named as such before any results")
struct HonestLocationTests {
    typealias Fixture = BotSearchTests
    static let sari = Fixture.sari
    /// Samarinda, some 100 km south-west of Bontang.
    static let samarinda = (latitude: -0.5022, longitude: 117.1536)

    @Test("A location outside the service area gets its own answer, and a search waiting for it keeps waiting", arguments: BotStoreKind.allCases)
    func outsideTheArea(store: BotStoreKind) async throws {
        try await BotHarness.with(store: store) { harness in
            try await harness.runBot(registry: Fixture.registry) {
                _ = try await harness.say("katering", as: Self.sari)
                let before = await harness.state.botMessages(chatID: Self.sari.id).count
                await harness.state.sendLocation(from: Self.sari, latitude: Self.samarinda.latitude, longitude: Self.samarinda.longitude)
                let answer = try await harness.next(1, after: before, for: Self.sari)[0]
                #expect(answer.text?.contains("Lokasi Anda di luar Kota Bontang") == true)
                #expect(await harness.state.currentReplyKeyboard(chatID: Self.sari.id)?.keyboard.first?.first?.requestLocation == true)

                // The remembered location is outside too: named, with the button, before any results.
                let again = try await harness.say("katering", as: Self.sari)
                #expect(again.text?.contains("berada di luar Kota Bontang, jadi tidak saya pakai") == true)
                #expect(again.text?.contains("Bagikan lokasi Anda") == true)
                #expect(again.text?.contains("Katering Bu Ani") == false)

                // A fresh location inside answers the search that waited.
                let results = try await Fixture.shareLocation(in: harness).text ?? ""
                #expect(results.contains("1. Katering Bu Ani · 350 m"))
                #expect(await harness.state.botMessages(chatID: Self.sari.id).count == before + 4)
            }
        }
    }

    @Test("A remembered location older than the period is named as such, and a fresh one is asked for", arguments: BotStoreKind.allCases)
    func staleLocation(store: BotStoreKind) async throws {
        let clock = WallClock(Date())
        try await BotHarness.with(store: store) { harness in
            try await harness.runBot(registry: Fixture.registry, clock: clock) {
                _ = try await Fixture.shareLocation(in: harness)
                let recent = try await harness.say("katering", as: Self.sari)
                #expect(recent.text?.contains("1. Katering Bu Ani · 350 m") == true)

                clock.set(clock.now.addingTimeInterval(31 * 60))
                let stale = try await harness.say("katering", as: Self.sari)
                #expect(stale.text?.contains("sudah lebih dari 30 menit yang lalu, jadi tidak saya pakai lagi") == true)
                #expect(stale.text?.contains("Katering Bu Ani") == false)
                #expect(await harness.state.currentReplyKeyboard(chatID: Self.sari.id)?.keyboard.first?.first?.requestLocation == true)
            }
        }
    }
}
