import BotAPIEmulator
import Foundation
@testable import LapakBot
import LapakRegistry
import Testing
import TelegramBotAPI

/// Who may own a business: a typed number links nothing, the owner's own contact or staff approval
/// does, every link is audited and told to staff, and an owner's change is checked again.
@Suite("Ownership: only a shared contact or staff approval links a business, and owners' changes are re-checked")
struct OwnershipTests {
    static let budi = User(id: 7901, firstName: "Budi (Dinas)", languageCode: "id")
    /// Imported from the agency's sheet: no owner yet, Joko's phone, shown to every citizen in search results.
    static let imported = VendorDailyTests.imported

    /// Mallory starts enrolling and types Joko's number at the phone step; returns the two replies.
    static func typeJokosNumber(as user: User, in harness: BotHarness) async throws -> [Message] {
        _ = try await harness.say("/daftar", as: user, expecting: 2)
        _ = try await harness.say("Bakso Mas Joko", as: user)
        try await harness.tap("e:k:bakso-mie", as: user)
        try await harness.tap("e:m:berkeliling", as: user)
        try await harness.press("Lewati", as: user)
        return try await harness.say("0" + Vendors.phone(of: Vendors.joko).dropFirst(3), as: user, expecting: 2)
    }

    @Test("A typed number of a registered business explains the two ways to link, and a forged link press is refused", arguments: BotStoreKind.allCases)
    func typedNumberNeverLinks(store: BotStoreKind) async throws {
        try await BotHarness.with(store: store) { harness in
            try await harness.runBot(registry: [Self.imported], staff: [Vendors.dewi.id]) {
                _ = try await harness.say("/start", as: Vendors.dewi)
                let mallory = Vendors.mallory
                let replies = try await Self.typeJokosNumber(as: mallory, in: harness)
                #expect(replies[0].text?.contains("Nomor yang diketik tidak cukup") == true && replies[0].text?.contains("Bakso Mas Joko") == true)
                #expect(replies[0].text?.contains("Apakah ini usaha Anda?") == false)
                let contactButton = await harness.state.currentReplyKeyboard(chatID: mallory.id)?.keyboard.joined().first { $0.requestContact }
                #expect(contactButton?.text == "📱 Kirim nomor saya")
                let buttons = replies[1].replyMarkup?.rows.joined().compactMap(\.callbackData) ?? []
                let business = try #require(try await harness.business("UMKM-0042"))
                #expect(buttons == ["e:r:\(business.id)", "e:l:none"])

                // The old way, forged: the link button is refused after a typed number.
                let forged = try await harness.state.pressForgedButton(from: mallory, messageID: replies[1].messageID,
                                                                       callbackData: "e:l:\(business.id)")
                try await VendorDailyTests.expectExpired(forged, in: harness)
                #expect(try await harness.stores { try $0.registry.business(id: business.id) }?.ownerTelegramID == nil)

                // Asking staff: the request goes to staff, and a second press does not ask twice.
                let staffBefore = await harness.state.botMessages(chatID: Vendors.dewi.id).count
                let sent = try await harness.tap("e:r:\(business.id)", as: mallory)[0]
                #expect(sent.text?.contains("dikirim ke petugas Dinas") == true)
                let ask = try await harness.next(1, after: staffBefore, for: Vendors.dewi)[0]
                #expect(ask.text?.contains("Tautkan ke Mallory?") == true && ask.text?.contains("mengetik nomor") == true)
                let decisions = ask.replyMarkup?.rows.joined().compactMap(\.callbackData) ?? []
                #expect(decisions.count == 2 && decisions[0].hasPrefix("lk:y:") && decisions[1].hasPrefix("lk:n:"))

                // Not staff: Mallory cannot approve her own request.
                let selfApproval = try await harness.state.pressForgedButton(from: mallory, messageID: sent.messageID, callbackData: decisions[0])
                try await VendorDailyTests.expectExpired(selfApproval, in: harness)

                let malloryBefore = await harness.state.botMessages(chatID: mallory.id).count
                let outcome = try await harness.tap(decisions[1], as: Vendors.dewi)[0]
                #expect(outcome.text?.contains("ditolak oleh Dewi") == true)
                let told = try await harness.next(1, after: malloryBefore, for: mallory)[0]
                #expect(told.text?.contains("tidak menghubungkan") == true)
            }
            let business = try #require(try await harness.business("UMKM-0042"))
            #expect(business.ownerTelegramID == nil)
            #expect(try await harness.stores { try $0.registry.ownershipHistory(of: business.id) }.isEmpty)
        }
    }

