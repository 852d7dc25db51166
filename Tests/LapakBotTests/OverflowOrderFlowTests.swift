import BotAPIEmulator
import Foundation
@testable import LapakBot
import LapakRegistry
import Testing
import TelegramBotAPI

/// Overflow orders through the emulator: the /limpahkan dialog, waves (apprentices first, then the
/// nearest verified businesses of the kind), the Ambil race, forged and late presses, expiry and widening.
@Suite("Overflow orders (limpahan pesanan): waves, one winner, forged and late presses refused, expiry and widening")
struct OverflowOrderFlowTests {
    static let tono = ApprenticeshipFlowTests.tono
    static let wati = ApprenticeshipFlowTests.wati
    static let yanto = ApprenticeshipFlowTests.yanto
    static let putri = User(id: 7007, firstName: "Putri", languageCode: "id")

    /// Rina passes the order on. Putri is her apprentice (far away, offered first); Joko, Tono, Wati and
    /// Yanto are verified caterers at 200-800 m; Mallory's is nearer but unverified, never offered.
    static let seeds = [
        ApprenticeshipFlowTests.shop("KAT-RINA", "Katering Bu Rina", "katering", at: Vendors.spot, owner: Vendors.rina, phone: "+6281255550101"),
        ApprenticeshipFlowTests.shop("KAT-PUTRI", "Dapur Putri", "katering", at: Vendors.north(5000), owner: putri, phone: "+6281255550707"),
        ApprenticeshipFlowTests.shop("KAT-JOKO", "Katering Joko", "katering", at: Vendors.north(200), owner: Vendors.joko, phone: "+6281255550202"),
        ApprenticeshipFlowTests.shop("KAT-TONO", "Katering Tono", "katering", at: Vendors.north(400), owner: tono, phone: "+6281255550303"),
        ApprenticeshipFlowTests.shop("KAT-WATI", "Katering Wati", "katering", at: Vendors.north(600), owner: wati, phone: "+6281255550404"),
        ApprenticeshipFlowTests.shop("KAT-YANTO", "Katering Yanto", "katering", at: Vendors.north(800), owner: yanto, phone: "+6281255550505"),
        ApprenticeshipFlowTests.shop("KAT-MAL", "Katering Mallory", "katering", at: Vendors.north(100), owner: Vendors.mallory, verified: false,
                                     phone: "+6281255550606"),
    ]
    static let everyone = [Vendors.dewi, Vendors.rina, putri, Vendors.joko, tono, wati, yanto, Vendors.mallory]

    /// Putri apprenticed to Rina (active), as the consent flow leaves it.
    static func apprentice(_ harness: BotHarness, now: Date) async throws {
        let rina = try await ApprenticeshipFlowTests.id("KAT-RINA", harness), putri = try await ApprenticeshipFlowTests.id("KAT-PUTRI", harness)
        try await harness.stores { stores in
            let session = stores.registry
            try session.setCoachingRole(.mentor, capacity: 1, ofBusiness: rina, now: now)
            let proposed = try session.proposeApprenticeship(beginner: putri, mentor: rina, weeks: 12, by: Vendors.dewi.id, now: now)
            _ = try session.answerApprenticeship(proposed.id, side: .mentor, accept: true, username: nil, now: now)
            _ = try session.answerApprenticeship(proposed.id, side: .beginner, accept: true, username: nil, now: now)
        }
    }

    /// Rina's /limpahkan: bad answers are explained and asked again; returns the final "offered" message.
    static func passOrder(_ harness: BotHarness) async throws -> Message {
        let rina = Vendors.rina
        #expect(try await harness.say("/limpahkan", as: rina).text?.contains("Pesanan apa dan berapa banyak?") == true)
        #expect(try await harness.say("nasi kotak", as: rina).text?.contains("Tulis jumlah lalu barangnya") == true)
        #expect(try await harness.say("200 nasi kotak", as: rina).text?.contains("Kapan dibutuhkan?") == true)
        #expect(try await harness.say("kemarin sore", as: rina).text?.contains("tidak terbaca atau sudah lewat") == true)
        #expect(try await harness.say("besok 10.00", as: rina).text?.contains("Di mana") == true)
        #expect(try await harness.say("Bontang Bru", as: rina).text?.contains("maksud Anda Bontang Baru?") == true)
        #expect(try await harness.say("Bontang Baru", as: rina).text?.contains("Catatan untuk yang mengambil") == true)
        #expect(try await harness.tap("os:note", as: rina)[0].text?.contains("Kontak pelanggan") == true)
        return try await harness.say("Bu Ani 0812 9999 0000", as: rina)
    }

