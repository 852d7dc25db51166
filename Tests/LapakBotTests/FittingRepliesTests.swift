import BotAPIEmulator
import Foundation
@testable import LapakBot
import LapakRegistry
import Testing
import TelegramBotAPI

/// Issue 12, items 6–8: what vendors and staff are told fits what they did and who they are.
@Suite("Vendors and staff get replies that fit them: after /tutup, in /start and /bantuan, at the kind step")
struct FittingRepliesTests {
    static let cart = Business(registryID: "UMKM-0051", name: "Bakso Pak Dul", category: "bakso-mie", mode: .berkeliling, location: nil,
                               phone: "+6281255550151", ownerTelegramID: Vendors.joko.id)

    @Test("A second /tutup and /usahaku say the cart was closed today, not that it never went out; the next day starts afresh", arguments: BotStoreKind.allCases)
    func closedToday(store: BotStoreKind) async throws {
        // Noon in Bontang (WITA), so that "today" lasts through the test whatever the real time.
        let noon = try Date("2026-06-15T04:00:00Z", strategy: .iso8601)
        let clock = WallClock(noon)
        try await BotHarness.with(store: store) { harness in
            try await harness.runBot(registry: [Self.cart], clock: clock) {
                let joko = Vendors.joko
                let never = try await harness.say("/tutup", as: joko)
                #expect(never.text?.contains("belum mengirim lokasi jualan hari ini") == true)

                _ = try await harness.say("/jualan", as: joko)
                _ = try await harness.press("📍 Kirim lokasi jualan", as: joko, location: Vendors.spot)
                let closed = try await harness.say("/tutup", as: joko)
                #expect(closed.text?.contains("tidak lagi tampil di pencarian hari ini") == true)

                let again = try await harness.say("/tutup", as: joko)
                #expect(again.text == "Bakso Pak Dul sudah ditutup hari ini dan tidak tampil di pencarian. Buka lagi dengan /jualan.")
                let card = try await harness.say("/usahaku", as: joko)
                #expect(card.text?.contains("Hari ini: ditutup hari ini, buka lagi dengan /jualan") == true, "\(card.text ?? "")")

                clock.set(noon.addingTimeInterval(86_400))
                let nextDay = try await harness.say("/usahaku", as: joko)
                #expect(nextDay.text?.contains("Hari ini: belum mengirim lokasi jualan") == true, "\(nextDay.text ?? "")")
            }
        }
    }

    @Test("/start tells someone without a business how to enrol one, and not an owner", arguments: BotStoreKind.allCases)
    func startForNewcomers(store: BotStoreKind) async throws {
        try await BotHarness.with(store: store) { harness in
            try await harness.runBot(registry: [Self.cart]) {
                let newcomer = try await harness.say("/start", as: Vendors.rina)
                #expect(newcomer.text?.contains("Daftarkan gratis dengan /daftar") == true)
                let owner = try await harness.say("/start", as: Vendors.joko)
                #expect(owner.text?.contains("Halo, Joko") == true && owner.text?.contains("/daftar") == false)
            }
        }
    }

    @Test("/bantuan lists the staff commands of commands.yml to staff only", arguments: BotStoreKind.allCases)
    func helpForStaff(store: BotStoreKind) async throws {
        let pack = try LanguagePack.load(from: try #require(ResourceLocator.locate()).intentsDirectory)
        // Staff and a citizen of each language: Indonesian asks /bantuan, English /help.
        let languages = [("id", "/bantuan", "Untuk staf Dinas", Int64(7950)), ("en", "/help", "For agency staff", 7960)]
        try await BotHarness.with(store: store) { harness in
            try await harness.runBot(staff: languages.map(\.3)) {
                for (languageCode, command, header, staffID) in languages {
                    let staffCommands = (pack.commands[languageCode == "en" ? .english : .indonesian] ?? []).filter { $0.staffOnly }
                    #expect(staffCommands.count >= 4)
                    let staffMember = User(id: staffID, firstName: "Dewi", languageCode: languageCode)
                    let citizen = User(id: staffID + 1, firstName: "Sari", languageCode: languageCode)
                    let forStaff = try await harness.say(command, as: staffMember)
                    let forCitizen = try await harness.say(command, as: citizen)
                    for definition in staffCommands {
                        #expect(forStaff.text?.contains("/\(definition.command) — \(definition.description)") == true, "\(forStaff.text ?? "")")
                        #expect(forCitizen.text?.contains("/\(definition.command) ") == false)
                    }
                    #expect(forStaff.text?.contains(header) == true && forCitizen.text?.contains(header) == false)
                }
            }
        }
    }

    @Test("A kind typed at the enrollment's kind step is confirmed at once, and a button's choice is not repeated", arguments: BotStoreKind.allCases)
    func typedKindConfirmed(store: BotStoreKind) async throws {
        try await BotHarness.with(store: store) { harness in
            try await harness.runBot {
                let rina = Vendors.rina
                _ = try await harness.say("/daftar", as: rina, expecting: 2)
                _ = try await harness.say("Mie Ayam Bu Rina", as: rina)
                let typed = try await harness.say("bakso", as: rina, expecting: 2)
                #expect(typed[0].text == "Jenis usaha: Bakso dan mie ✔")
                #expect(typed[1].text?.contains("berjualan") == true)
            }
        }
    }
}
