import BotAPIEmulator
import Foundation
@testable import LapakBot
import LapakRegistry
import Testing
import TelegramBotAPI

@Suite("The free halal certificate programme: applying, the quota, the statuses, the expiry reminder", .serialized)
struct HalalProgrammeFlowTests {
    static let dewi = Vendors.dewi
    static let rina = Vendors.rina
    static let joko = Vendors.joko
    static let budi = User(id: 7910, firstName: "Budi (Dinas)", languageCode: "id")

    static let cakes = Business(registryID: "H-1", name: "Kue Ibu Rina", category: "kue", mode: .menetap, location: Vendors.spot,
                                kelurahan: "Bontang Baru", ownerTelegramID: rina.id)
    static let laundry = Business(registryID: "H-2", name: "Laundry Joko", category: "laundry", mode: .menetap, location: Vendors.north(300),
                                  kelurahan: "Bontang Baru", ownerTelegramID: joko.id, verified: false)
    static let satay = Business(registryID: "H-3", name: "Sate Joko", category: "bakso-mie", mode: .menetap, location: Vendors.north(500),
                                kelurahan: "Bontang Baru", ownerTelegramID: joko.id)

    @Test("Missing criteria are named; an eligible owner applies; diterima → audit dijadwalkan → terbit, each sent to the applicant; citizens see it halal", arguments: BotStoreKind.allCases)
    func applyAndIssue(store: BotStoreKind) async throws {
        // A year later than the registry's records were made, so they count as registered for 13 months.
        let clock = WallClock(Date().addingTimeInterval(400 * 86_400))
        try await BotHarness.with(store: store) { harness in
            await harness.state.registerUsers([Self.dewi, Self.rina, Self.joko])
            try await harness.runBot(registry: [Self.cakes, Self.laundry], staff: [Self.dewi.id], clock: clock) {
                // The laundry's card offers no application; a forged press is answered with what is missing.
                let card = try await harness.say("/usahaku", as: Self.joko)
                #expect(card.replyMarkup?.rows.joined().contains { $0.callbackData?.hasPrefix("hp:") == true } == false)
                try await harness.state.pressForgedButton(from: Self.joko, messageID: card.messageID, callbackData: "hp:2")
                let refused = try await harness.next(1, after: 1, for: Self.joko)[0].text ?? ""
                #expect(refused.contains("belum memenuhi syarat") && refused.contains("belum diverifikasi") && refused.contains("bukan usaha makanan"))
                #expect(!refused.contains("kurang dari"))

                let cakeCard = try await harness.say("/usahaku", as: Self.rina)
                #expect(cakeCard.replyMarkup?.rows.joined().contains { $0.text == "☪️ Ajukan sertifikat halal gratis" } == true)
                let applied = try await harness.tap("hp:1", as: Self.rina)[0]
                #expect(applied.text?.contains("Pengajuan sertifikat halal gratis untuk Kue Ibu Rina diterima (#1, status: diajukan)") == true)
                let staffNotice = try await harness.state.waitForBotMessages(chatID: Self.dewi.id, count: 1)[0]
                #expect(staffNotice.text?.contains("Pengajuan sertifikat halal #1: Kue Ibu Rina") == true)
                #expect(try await harness.tap("hp:1", as: Self.rina)[0].text?.contains("sudah mengajukan") == true)

                let queue = try await harness.say("/halal", as: Self.dewi, expecting: 2)
                #expect(queue[0].text?.contains("kuota \(Self.year(clock.now)): 0/15") == true)
                #expect(queue[1].text?.contains("#1 · Kue Ibu Rina (H-1)") == true && queue[1].text?.contains("status: diajukan") == true)

                try await Self.step("ha:a:1", staffSees: "diterima", applicantSees: "diterima", in: harness)
                try await Self.step("ha:s:1", staffSees: "audit dijadwalkan", applicantSees: "dijadwalkan", in: harness)
                #expect(try await harness.tap("ha:i:1", as: Self.dewi)[0].text?.contains("nomor sertifikat") == true)
                let past = try await harness.say("ID64110012345 01/01/2020", as: Self.dewi)
                #expect(past.text?.contains("harus setelah hari ini") == true)
                let before = await harness.state.botMessages(chatID: Self.rina.id).count
                let issued = try await harness.say("ID64110012345 31/12/2035", as: Self.dewi)
                #expect(issued.text?.contains("Pengajuan #1 Kue Ibu Rina: terbit") == true)
                let note = try await harness.next(1, after: before, for: Self.rina)[0].text ?? ""
                #expect(note.contains("terbit: nomor ID64110012345, berlaku sampai 31/12/2035"))

                let found = try await Vendors.citizenSearch("kue halal", from: Vendors.north(100), in: harness)
                #expect(found.contains("1. Kue Ibu Rina · 100 m") && found.contains("✅ halal"))
                let statistics = try await harness.say("/statistik", as: Self.dewi)
                #expect(statistics.text?.contains("kuota \(Self.year(clock.now)): 1/15") == true && statistics.text?.contains("terbit 1") == true)
            }
        }
    }