    @Test("Two Ambil at the same moment: exactly one winner gets the customer's contact, the others' offers say “sudah diambil”", arguments: BotStoreKind.allCases)
    func raceHasOneWinner(store: BotStoreKind) async throws {
        try await BotHarness.with(store: store) { harness in
            try await harness.runBot(registry: Self.seeds, staff: [Vendors.dewi.id]) {
                for user in Self.everyone { _ = try await harness.say("/start", as: user) }
                try await Self.apprentice(harness, now: Date())
                let counts = await Self.everyone.asyncMap { await harness.state.botMessages(chatID: $0.id).count }
                let offered = try await Self.passOrder(harness)
                #expect(offered.text?.contains("Pesanan #1 ditawarkan kepada 3 usaha (gelombang 1)") == true)

                // Wave 1: the apprentice first, then the two nearest verified caterers; not Mallory (unverified), not Wati yet.
                let putriOffer = try await harness.next(1, after: counts[1], for: Self.putri)[0]
                let jokoOffer = try await harness.next(1, after: counts[3], for: Vendors.joko)[0]
                let tonoOffer = try await harness.next(1, after: counts[4], for: Self.tono)[0]
                #expect(putriOffer.text?.contains("(pembina Anda)") == true && putriOffer.text?.contains("200 nasi kotak") == true)
                #expect(jokoOffer.text?.contains("200 m") == true && jokoOffer.text?.contains("Katering Bu Rina") == true)
                for offer in [putriOffer, jokoOffer, tonoOffer] { #expect(offer.text?.contains("Bu Ani") == false) }
                #expect(await harness.state.botMessages(chatID: Self.wati.id).count == counts[5])
                #expect(await harness.state.botMessages(chatID: Vendors.mallory.id).count == counts[7])

                // A forged Ambil from someone never offered the order.
                let mallory = try await ApprenticeshipFlowTests.id("KAT-MAL", harness)
                let forged = try await harness.state.pressForgedButton(from: Vendors.mallory, messageID: await Self.lastMessage(to: Vendors.mallory, harness), callbackData: "oa:1:\(mallory)")
                try await VendorDailyTests.expectExpired(forged, in: harness)

                // Joko and Tono press Ambil at the same moment.
                let joko = try await ApprenticeshipFlowTests.id("KAT-JOKO", harness), tono = try await ApprenticeshipFlowTests.id("KAT-TONO", harness)
                let rinaBefore = await harness.state.botMessages(chatID: Vendors.rina.id).count
                let jokoBefore = await harness.state.botMessages(chatID: Vendors.joko.id).count
                let tonoBefore = await harness.state.botMessages(chatID: Self.tono.id).count
                async let first = harness.state.pressInlineButton(from: Vendors.joko, messageID: jokoOffer.messageID, callbackData: "oa:1:\(joko)")
                async let second = harness.state.pressInlineButton(from: Self.tono, messageID: tonoOffer.messageID, callbackData: "oa:1:\(tono)")
                let presses = try await [first, second]
                for press in presses {
                    guard case .callbackQuery(let query) = press.content else { continue }
                    try await BotSearchTests.waitUntil { await harness.state.answeredCallbackQueries[query.id] != nil }
                }
                let answers = await presses.asyncMap { press -> String?? in
                    guard case .callbackQuery(let query) = press.content else { return nil }
                    return await harness.state.answeredCallbackQueries[query.id]
                }
                #expect(answers.filter { $0 == .some("Maaf, pesanan ini sudah tidak tersedia.") }.count == 1)
                let told = try await harness.next(1, after: rinaBefore, for: Vendors.rina)[0]
                let jokoWon = told.text?.contains("Katering Joko") == true
                #expect(told.text?.contains(jokoWon ? "+6281255550202" : "+6281255550303") == true)
                let winner = jokoWon ? Vendors.joko : Self.tono
                let won = try await harness.next(1, after: jokoWon ? jokoBefore : tonoBefore, for: winner)[0]
                #expect(won.text?.contains("Pesanan #1 untuk Anda") == true && won.text?.contains("Bu Ani 0812 9999 0000") == true)
                #expect(won.text?.contains("+6281255550101") == true)
                let loser = jokoWon ? Self.tono : Vendors.joko
                #expect(await harness.state.botMessages(chatID: loser.id).allSatisfy { $0.text?.contains("Bu Ani") != true })

                // Putri's offer now says it was taken, and her late press is refused.
                try await BotSearchTests.waitUntil {
                    await harness.state.botMessages(chatID: Self.putri.id).contains { $0.messageID == putriOffer.messageID && $0.text?.contains("sudah diambil") == true }
                }
                let putri = try await ApprenticeshipFlowTests.id("KAT-PUTRI", harness)
                let late = try await harness.state.pressForgedButton(from: Self.putri, messageID: putriOffer.messageID, callbackData: "oa:1:\(putri)")
                guard case .callbackQuery(let query) = late.content else { throw HarnessError("not a press") }
                try await BotSearchTests.waitUntil { await harness.state.answeredCallbackQueries[query.id] != nil }
                #expect(await harness.state.answeredCallbackQueries[query.id] == .some("Maaf, pesanan ini sudah tidak tersedia."))

                let order = try #require(try await harness.stores { try $0.registry.overflowOrder(1) })
                #expect(order.status == .taken && order.takenByBusinessID == (jokoWon ? joko : tono))
            }
        }
    }

    @Test("No one answers in time: the originator is told, the offers say so, a late press is refused, widening asks the next wave", arguments: BotStoreKind.allCases)
    func expiryAndWidening(store: BotStoreKind) async throws {
        try await BotHarness.with(store: store) { harness in
            let start = Date()
            let clock = WallClock(start)
            try await harness.runBot(registry: Self.seeds, staff: [Vendors.dewi.id], clock: clock) {
                for user in Self.everyone { _ = try await harness.say("/start", as: user) }
                let jokoBefore = await harness.state.botMessages(chatID: Vendors.joko.id).count
                _ = try await Self.passOrder(harness)
                let jokoOffer = try await harness.next(1, after: jokoBefore, for: Vendors.joko)[0]
                let rinaBefore = await harness.state.botMessages(chatID: Vendors.rina.id).count
                clock.set(start.addingTimeInterval(OverflowOrderFeature.answerWithin + 60))
                let expired = try await harness.next(1, after: rinaBefore, for: Vendors.rina)[0]
                #expect(expired.text?.contains("Belum ada yang mengambil pesanan #1") == true)
                try await BotSearchTests.waitUntil {
                    await harness.state.botMessages(chatID: Vendors.joko.id).contains { $0.messageID == jokoOffer.messageID && $0.text?.contains("waktu menjawab sudah habis") == true }
                }
                let joko = try await ApprenticeshipFlowTests.id("KAT-JOKO", harness)
                let late = try await harness.state.pressForgedButton(from: Vendors.joko, messageID: jokoOffer.messageID, callbackData: "oa:1:\(joko)")
                guard case .callbackQuery(let query) = late.content else { throw HarnessError("not a press") }
                try await BotSearchTests.waitUntil { await harness.state.answeredCallbackQueries[query.id] != nil }
                #expect(await harness.state.answeredCallbackQueries[query.id] == .some("Maaf, pesanan ini sudah tidak tersedia."))

                // Without an apprentice, wave 1 was Joko, Tono, Wati; widening asks Yanto and the far Putri (never Mallory).
                let yantoBefore = await harness.state.botMessages(chatID: Self.yanto.id).count
                let widened = try await harness.tap("ow:1", as: Vendors.rina)[0]
                #expect(widened.text?.contains("ditawarkan kepada 2 usaha (gelombang 2)") == true)
                let yantoOffer = try await harness.next(1, after: yantoBefore, for: Self.yanto)[0]
                let yanto = try await ApprenticeshipFlowTests.id("KAT-YANTO", harness)
                let taken = try await harness.tap("oa:1:\(yanto)", as: Self.yanto)[0]
                #expect(taken.text?.contains("Pesanan #1 untuk Anda") == true)
                _ = yantoOffer
                let statistics = try await harness.say("/statistik", as: Vendors.dewi)
                #expect(statistics.text?.contains("Limpahan pesanan: diambil 1") == true)
            }
        }
    }

    /// The id of the bot's latest message to `user` (a forged press needs a message in the presser's own chat).
    static func lastMessage(to user: User, _ harness: BotHarness) async -> Int {
        await harness.state.botMessages(chatID: user.id).last?.messageID ?? 0
    }
}
