import BotAPIEmulator
import Foundation
import LapakRegistry
@testable import LapakBot
import Testing
import TelegramBotAPI

@Suite("Citizens ask by name and trade, say small words, and are answered in the language they write")
struct BotNameSearchTests {
    typealias Fixture = BotSearchTests
    static let sari = Fixture.sari
    static let john = Fixture.john

    /// As in issue 12: the private tutor is nearest, the photocopy shop fifth among the "Jasa lainnya".
    static let registry: [Business] = [
        Business(registryID: "J1", name: "Les Privat Bu Ani", category: "jasa", mode: .menetap, location: Fixture.north(100)),
        Business(registryID: "J2", name: "Rental Pak Budi", category: "jasa", mode: .menetap, location: Fixture.north(200)),
        Business(registryID: "J3", name: "Jasa Tukang Eko", category: "jasa", mode: .menetap, location: Fixture.north(300)),
        Business(registryID: "J4", name: "Ojek Pak Made", category: "jasa", mode: .menetap, location: Fixture.north(400)),
        Business(registryID: "J5", name: "Fotokopi Mas Joko", category: "jasa", mode: .menetap, location: Fixture.north(500)),
        Business(registryID: "B1", name: "Bakso Mas Joko", category: "bakso-mie", mode: .menetap, location: Fixture.north(2_000)),
        Business(registryID: "B2", name: "Mie Ayam Bu Yati", category: "bakso-mie", mode: .menetap, location: Fixture.north(150)),
    ] + Fixture.registry.filter { $0.category == "laundry" }

    @Test("“fotokopi dekat sini” puts the photocopy shop first, then the other Jasa lainnya nearest first", arguments: BotStoreKind.allCases)
    func photocopyFirst(store: BotStoreKind) async throws {
        try await BotHarness.with(store: store) { harness in
            try await harness.runBot(registry: Self.registry) {
                _ = try await harness.say("fotokopi dekat sini", as: Self.sari)
                let text = try await Fixture.shareLocation(in: harness).text ?? ""
                #expect(text.contains("🔎 Fotokopi terdekat dari lokasi Anda, sesudahnya jenis Jasa lainnya:"))
                #expect(text.contains("1. Fotokopi Mas Joko · 500 m"))
                #expect(text.contains("2. Les Privat Bu Ani · 100 m"))
            }
        }
    }

    @Test("A business asked for by its name comes first; a name alone (no kind) finds it too", arguments: BotStoreKind.allCases)
    func byName(store: BotStoreKind) async throws {
        try await BotHarness.with(store: store) { harness in
            try await harness.runBot(registry: Self.registry) {
                _ = try await Fixture.shareLocation(in: harness)
                let bakso = try await harness.say("Bakso Mas Joko", as: Self.sari)
                #expect(bakso.text?.contains("1. Bakso Mas Joko · 2,0 km") == true, "\(bakso.text ?? "")")
                #expect(bakso.text?.contains("2. Mie Ayam Bu Yati · 150 m") == true)

                // A typo in the name: the trigram index finds the word it stands for.
                let typo = try await harness.say("Bakso Mas Jokko", as: Self.sari)
                #expect(typo.text?.contains("1. Bakso Mas Joko · 2,0 km") == true, "\(typo.text ?? "")")

                let named = try await harness.say("Mas Joko", as: Self.sari)
                #expect(named.text?.contains("1. Fotokopi Mas Joko · 500 m") == true, "\(named.text ?? "")")
                #expect(named.text?.contains("2. Bakso Mas Joko · 2,0 km") == true)
                #expect(named.text?.contains("Les Privat") == false)
                let unknown = try await harness.say("Pak Karno Sejahtera", as: Self.sari)
                #expect(unknown.text?.contains("Maaf, saya belum mengerti") == true)
            }
        }
    }

    @Test("Small words get a short answer; a food emoji names its kind", arguments: BotStoreKind.allCases)
    func smallWords(store: BotStoreKind) async throws {
        try await BotHarness.with(store: store) { harness in
            try await harness.runBot(registry: Self.registry) {
                _ = try await Fixture.shareLocation(in: harness)
                for (text, answer) in [("terima kasih", "Sama-sama!"), ("makasih", "Sama-sama!"), ("halo", "Halo juga, Sari!"),
                                       ("selamat pagi", "Halo juga, Sari!"), ("thanks", "Sama-sama!"), ("🍜", "Bakso dan mie"), ("☕", "Minuman"),
                                       ("🧋", "Minuman"), ("🍰", "Roti dan kue")] {
                    let reply = try await harness.say(text, as: Self.sari)
                    #expect(reply.text?.lowercased().contains(answer.lowercased()) == true, "\(text): \(reply.text ?? "")")
                }
            }
        }
    }

    @Test("English written to an Indonesian client is answered in English and back; one word does not flip; /bahasa wins", arguments: BotStoreKind.allCases)
    func languageOfTheMessage(store: BotStoreKind) async throws {
        try await BotHarness.with(store: store) { harness in
            try await harness.runBot(registry: Self.registry) {
                let english = try await harness.say("nearest laundry", as: Self.sari)
                #expect(english.text?.contains("Share your location") == true)
                let thanks = try await harness.say("thanks", as: Self.sari)
                #expect(thanks.text?.contains("Sama-sama") == true)
                let indonesian = try await harness.say("cari laundry terdekat", as: Self.john)
                #expect(indonesian.text?.contains("Bagikan lokasi Anda") == true)

                _ = try await harness.say("/bahasa id", as: Self.john)
                let chosen = try await harness.say("nearest laundry", as: Self.john)
                #expect(chosen.text?.contains("Bagikan lokasi Anda") == true)
            }
        }
    }
}
