import BotAPIEmulator
import Foundation
@testable import LapakBot
import LapakRegistry
import Testing
import TelegramBotAPI

/// People and places shared by the vendor tests.
enum Vendors {
    static let rina = User(id: 7001, firstName: "Rina", languageCode: "id")
    static let joko = User(id: 7002, firstName: "Joko", languageCode: "id")
    static let mallory = User(id: 7003, firstName: "Mallory", languageCode: "id")
    static let dewi = User(id: 7900, firstName: "Dewi (Dinas)", languageCode: "id")
    static let sari = User(id: 7101, firstName: "Sari", languageCode: "id")

    /// Bontang Baru: where the shops and carts are in these tests.
    static let spot = GeoPoint(latitude: 0.1443, longitude: 117.4938)

    /// A point `metres` north of `spot`.
    static func north(_ metres: Double) -> GeoPoint {
        GeoPoint(latitude: spot.latitude + metres / 111_195, longitude: spot.longitude)
    }

    /// The phone the emulator gives `user`'s "send my number" button, normalised.
    static func phone(of user: User) -> String { "+" + EmulatorState.phoneNumber(of: user) }

    /// A citizen asks for `what` and shares a location; returns the results text.
    static func citizenSearch(_ what: String, from point: GeoPoint, in harness: BotHarness) async throws -> String {
        let ask = try await harness.say(what, as: sari)
        guard ask.text?.contains("Bagikan lokasi") == true else { return ask.text ?? "" }
        let before = await harness.state.botMessages(chatID: sari.id).count
        await harness.state.sendLocation(from: sari, latitude: point.latitude, longitude: point.longitude)
        return try await harness.next(2, after: before, for: sari)[1].text ?? ""
    }
}

