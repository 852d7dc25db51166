import BotAPIEmulator
import Foundation
@testable import LapakBot
import LapakRegistry
import Testing
import TelegramBotAPI

/// Apprenticeships through the emulator: roles declared in /usahaku, staff's /magang proposing the
/// nearest willing seniors, consent before contacts, and weekly check-ins that survive a restart.
@Suite("Apprenticeships (magang): roles, matching, consent before contacts, durable weekly check-ins")
struct ApprenticeshipFlowTests {
    static let tono = User(id: 7004, firstName: "Tono", languageCode: "id")
    static let wati = User(id: 7005, firstName: "Wati", languageCode: "id")
    static let yanto = User(id: 7006, firstName: "Yanto", languageCode: "id")

    static func shop(_ id: String, _ name: String, _ category: String, at point: GeoPoint, owner: User?, verified: Bool = true,
                     phone: String) -> Business {
        Business(registryID: id, name: name, category: category, mode: .menetap, location: point, kelurahan: "Bontang Baru", phone: phone,
                 ownerTelegramID: owner?.id, verified: verified)
    }

    /// A beginner (Rina), the nearest willing senior (Joko, 300 m), a farther one (Tono, 3 km), a nearer
    /// unverified one (Wati) and a nearer one of another kind (Yanto): only Joko and Tono may be proposed.
    static let seeds = [
        shop("BAK-PEMULA", "Bakso Pemula Rina", "bakso-mie", at: Vendors.spot, owner: Vendors.rina, phone: "+6281255550101"),
        shop("BAK-SENIOR", "Bakso Senior Joko", "bakso-mie", at: Vendors.north(300), owner: Vendors.joko, phone: "+6281255550202"),
        shop("BAK-JAUH", "Bakso Jauh Tono", "bakso-mie", at: Vendors.north(3000), owner: tono, phone: "+6281255550303"),
        shop("BAK-BARU", "Bakso Baru Wati", "bakso-mie", at: Vendors.north(100), owner: wati, verified: false, phone: "+6281255550404"),
        shop("KAT-YANTO", "Katering Yanto", "katering", at: Vendors.north(50), owner: yanto, phone: "+6281255550505"),
    ]

    static func id(_ registryID: String, _ harness: BotHarness) async throws -> Int64 {
        try await harness.businessID(registryID)
    }

    @Test("Staff pair a beginner with the nearest willing senior; contacts only after both accept; a third person's press is refused", arguments: BotStoreKind.allCases)
    func consentBeforeContacts(store: BotStoreKind) async throws {
        try await BotHarness.with(store: store) { harness in
            try await harness.runBot(registry: Self.seeds, staff: [Vendors.dewi.id]) {
                for user in [Vendors.dewi, Vendors.rina, Vendors.joko, Self.tono, Self.wati, Self.yanto, Vendors.mallory] {
                    _ = try await harness.say("/start", as: user)
                }
                let rina = try await Self.id("BAK-PEMULA", harness), joko = try await Self.id("BAK-SENIOR", harness)
                for other in ["BAK-JAUH", "BAK-BARU", "KAT-YANTO"] {
                    let id = try await Self.id(other, harness)
                    try await harness.stores { try $0.registry.setCoachingRole(.mentor, capacity: 3, ofBusiness: id, now: Date()) }
                }

                // The roles, as the vendors declare them in /usahaku.
                _ = try await harness.say("/usahaku", as: Vendors.joko)
                let menu = try await harness.tap("cr:\(joko):menu", as: Vendors.joko)[0]
                #expect(menu.text?.contains("Saat ini: belum ikut") == true)
                let capacity = try await harness.tap("cr:\(joko):m", as: Vendors.joko)[0]
                #expect(capacity.replyMarkup?.rows.joined().count == 20)
                let mentor = try await harness.tap("cr:\(joko):m:2", as: Vendors.joko)[0]
                #expect(mentor.text?.contains("bersedia membina sampai 2 peserta magang") == true)
                _ = try await harness.say("/usahaku", as: Vendors.rina)
                _ = try await harness.tap("cr:\(rina):menu", as: Vendors.rina)
                let beginner = try await harness.tap("cr:\(rina):b", as: Vendors.rina)[0]
                #expect(beginner.text?.contains("pemula yang ingin dibina") == true)
                // Someone else cannot change Rina's role.
                let forgedRole = try await harness.state.pressForgedButton(from: Vendors.mallory, messageID: await Self.lastMessage(to: Vendors.mallory, harness),
                                                                           callbackData: "cr:\(rina):x")
                try await VendorDailyTests.expectExpired(forgedRole, in: harness)

                // /magang: the beginners, then the seniors nearest first with distance and years registered.
                let list = try await harness.say("/magang", as: Vendors.dewi)
                #expect(list.replyMarkup?.rows.joined().compactMap(\.callbackData) == ["mg:b:\(rina)"])
                let seniors = try await harness.tap("mg:b:\(rina)", as: Vendors.dewi)[0]
                let text = seniors.text ?? ""
                #expect(text.contains("1. Bakso Senior Joko · 300 m · terdaftar kurang dari setahun · sisa tempat 2"))
                #expect(text.contains("2. Bakso Jauh Tono · 3") && !text.contains("Wati") && !text.contains("Katering"))
                _ = try await harness.tap("mg:s:\(rina):\(joko)", as: Vendors.dewi)
                let jokoBefore = await harness.state.botMessages(chatID: Vendors.joko.id).count
                let rinaBefore = await harness.state.botMessages(chatID: Vendors.rina.id).count
                let proposed = try await harness.tap("mg:w:\(rina):\(joko):12", as: Vendors.dewi)[0]
                #expect(proposed.text?.contains("Usulan magang #1 dikirim") == true)

                let toJoko = try await harness.next(1, after: jokoBefore, for: Vendors.joko)[0]
                let toRina = try await harness.next(1, after: rinaBefore, for: Vendors.rina)[0]
                #expect(toJoko.text?.contains("Bakso Pemula Rina") == true && toJoko.text?.contains("12 minggu") == true)
                #expect(toRina.text?.contains("Bakso Senior Joko") == true && toRina.text?.contains("300 m") == true)
                // No phone before both accept.
                #expect(toJoko.text?.contains("+6281255550101") == false && toRina.text?.contains("+6281255550202") == false)

                // A third person pressing Terima is refused; the apprenticeship is unchanged.
                let forged = try await harness.state.pressForgedButton(from: Vendors.mallory, messageID: await Self.lastMessage(to: Vendors.mallory, harness), callbackData: "ap:y:1")
                try await VendorDailyTests.expectExpired(forged, in: harness)

                let waiting = try await harness.tap("ap:y:1", as: Vendors.joko)[0]
                #expect(waiting.text?.contains("Menunggu jawaban pihak lain") == true)
                #expect(await harness.state.botMessages(chatID: Vendors.rina.id).allSatisfy { $0.text?.contains("+6281255550202") != true })

                let dewiBefore = await harness.state.botMessages(chatID: Vendors.dewi.id).count
                let jokoBeforeStart = await harness.state.botMessages(chatID: Vendors.joko.id).count
                let started = try await harness.tap("ap:y:1", as: Vendors.rina)[0]
                #expect(started.text?.contains("Magang dimulai") == true && started.text?.contains("+6281255550202") == true)
                let jokoStarted = try await harness.next(1, after: jokoBeforeStart, for: Vendors.joko)[0]
                #expect(jokoStarted.text?.contains("+6281255550101") == true && jokoStarted.text?.contains("Bakso Pemula Rina") == true)
                let staffTold = try await harness.next(1, after: dewiBefore, for: Vendors.dewi)[0]
                #expect(staffTold.text?.contains("disetujui kedua pihak") == true)

                let stored = try #require(try await harness.stores { try $0.registry.apprenticeship(1) })
                #expect(stored.status == .active && stored.startsAt != nil && stored.endsAt == stored.startsAt?.addingTimeInterval(12 * 7 * 86_400))
                // Joko has room for one more; a second answer is an expired button.
                #expect(try await harness.stores { try $0.registry.mentorRoom(joko) } == 1)
                let again = try await harness.state.pressForgedButton(from: Vendors.joko, messageID: toJoko.messageID, callbackData: "ap:y:1")
                try await VendorDailyTests.expectExpired(again, in: harness)
            }
        }
    }