    @Test("Staff approval links a typed number's business: the requester is told, other staff hear of it, the audit says who approved", arguments: BotStoreKind.allCases)
    func staffApprovalLinks(store: BotStoreKind) async throws {
        try await BotHarness.with(store: store) { harness in
            try await harness.runBot(registry: [Self.imported], staff: [Vendors.dewi.id, Self.budi.id]) {
                _ = try await harness.say("/start", as: Vendors.dewi)
                _ = try await harness.say("/start", as: Self.budi)
                let joko = Vendors.joko
                let dewiBefore = await harness.state.botMessages(chatID: Vendors.dewi.id).count
                let budiBefore = await harness.state.botMessages(chatID: Self.budi.id).count
                let replies = try await Self.typeJokosNumber(as: joko, in: harness)
                let request = try #require(replies[1].replyMarkup?.rows.first?.first?.callbackData)
                try await harness.tap(request, as: joko)
                let ask = try await harness.next(1, after: dewiBefore, for: Vendors.dewi)[0]
                _ = try await harness.next(1, after: budiBefore, for: Self.budi)
                let approve = try #require(ask.replyMarkup?.rows.first?.first?.callbackData)

                let jokoBefore = await harness.state.botMessages(chatID: joko.id).count
                let approved = try await harness.tap(approve, as: Vendors.dewi)[0]
                #expect(approved.text?.contains("dihubungkan ke Joko oleh Dewi") == true)
                #expect(try await harness.next(1, after: jokoBefore, for: joko)[0].text?.contains("Terhubung: Bakso Mas Joko") == true)
                let announced = try await harness.next(1, after: budiBefore + 1, for: Self.budi)[0]
                #expect(announced.text?.contains("kini milik Joko") == true && announced.text?.contains("disetujui oleh Dewi") == true)

                // A late second decision changes nothing.
                let budisAsk = await harness.state.botMessages(chatID: Self.budi.id)[budiBefore]
                let reject = try #require(budisAsk.replyMarkup?.rows.first?.last?.callbackData)
                let late = try await harness.state.pressInlineButton(from: Self.budi, messageID: budisAsk.messageID, callbackData: reject)
                guard case .callbackQuery(let query) = late.content else { return }
                try await BotSearchTests.waitUntil { await harness.state.answeredCallbackQueries[query.id] != nil }
                #expect(await harness.state.answeredCallbackQueries[query.id] == .some("Permintaan ini sudah diputuskan."))
            }
            let business = try #require(try await harness.business("UMKM-0042"))
            #expect(business.ownerTelegramID == Vendors.joko.id)
            let history = try await harness.stores { try $0.registry.ownershipHistory(of: business.id) }
            #expect(history.map(\.proof) == [.staff] && history.first?.approvedBy == Vendors.dewi.id && history.first?.ownerTelegramID == Vendors.joko.id)
        }
    }

    @Test("After a typed number, the owner's own contact still links; the link is audited and announced to staff", arguments: BotStoreKind.allCases)
    func contactAfterTypedNumber(store: BotStoreKind) async throws {
        try await BotHarness.with(store: store) { harness in
            try await harness.runBot(registry: [Self.imported], staff: [Vendors.dewi.id]) {
                _ = try await harness.say("/start", as: Vendors.dewi)
                let joko = Vendors.joko
                _ = try await Self.typeJokosNumber(as: joko, in: harness)
                let offer = try await harness.press("📱 Kirim nomor saya", as: joko)[0]
                #expect(offer.text?.contains("Apakah ini usaha Anda?") == true)
                let data = try #require(offer.replyMarkup?.rows.first?.first?.callbackData)
                let dewiBefore = await harness.state.botMessages(chatID: Vendors.dewi.id).count
                #expect(try await harness.tap(data, as: joko)[0].text?.contains("Terhubung: Bakso Mas Joko") == true)
                let announced = try await harness.next(1, after: dewiBefore, for: Vendors.dewi)[0]
                #expect(announced.text?.contains("kini milik Joko") == true && announced.text?.contains("lewat kontak Telegram-nya sendiri") == true)
            }
            let business = try #require(try await harness.business("UMKM-0042"))
            #expect(try await harness.stores { try $0.registry.ownershipHistory(of: business.id) }.map(\.proof) == [.contact])
        }
    }

    @Test("A contact in national form (0812…) is the Indonesian number it is", arguments: BotStoreKind.allCases)
    func nationalFormContact(store: BotStoreKind) async throws {
        try await BotHarness.with(store: store) { harness in
            try await harness.runBot {
                let joko = Vendors.joko
                try await VendorEnrollmentTests.enroll(until: .phone, as: joko, in: harness)
                let before = await harness.state.botMessages(chatID: joko.id).count
                await harness.state.sendContact(from: joko, phoneNumber: "0812-9999-8888", firstName: "Joko", userID: joko.id)
                let next = try await harness.next(1, after: before, for: joko)[0]
                #expect(next.text?.contains("halal") == true, "\(next.text ?? "")")
                let review = try await harness.tap("e:h:no", as: joko, expecting: 2)
                #expect(review[1].text?.contains("+6281299998888") == true)
            }
        }
    }