@Suite("Vendors enroll their businesses from the chat, end to end through the emulator")
struct VendorEnrollmentTests {
    @Test("A fixed shop: every step, bad answers refused with a reason, staff told, a citizen finds it", arguments: BotStoreKind.allCases)
    func fixedShop(store: BotStoreKind) async throws {
        try await BotHarness.with(store: store) { harness in
            try await harness.runBot(staff: [Vendors.dewi.id]) {
                _ = try await harness.say("/start", as: Vendors.dewi)
                let rina = Vendors.rina
                let opening = try await harness.say("/daftar", as: rina, expecting: 2)
                #expect(opening[1].text?.contains("nama usaha") == true)

                let markup = try await harness.say("Warung <b>Bu Rina</b>", as: rina)
                #expect(markup.text?.contains("tidak boleh berisi tanda < atau >") == true)
                let tooShort = try await harness.say("R", as: rina)
                #expect(tooShort.text?.contains("terlalu pendek") == true)

                let category = try await harness.say("Warung Makan   Bu Rina", as: rina)
                #expect(category.text?.contains("jenis usaha") == true && category.text?.contains("Warung Makan Bu Rina") == true)
                #expect(category.replyMarkup?.rows.joined().contains { $0.callbackData == "e:k:katering" } == true)
                // Typed, understood through categories.yml, and confirmed before the next question.
                let typed = try await harness.say("katering", as: rina, expecting: 2)
                #expect(typed[0].text == "Jenis usaha: Katering ✔")
                #expect(typed[1].text?.contains("berjualan") == true)

                let location = try await harness.tap("e:m:menetap", as: rina)[0]
                #expect(location.text?.contains("lokasi toko") == true)
                #expect(await harness.state.currentReplyKeyboard(chatID: rina.id)?.keyboard.joined().contains { $0.text == "Lewati" } == false)
                let required = try await harness.say("di sini saja", as: rina)
                #expect(required.text?.contains("lokasi wajib") == true)
                let before = await harness.state.botMessages(chatID: rina.id).count
                await harness.state.sendLocation(from: rina, latitude: -6.2, longitude: 106.8)  // Jakarta
                let outside = try await harness.next(1, after: before, for: rina)[0]
                #expect(outside.text?.contains("di luar wilayah Kota Bontang") == true)

                let phone = try await harness.press("📍 Kirim lokasi usaha", as: rina, location: Vendors.spot)[0]
                #expect(phone.text?.contains("Nomor telepon") == true)
                let badPhone = try await harness.say("12345", as: rina)
                #expect(badPhone.text?.contains("bukan nomor telepon Indonesia") == true)
                let halal = try await harness.say("0812-5555-0101", as: rina)
                #expect(halal.text?.contains("bersertifikat halal") == true)

                let review = try await harness.tap("e:h:yes", as: rina, expecting: 2)
                let summary = review[1].text ?? ""
                #expect(summary.contains("Warung Makan Bu Rina") && summary.contains("Katering") && summary.contains("+6281255550101"))
                #expect(summary.contains("dekat Bontang Baru") && summary.contains("Menetap"))

                let staffBefore = await harness.state.botMessages(chatID: Vendors.dewi.id).count
                let savedReplies = try await harness.tap("e:save", as: rina, expecting: 2)
                let saved = savedReplies[0]
                #expect(saved.text?.contains("tersimpan (nomor TG-000001)") == true)
                // Then the coaching programme is offered (issue 13): beginner, mentor, or later.
                let coaching = savedReplies[1].replyMarkup?.rows.joined().compactMap(\.callbackData) ?? []
                #expect(savedReplies[1].text?.contains("magang") == true && coaching.count == 3 && coaching[0].hasSuffix(":b"))
                #expect(saved.text?.contains("belum diverifikasi") == true)

                let notice = try await harness.next(1, after: staffBefore, for: Vendors.dewi)[0]
                #expect(notice.text?.contains("Pendaftaran baru") == true && notice.text?.contains("Warung Makan Bu Rina") == true)
                #expect(notice.text?.contains("Rina (id 7001)") == true)
                #expect(notice.text?.contains("pemilik menyatakan bersertifikat") == true)

                // Searchable at once; the owner's halal "ya" is a claim until staff verify.
                let found = try await Vendors.citizenSearch("katering terdekat", from: Vendors.north(50), in: harness)
                #expect(found.contains("1. Warung Makan Bu Rina · 50 m") && found.contains("belum diverifikasi"))
                #expect(!found.contains("✅ halal"))

                let business = try #require(notice.replyMarkup?.rows.first?.first?.callbackData)
                #expect(business.hasPrefix("s:v:"))
                try await harness.tap(business, as: Vendors.dewi)
                let verified = try await Vendors.citizenSearch("katering terdekat", from: Vendors.north(50), in: harness)
                #expect(verified.contains("Warung Makan Bu Rina") && verified.contains("terverifikasi") && verified.contains("✅ halal"))
            }
            let stored = try #require(try await harness.business("TG-000001"))
            #expect(stored.ownerTelegramID == Vendors.rina.id && stored.verified && stored.halal && stored.kelurahan == "Bontang Baru")
        }
    }

    @Test("A mobile vendor: home base skipped, own contact shared, someone else's refused, then /jualan puts the cart on the map", arguments: BotStoreKind.allCases)
    func mobileVendor(store: BotStoreKind) async throws {
        try await BotHarness.with(store: store) { harness in
            try await harness.runBot {
                let joko = Vendors.joko
                _ = try await harness.say("/daftar", as: joko, expecting: 2)
                _ = try await harness.say("Bakso Mas Joko", as: joko)
                _ = try await harness.tap("e:k:bakso-mie", as: joko)
                let base = try await harness.tap("e:m:berkeliling", as: joko)[0]
                #expect(base.text?.contains("pangkalan") == true)
                let phone = try await harness.press("Lewati", as: joko)[0]
                #expect(phone.text?.contains("Nomor telepon") == true)

                let before = await harness.state.botMessages(chatID: joko.id).count
                await harness.state.sendContact(from: joko, phoneNumber: "6281299998888", firstName: "Teman", userID: 9999)
                let refused = try await harness.next(1, after: before, for: joko)[0]
                #expect(refused.text?.contains("kontak orang lain") == true)

                _ = try await harness.press("📱 Kirim nomor saya", as: joko)
                let review = try await harness.tap("e:h:unknown", as: joko, expecting: 2)
                #expect(review[1].text?.contains(Vendors.phone(of: joko)) == true && review[1].text?.contains("tidak ada") == true)
                let saved = try await harness.tap("e:save", as: joko, expecting: 2)[0]
                #expect(saved.text?.contains("/jualan") == true)

                // Not on the map until today's location is sent.
                let none = try await Vendors.citizenSearch("bakso terdekat", from: Vendors.north(50), in: harness)
                #expect(!none.contains("Bakso Mas Joko"))

                let ask = try await harness.say("/jualan", as: joko)
                #expect(ask.text?.contains("lokasi langsung") == true)
                let confirmed = try await harness.press("📍 Kirim lokasi jualan", as: joko, location: Vendors.spot)[0]
                #expect(confirmed.text?.contains("sekarang tampil di pencarian warga di dekat Bontang Baru") == true)

                let found = try await Vendors.citizenSearch("bakso terdekat", from: Vendors.north(50), in: harness)
                #expect(found.contains("1. Bakso Mas Joko · 50 m") && found.contains("keliling, di sini sejak"))

                let closed = try await harness.say("/tutup", as: joko)
                #expect(closed.text?.contains("tidak lagi tampil") == true)
                let gone = try await Vendors.citizenSearch("bakso terdekat", from: Vendors.north(50), in: harness)
                #expect(!gone.contains("Bakso Mas Joko"))
            }
        }
    }