    @Test("A decline cancels the proposal: the other side and staff are told, no contacts are sent", arguments: BotStoreKind.allCases)
    func declineCancels(store: BotStoreKind) async throws {
        try await BotHarness.with(store: store) { harness in
            try await harness.runBot(registry: Self.seeds, staff: [Vendors.dewi.id]) {
                for user in [Vendors.dewi, Vendors.rina, Vendors.joko] { _ = try await harness.say("/start", as: user) }
                let rina = try await Self.id("BAK-PEMULA", harness), joko = try await Self.id("BAK-SENIOR", harness)
                try await harness.stores { stores in
                    try stores.registry.setCoachingRole(.beginner, ofBusiness: rina, now: Date())
                    try stores.registry.setCoachingRole(.mentor, capacity: 1, ofBusiness: joko, now: Date())
                }
                _ = try await harness.say("/magang BAK-PEMULA", as: Vendors.dewi)
                _ = try await harness.tap("mg:s:\(rina):\(joko)", as: Vendors.dewi)
                let rinaBefore = await harness.state.botMessages(chatID: Vendors.rina.id).count
                _ = try await harness.tap("mg:w:\(rina):\(joko):4", as: Vendors.dewi)
                _ = try await harness.next(1, after: rinaBefore, for: Vendors.rina)
                let dewiBefore = await harness.state.botMessages(chatID: Vendors.dewi.id).count
                let rinaBeforeDecline = await harness.state.botMessages(chatID: Vendors.rina.id).count
                let declined = try await harness.tap("ap:n:1", as: Vendors.joko)[0]
                #expect(declined.text?.contains("Anda menolak") == true)
                let told = try await harness.next(1, after: rinaBeforeDecline, for: Vendors.rina)[0]
                #expect(told.text?.contains("tidak jadi") == true && told.text?.contains("+62") == false)
                let staff = try await harness.next(1, after: dewiBefore, for: Vendors.dewi)[0]
                #expect(staff.text?.contains("Bakso Senior Joko") == true && staff.text?.contains("menolak") == true)
                #expect(try await harness.stores { try $0.registry.apprenticeship(1)?.status } == .cancelled)
                // The mentor's room is back, and the beginner can be paired again.
                #expect(try await harness.stores { try $0.registry.mentorRoom(joko) } == 1)
            }
        }
    }

    /// The id of the bot's latest message to `user` (a forged press needs a message in the presser's own chat).
    static func lastMessage(to user: User, _ harness: BotHarness) async -> Int {
        await harness.state.botMessages(chatID: user.id).last?.messageID ?? 0
    }
}