    @Test("Quota 1: two staff accept two applications at the same moment; exactly one is accepted, the other refused naming the quota", arguments: BotStoreKind.allCases)
    func quotaRefusedUnderRace(store: BotStoreKind) async throws {
        try await BotHarness.with(store: store) { harness in
            await harness.state.registerUsers([Self.dewi, Self.budi, Self.rina, Self.joko])
            try await harness.runBot(registry: [Self.cakes, Self.satay], staff: [Self.dewi.id, Self.budi.id],
                                     environment: ["LAPAK_HALAL_QUOTA": "1", "LAPAK_HALAL_MIN_MONTHS_REGISTERED": "0"]) {
                _ = try await harness.say("/usahaku", as: Self.rina)
                try await harness.tap("hp:1", as: Self.rina)
                _ = try await harness.say("/usahaku", as: Self.joko)
                try await harness.tap("hp:2", as: Self.joko)
                // Both staff heard of both applications before they open the queue.
                _ = try await harness.state.waitForBotMessages(chatID: Self.dewi.id, count: 2)
                _ = try await harness.state.waitForBotMessages(chatID: Self.budi.id, count: 2)
                let first = try await harness.say("/halal", as: Self.dewi, expecting: 3)
                let second = try await harness.say("/halal", as: Self.budi, expecting: 3)
                let dewiBefore = await harness.state.botMessages(chatID: Self.dewi.id).count
                let budiBefore = await harness.state.botMessages(chatID: Self.budi.id).count
                // Both press at once: Dewi accepts #1, Budi accepts #2.
                async let a = harness.state.pressInlineButton(from: Self.dewi, messageID: first[1].messageID, callbackData: "ha:a:1")
                async let b = harness.state.pressInlineButton(from: Self.budi, messageID: second[2].messageID, callbackData: "ha:a:2")
                _ = try await (a, b)
                let dewiSaw = try await harness.next(1, after: dewiBefore, for: Self.dewi)[0].text ?? ""
                let budiSaw = try await harness.next(1, after: budiBefore, for: Self.budi)[0].text ?? ""
                let outcomes = [dewiSaw, budiSaw]
                #expect(outcomes.filter { $0.contains(": diterima") }.count == 1, "\(outcomes)")
                #expect(outcomes.filter { $0.contains("sudah penuh (1/1)") }.count == 1, "\(outcomes)")
                try await Task.sleep(for: .milliseconds(300))
                let accepted = await harness.state.deliveries(containing: "diterima. Petugas akan menjadwalkan audit")
                #expect(accepted.count == 1)  // only one applicant hears "accepted"
            }
        }
    }

    @Test("60 days before expiry the owner is reminded once, across restarts", arguments: BotStoreKind.allCases)
    func expiryReminderAcrossRestarts(store: BotStoreKind) async throws {
        let start = Date()
        let clock = WallClock(start)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Asia/Makassar")!
        let expiry = calendar.dateComponents([.year, .month, .day], from: start.addingTimeInterval(100 * 86_400))
        let typed = String(format: "%02d/%02d/%04d", expiry.day!, expiry.month!, expiry.year!)
        let environment = ["LAPAK_HALAL_MIN_MONTHS_REGISTERED": "0"]
        try await BotHarness.with(store: store) { harness in
            await harness.state.registerUsers([Self.dewi, Self.rina])
            try await harness.runBot(registry: [Self.cakes], staff: [Self.dewi.id], clock: clock, environment: environment) {
                _ = try await harness.say("/usahaku", as: Self.rina)
                try await harness.tap("hp:1", as: Self.rina)
                _ = try await harness.state.waitForBotMessages(chatID: Self.dewi.id, count: 1)
                _ = try await harness.say("/halal", as: Self.dewi, expecting: 2)
                try await harness.tap("ha:a:1", as: Self.dewi)
                try await harness.tap("ha:s:1", as: Self.dewi)
                try await harness.tap("ha:i:1", as: Self.dewi)
                #expect(try await harness.say("SH-2026-77 \(typed)", as: Self.dewi).text?.contains("terbit") == true)
            }
            #expect(await harness.state.deliveries(containing: "⏰ Sertifikat halal").isEmpty)  // 100 days ahead: not yet

            // 45 days later the certificate expires in 55 days: the restarted bot reminds Rina.
            clock.set(start.addingTimeInterval(45 * 86_400))
            try await harness.runBot(staff: [Self.dewi.id], clock: clock, environment: environment) {
                try await BotSearchTests.waitUntil { await !harness.state.deliveries(containing: "⏰ Sertifikat halal").isEmpty }
            }
            // Another restart on the same day sends nothing more.
            try await harness.runBot(staff: [Self.dewi.id], clock: clock, environment: environment) {
                _ = try await harness.say("/halal", as: Self.dewi)
                try await Task.sleep(for: .milliseconds(500))
            }
            let reminders = await harness.state.deliveries(containing: "⏰ Sertifikat halal")
            #expect(reminders == [Self.rina.id: 1])
            let text = await harness.state.botMessages(chatID: Self.rina.id).last { $0.text?.contains("⏰") == true }?.text ?? ""
            #expect(text.contains("SH-2026-77") && text.contains("berlaku sampai \(typed)"))
        }
    }