    /// Answers the dialog up to (not including) `step`.
    static func enroll(until step: EnrollmentDraft.Step, as user: User, in harness: BotHarness) async throws {
        _ = try await harness.say("/daftar", as: user, expecting: 2)
        if step == .name { return }
        _ = try await harness.say("Kue Bu Sri", as: user)
        if step == .category { return }
        try await harness.tap("e:k:kue", as: user)
        if step == .mode { return }
        try await harness.tap("e:m:menetap", as: user)
        if step == .location { return }
        try await harness.press("📍 Kirim lokasi usaha", as: user, location: Vendors.spot)
        if step == .phone { return }
        _ = try await harness.say("0812 7777 1234", as: user)
        if step == .halal { return }
        try await harness.tap("e:h:no", as: user, expecting: 2)
    }

    @Test("/batal at any step ends the enrollment and saves nothing", arguments: BotStoreKind.allCases)
    func cancelAtEveryStep(store: BotStoreKind) async throws {
        try await BotHarness.with(store: store) { harness in
            try await harness.runBot {
                for step: EnrollmentDraft.Step in [.name, .category, .mode, .location, .phone, .halal, .review] {
                    try await Self.enroll(until: step, as: Vendors.rina, in: harness)
                    // The command at some steps, the word at others: "batal" is never taken for a business name.
                    let cancelled = try await harness.say([.name, .mode, .phone, .review].contains(step) ? "batal" : "/batal", as: Vendors.rina)
                    #expect(cancelled.text == "Pendaftaran dibatalkan; tidak ada yang disimpan.", "at \(step)")
                    let after = try await harness.say("/usahaku", as: Vendors.rina)
                    #expect(after.text?.contains("belum terhubung dengan usaha") == true, "at \(step)")
                }
            }
            #expect(try await harness.stores { try $0.registry.count() } == 0)
        }
    }

    @Test("A restart in the middle of enrolling continues at the same step with the answers kept", arguments: BotStoreKind.allCases)
    func restartMidEnrollment(store: BotStoreKind) async throws {
        try await BotHarness.with(store: store) { harness in
            try await harness.runBot {
                try await Self.enroll(until: .location, as: Vendors.rina, in: harness)
            }
            try await harness.runBot {
                // Another command does not throw the answers away.
                let interrupted = try await harness.say("/cari katering", as: Vendors.rina, expecting: 2)
                #expect(interrupted[0].text?.contains("sedang mengisi data usaha") == true)
                #expect(interrupted[1].text?.contains("lokasi toko") == true)
                try await harness.press("📍 Kirim lokasi usaha", as: Vendors.rina, location: Vendors.spot)
                _ = try await harness.say("0812 7777 1234", as: Vendors.rina)
                let review = try await harness.tap("e:h:no", as: Vendors.rina, expecting: 2)
                #expect(review[1].text?.contains("Kue Bu Sri") == true)
                try await harness.tap("e:save", as: Vendors.rina, expecting: 2)
            }
            let stored = try #require(try await harness.business("TG-000001"))
            #expect(stored.name == "Kue Bu Sri" && stored.category == "kue" && stored.mode == .menetap && stored.phone == "+6281277771234")
        }
    }

