import BotAPIEmulator
import Foundation
import LapakRegistry
@testable import LapakBot
import Testing
import TelegramBotAPI

/// `/cari` with every way of naming a kind, and what users typed shown as written, through the emulator.
@Suite("Searching by the registry's own kinds, end to end")
struct BotKindSearchTests {
    static let sari = BotSearchTests.sari
    static let john = BotSearchTests.john

    static let registry: [Business] = [
        Business(registryID: "W1", name: "Warung {phone} Bu {name}", category: "warung-makan", mode: .menetap,
                 location: BotSearchTests.north(300), phone: "+6281200000001"),
        Business(registryID: "M1", name: "Bakso-Mie Pak Kumis", category: "bakso-mie", mode: .menetap, location: BotSearchTests.north(500)),
        Business(registryID: "S1", name: "Sayur Segar", category: "sayur", mode: .menetap, location: BotSearchTests.north(150)),
    ]

    @Test("A kind as written in the agency's list asks for the location for that kind, then finds it", arguments: BotStoreKind.allCases)
    func slugSearch(store: BotStoreKind) async throws {
        try await BotHarness.with(store: store) { harness in
            try await harness.runBot(registry: Self.registry) {
                let cases = [
                    ("/cari warung-makan", "warung makan", "Warung {phone} Bu {name}"),
                    ("/cari bakso-mie", "bakso dan mie", "Bakso-Mie Pak Kumis"),
                    ("/cari Warung makan", "warung makan", "Warung {phone} Bu {name}"),
                    ("/cari sayur-dan-buah", "sayur dan buah", "Sayur Segar"),
                    ("bakso-mie terdekat", "bakso dan mie", "Bakso-Mie Pak Kumis"),
                ]
                for (index, (command, label, first)) in cases.enumerated() {
                    // A citizen each: a remembered location would answer the next search at once.
                    let citizen = User(id: 8_100 + Int64(index), firstName: "Sari", languageCode: "id")
                    let ask = try await harness.say(command, as: citizen)
                    #expect(ask.text?.contains("Mau cari usaha apa?") == false, "\(ask.text ?? "")")
                    #expect(ask.text?.contains("mencarikan \(label) terdekat") == true, "\(ask.text ?? "")")
                    let before = await harness.state.botMessages(chatID: citizen.id).count
                    await harness.state.sendLocation(from: citizen, latitude: BotSearchTests.here.latitude, longitude: BotSearchTests.here.longitude)
                    let results = try await harness.next(2, after: before, for: citizen)[1].text ?? ""
                    #expect(results.contains("1. \(first) · "), "\(results)")
                    #expect(results.components(separatedBy: "\n").filter { $0.hasPrefix("2. ") }.isEmpty, "only that kind: \(results)")
                }
            }
        }
    }

    @Test("An English display name works as a /cari argument, with the remembered location", arguments: BotStoreKind.allCases)
    func englishDisplayName(store: BotStoreKind) async throws {
        try await BotHarness.with(store: store) { harness in
            try await harness.runBot(registry: Self.registry) {
                let before = await harness.state.botMessages(chatID: Self.john.id).count
                await harness.state.sendLocation(from: Self.john, latitude: BotSearchTests.here.latitude, longitude: BotSearchTests.here.longitude)
                _ = try await harness.next(2, after: before, for: Self.john)
                let results = try await harness.say("/search Meatballs and noodles", as: Self.john)
                #expect(results.text?.contains("1. Bakso-Mie Pak Kumis · 500 m") == true, "\(results.text ?? "")")
            }
        }
    }

    @Test("A name containing {phone} and {name} is shown literally, never filled in", arguments: BotStoreKind.allCases)
    func placeholdersInAName(store: BotStoreKind) async throws {
        try await BotHarness.with(store: store) { harness in
            try await harness.runBot(registry: Self.registry) {
                _ = try await harness.say("/cari warung-makan", as: Self.sari)
                let results = try await BotSearchTests.shareLocation(in: harness).text ?? ""
                #expect(results.contains("Warung {phone} Bu {name}"), "\(results)")
                #expect(results.components(separatedBy: "+6281200000001").count == 2, "the phone once, in its own place: \(results)")
            }
        }
    }
}