    @Test("In English: the criteria a business misses are named in English", arguments: BotStoreKind.allCases)
    func englishShortfalls(store: BotStoreKind) async throws {
        let owner = User(id: 7020, firstName: "Tom", languageCode: "en")
        let stall = Business(registryID: "H-9", name: "Tom's Drinks", category: "minuman", mode: .menetap, location: Vendors.spot,
                             ownerTelegramID: owner.id, verified: false)
        try await BotHarness.with(store: store) { harness in
            try await harness.runBot(registry: [stall], staff: [Self.dewi.id]) {
                let card = try await harness.say("/mybusiness", as: owner)
                #expect(card.replyMarkup?.rows.joined().contains { $0.text == "☪️ Apply for a free halal certificate" } == true)
                let refused = try await harness.tap("hp:1", as: owner)[0].text ?? ""
                #expect(refused.contains("does not meet") && refused.contains("not verified by the agency's staff yet")
                        && refused.contains("registered for less than 6 months"), "\(refused)")
                #expect(!refused.contains("not a food"))
            }
        }
    }

    @Test("/halal pages the applications in order of arrival, ten at a time", arguments: BotStoreKind.allCases)
    func queuePages(store: BotStoreKind) async throws {
        let shops = (0..<12).map { Business(registryID: "Q-\($0)", name: "Katering \($0)", category: "katering", mode: .menetap,
                                            location: Vendors.spot, ownerTelegramID: 20_000 + Int64($0)) }
        try await BotHarness.with(store: store) { harness in
            try await harness.runBot(registry: shops, staff: [Self.dewi.id]) {
                try await harness.stores { stores in
                    for (index, shop) in shops.enumerated() {
                        guard let business = try stores.registry.business(registryID: shop.registryID) else { throw HarnessError("no \(shop.registryID)") }
                        _ = try stores.registry.applyForHalal(business, applicant: business.ownerTelegramID!, criteria: HalalCriteria(minMonthsRegistered: 0),
                                                              now: Date().addingTimeInterval(Double(index)))
                    }
                }
                let first = try await harness.say("/halal", as: Self.dewi, expecting: 11)
                #expect(first[0].text?.contains("1–10 dari 12") == true)
                #expect(first[1].text?.contains("Katering 0") == true && first[10].text?.contains("Katering 9") == true)
                let rest = try await harness.tap("ha:n:10", as: Self.dewi, expecting: 3)
                #expect(rest[0].text?.contains("11–12 dari 12") == true && rest[2].text?.contains("Katering 11") == true)
            }
        }
    }

    /// Staff press `data`; staff see the new status and the applicant is told.
    static func step(_ data: String, staffSees: String, applicantSees: String, in harness: BotHarness) async throws {
        let before = await harness.state.botMessages(chatID: rina.id).count
        let staff = try await harness.tap(data, as: dewi)[0].text ?? ""
        #expect(staff.contains("Pengajuan #1 Kue Ibu Rina: \(staffSees)"), "\(staff)")
        let note = try await harness.next(1, after: before, for: rina)[0].text ?? ""
        #expect(note.contains(applicantSees), "\(note)")
    }

    static func year(_ date: Date) -> Int {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Asia/Makassar")!
        return calendar.component(.year, from: date)
    }
}