    @Test("An owner's change to a verified business sends it back to verification, with before → after for staff", arguments: BotStoreKind.allCases)
    func ownerChangeRechecked(store: BotStoreKind) async throws {
        let verified = Business(registryID: "UMKM-0050", name: "Warung Bu Rina", category: "warung-makan", mode: .menetap,
                                location: Vendors.spot, phone: "+6281255550101", ownerTelegramID: Vendors.rina.id, verified: true)
        try await BotHarness.with(store: store) { harness in
            try await harness.runBot(registry: [verified], staff: [Vendors.dewi.id]) {
                _ = try await harness.say("/start", as: Vendors.dewi)
                let rina = Vendors.rina
                let card = try await harness.say("/usahaku", as: rina)
                #expect(card.text?.contains("terverifikasi") == true)
                let id = try #require(try await harness.business("UMKM-0050")).id

                // The halal claim is not one of the checked fields.
                _ = try await harness.tap("u:\(id):halal", as: rina, expecting: 2)
                #expect(try await harness.stores { try $0.registry.business(id: id) }?.verified == true)

                try await harness.tap("u:\(id):name", as: rina)
                let dewiBefore = await harness.state.botMessages(chatID: Vendors.dewi.id).count
                let saved = try await harness.say("Warung Makan Rina", as: rina, expecting: 2)
                #expect(saved[0].text?.contains("menunggu verifikasi ulang") == true)
                #expect(saved[1].text?.contains("terverifikasi") == false)
                let notice = try await harness.next(1, after: dewiBefore, for: Vendors.dewi)[0]
                #expect(notice.text?.contains("Warung Bu Rina → Warung Makan Rina") == true)
                #expect(notice.replyMarkup?.rows.joined().compactMap(\.callbackData) == ["s:v:\(id)", "s:s:\(id)"])
                #expect(try await harness.stores { try $0.registry.business(id: id) }?.verified == false)

                try await harness.tap("s:v:\(id)", as: Vendors.dewi)
                #expect(try await harness.stores { try $0.registry.business(id: id) }?.verified == true)

                // Staff's own edit (the card's buttons are open to staff) is checked already.
                let staffBefore = await harness.state.botMessages(chatID: Vendors.dewi.id).count
                _ = try await harness.state.pressForgedButton(from: Vendors.dewi, messageID: notice.messageID, callbackData: "u:\(id):phone")
                #expect(try await harness.next(1, after: staffBefore, for: Vendors.dewi)[0].text?.contains("Nomor telepon") == true)
                _ = try await harness.say("0812 5555 0202", as: Vendors.dewi, expecting: 2)
                let stored = try await harness.stores { try $0.registry.business(id: id) }
                #expect(stored?.verified == true && stored?.phone == "+6281255550202")
            }
        }
    }

    @Test("Simpan delivered twice creates one business; the second press is an expired button", arguments: BotStoreKind.allCases)
    func doubleSave(store: BotStoreKind) async throws {
        try await BotHarness.with(store: store) { harness in
            try await harness.runBot {
                let rina = Vendors.rina
                try await VendorEnrollmentTests.enroll(until: .review, as: rina, in: harness)
                let summary = try #require(await harness.state.botMessages(chatID: rina.id).last)
                let before = await harness.state.botMessages(chatID: rina.id).count
                // Two presses before the bot answers either: a double tap, or a redelivery.
                let first = try await harness.state.pressInlineButton(from: rina, messageID: summary.messageID, callbackData: "e:save")
                let second = try await harness.state.pressInlineButton(from: rina, messageID: summary.messageID, callbackData: "e:save")
                _ = try await harness.next(1, after: before, for: rina)
                for press in [first, second] {
                    guard case .callbackQuery(let query) = press.content else { continue }
                    try await BotSearchTests.waitUntil { await harness.state.answeredCallbackQueries[query.id] != nil }
                }
                let answers = await [first, second].asyncMap { press -> String?? in
                    guard case .callbackQuery(let query) = press.content else { return nil }
                    return await harness.state.answeredCallbackQueries[query.id]
                }
                #expect(answers.filter { $0 == .some("Tombol ini sudah kedaluwarsa.") }.count == 1)
            }
            #expect(try await harness.stores { try $0.registry.businesses(ownedBy: Vendors.rina.id).count } == 1)
        }
    }
}