    @Test("A contact or a sticker at the wrong step is answered and the step asked again; nothing typed is lost", arguments: BotStoreKind.allCases)
    func wrongKindOfMessage(store: BotStoreKind) async throws {
        try await BotHarness.with(store: store) { harness in
            try await harness.runBot {
                try await Self.enroll(until: .mode, as: Vendors.rina, in: harness)
                var before = await harness.state.botMessages(chatID: Vendors.rina.id).count
                await harness.state.sendContact(from: Vendors.rina, phoneNumber: EmulatorState.phoneNumber(of: Vendors.rina),
                                                firstName: "Rina", userID: Vendors.rina.id)
                let contact = try await harness.next(2, after: before, for: Vendors.rina)
                #expect(contact[0].text?.contains("Kontak ini belum saya perlukan") == true)
                #expect(contact[1].text?.contains("berjualan") == true)  // the mode question again
                before = await harness.state.botMessages(chatID: Vendors.rina.id).count
                await harness.state.enqueueRawUpdate(["update_id": 900_001, "message": [
                    "message_id": 999, "date": 0, "chat": ["id": .int(Vendors.rina.id), "type": "private"],
                    "from": ["id": .int(Vendors.rina.id), "is_bot": false, "first_name": "Rina"], "sticker": ["file_id": "x"],
                ]])
                let sticker = try await harness.next(2, after: before, for: Vendors.rina)
                #expect(sticker[0].text?.contains("hanya bisa membaca") == true && sticker[1].text?.contains("berjualan") == true)
                try await harness.tap("e:m:menetap", as: Vendors.rina)
                try await harness.press("📍 Kirim lokasi usaha", as: Vendors.rina, location: Vendors.spot)
                _ = try await harness.say("0812 7777 1234", as: Vendors.rina)
                let review = try await harness.tap("e:h:no", as: Vendors.rina, expecting: 2)
                #expect(review[1].text?.contains("Kue Bu Sri") == true && review[1].text?.contains("Roti dan kue") == true)
            }
        }
    }

    @Test("“Ubah” on the summary changes one field and comes back to the summary", arguments: BotStoreKind.allCases)
    func changeFromSummary(store: BotStoreKind) async throws {
        try await BotHarness.with(store: store) { harness in
            try await harness.runBot {
                try await Self.enroll(until: .review, as: Vendors.rina, in: harness)
                try await harness.tap("e:edit", as: Vendors.rina)
                let ask = try await harness.tap("e:f:name", as: Vendors.rina)[0]
                #expect(ask.text?.contains("nama usaha") == true)
                let review = try await harness.say("Kue & Roti Bu Sri", as: Vendors.rina, expecting: 2)
                #expect(review[1].text?.contains("Kue &amp; Roti Bu Sri") == false)
                #expect(review[1].text?.contains("Kue & Roti Bu Sri") == true && review[1].text?.contains("+6281277771234") == true)
            }
        }
    }

    @Test("Enrolling the same business twice (same phone, similar name) asks first", arguments: BotStoreKind.allCases)
    func duplicateAsked(store: BotStoreKind) async throws {
        let existing = Business(registryID: "UMKM-1", name: "Kue Bu Sri", category: "kue", mode: .menetap, location: Vendors.spot,
                                phone: "+6281277771234", ownerTelegramID: Vendors.rina.id)
        try await BotHarness.with(store: store) { harness in
            try await harness.runBot(registry: [existing]) {
                try await Self.enroll(until: .review, as: Vendors.rina, in: harness)
                let asked = try await harness.tap("e:save", as: Vendors.rina)[0]
                #expect(asked.text?.contains("Sudah ada usaha dengan nomor telepon yang sama") == true)
                #expect(asked.text?.contains("Kue Bu Sri") == true)
                let saved = try await harness.tap("e:dup", as: Vendors.rina)[0]
                #expect(saved.text?.contains("tersimpan") == true)
            }
            #expect(try await harness.stores { try $0.registry.businesses(ownedBy: Vendors.rina.id).count } == 2)
        }
    }
}
