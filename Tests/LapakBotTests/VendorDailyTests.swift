import BotAPIEmulator
import Foundation
@testable import LapakBot
import LapakRegistry
import Testing
import TelegramBotAPI

@Suite("Vendors link their records, check in, go live, close and manage their businesses")
struct VendorDailyTests {
    /// Imported from the agency's sheet: no owner yet, Joko's phone.
    static let imported = Business(registryID: "UMKM-0042", name: "Bakso Mas Joko", category: "bakso-mie", mode: .berkeliling, location: nil,
                                   kelurahan: "Bontang Baru", phone: Vendors.phone(of: Vendors.joko))
    static let jokosCart = Business(registryID: "UMKM-0043", name: "Sayur Keliling Joko", category: "sayur", mode: .berkeliling, location: nil,
                                    phone: Vendors.phone(of: Vendors.joko), ownerTelegramID: Vendors.joko.id)
    static let rinasShop = Business(registryID: "UMKM-0044", name: "Warung Bu Rina", category: "warung-makan", mode: .menetap,
                                    location: Vendors.spot, phone: "+6281255550101", ownerTelegramID: Vendors.rina.id)

    @Test("Sharing a contact links the imported record with that phone, after asking “is this yours?”", arguments: BotStoreKind.allCases)
    func linkingByContact(store: BotStoreKind) async throws {
        try await BotHarness.with(store: store) { harness in
            try await harness.runBot(registry: [Self.imported]) {
                let joko = Vendors.joko
                let none = try await harness.say("/usahaku", as: joko)
                #expect(none.text?.contains("belum terhubung") == true)
                let offer = try await harness.press("📱 Hubungkan dengan nomor saya", as: joko, expecting: 2)[1]
                #expect(offer.text?.contains("Apakah ini usaha Anda?") == true && offer.text?.contains("Bakso Mas Joko") == true)

                // Someone else cannot claim it by forging the button.
                let mallorysMessage = try await harness.say("/usahaku", as: Vendors.mallory)
                let id = try #require(offer.replyMarkup?.rows.first?.first?.callbackData)
                let forged = try await harness.state.pressForgedButton(from: Vendors.mallory, messageID: mallorysMessage.messageID, callbackData: id)
                try await Self.expectExpired(forged, in: harness)

                let linked = try await harness.tap(id, as: joko)[0]
                #expect(linked.text?.contains("Terhubung: Bakso Mas Joko") == true)
                let card = try await harness.say("/usahaku", as: joko)
                #expect(card.text?.contains("UMKM-0042") == true && card.text?.contains("terverifikasi") == true)
            }
            #expect(try await harness.business("UMKM-0042")?.ownerTelegramID == Vendors.joko.id)
        }
    }

    @Test("The phone step of /daftar offers the imported record instead of a duplicate", arguments: BotStoreKind.allCases)
    func linkingDuringEnrollment(store: BotStoreKind) async throws {
        try await BotHarness.with(store: store) { harness in
            try await harness.runBot(registry: [Self.imported]) {
                let joko = Vendors.joko
                _ = try await harness.say("/daftar", as: joko, expecting: 2)
                _ = try await harness.say("Bakso Joko", as: joko)
                try await harness.tap("e:k:bakso-mie", as: joko)
                try await harness.tap("e:m:berkeliling", as: joko)
                try await harness.press("Lewati", as: joko)
                let offer = try await harness.press("📱 Kirim nomor saya", as: joko)[0]
                #expect(offer.text?.contains("Apakah ini usaha Anda?") == true)
                let data = try #require(offer.replyMarkup?.rows.first?.first?.callbackData)
                let linked = try await harness.tap(data, as: joko)[0]
                #expect(linked.text?.contains("Terhubung: Bakso Mas Joko") == true)
            }
            #expect(try await harness.stores { try $0.registry.count() } == 1)
        }
    }

    @Test("A live location puts the cart on the map, moves it with every edit, shows “last seen” when silent, and ends when sharing stops", arguments: BotStoreKind.allCases)
    func liveLocation(store: BotStoreKind) async throws {
        // Noon in Bontang (WITA), whatever the real time: 20 silent minutes later must still be today, since a
        // check-in ends at local midnight. (Started from the real time, this failed when run after 23.40 WITA.)
        let clock = WallClock(ISO8601DateFormatter().date(from: "2026-06-15T04:00:00Z")!)
        try await BotHarness.with(store: store) { harness in
            try await harness.runBot(registry: [Self.jokosCart], clock: clock) {
                let joko = Vendors.joko
                _ = try await harness.say("/jualan", as: joko)
                let before = await harness.state.botMessages(chatID: joko.id).count
                let share = await harness.state.sendLocation(from: joko, latitude: Vendors.spot.latitude, longitude: Vendors.spot.longitude,
                                                             livePeriod: 3 * 3600)
                let confirmed = try await harness.next(1, after: before, for: joko)[0]
                #expect(confirmed.text?.contains("mengikuti lokasi langsung Anda") == true)
                guard case .message(let liveMessage) = share.content else { Issue.record("not a message"); return }

                let first = try await Vendors.citizenSearch("sayur terdekat", from: Vendors.north(800), in: harness)
                #expect(first.contains("1. Sayur Keliling Joko · 800 m") && first.contains("lokasi langsung"))

                await harness.state.moveLiveLocation(from: joko, messageID: liveMessage.messageID,
                                                     latitude: Vendors.north(700).latitude, longitude: Vendors.north(700).longitude)
                try await BotSearchTests.waitUntil {
                    (try? await Vendors.citizenSearch("sayur terdekat", from: Vendors.north(800), in: harness))?.contains("· 100 m") == true
                }

                clock.set(clock.now.addingTimeInterval(20 * 60))  // silent for 20 minutes
                let silent = try await Vendors.citizenSearch("sayur terdekat", from: Vendors.north(800), in: harness)
                #expect(silent.contains("terakhir terlihat"))

                let stopBefore = await harness.state.botMessages(chatID: joko.id).count
                await harness.state.stopLiveLocation(from: joko, messageID: liveMessage.messageID)
                let stopped = try await harness.next(1, after: stopBefore, for: joko)[0]
                #expect(stopped.text?.contains("berhenti dibagikan") == true)
                let gone = try await Vendors.citizenSearch("sayur terdekat", from: Vendors.north(800), in: harness)
                #expect(!gone.contains("Sayur Keliling Joko"))
            }
        }
    }

    @Test("Today ends at local midnight (WITA): a check-in and a shop's “closed today” both end then", arguments: BotStoreKind.allCases)
    func midnightExpiry(store: BotStoreKind) async throws {
        // 23:40 WITA on 29 November 2026 is 15:40 UTC.
        let evening = try Date("2026-11-29T15:40:00Z", strategy: .iso8601)
        let clock = WallClock(evening)
        try await BotHarness.with(store: store) { harness in
            try await harness.runBot(registry: [Self.jokosCart, Self.rinasShop], clock: clock) {
                _ = try await harness.say("/jualan", as: Vendors.joko)
                let confirmed = try await harness.press("📍 Kirim lokasi jualan", as: Vendors.joko, location: Vendors.north(100))[0]
                #expect(confirmed.text?.contains("sampai pukul 00.00") == true)
                let closed = try await harness.say("/tutup", as: Vendors.rina)
                #expect(closed.text?.contains("ditandai tutup hari ini") == true)

                let lateEvening = try await Vendors.citizenSearch("sayur terdekat", from: Vendors.spot, in: harness)
                #expect(lateEvening.contains("Sayur Keliling Joko"))
                let shopClosed = try await Vendors.citizenSearch("warung makan terdekat", from: Vendors.spot, in: harness)
                #expect(!shopClosed.contains("Warung Bu Rina"))

                clock.set(evening.addingTimeInterval(25 * 60))  // 00:05 WITA
                let nextDay = try await Vendors.citizenSearch("sayur terdekat", from: Vendors.spot, in: harness)
                #expect(!nextDay.contains("Sayur Keliling Joko"))
                let shopOpen = try await Vendors.citizenSearch("warung makan terdekat", from: Vendors.spot, in: harness)
                #expect(shopOpen.contains("1. Warung Bu Rina · "))
            }
        }
    }

    @Test("A vendor's location without /jualan is a search, with a button that makes it today's spot", arguments: BotStoreKind.allCases)
    func locationOfferedAsCheckIn(store: BotStoreKind) async throws {
        try await BotHarness.with(store: store) { harness in
            try await harness.runBot(registry: [Self.jokosCart]) {
                let before = await harness.state.botMessages(chatID: Vendors.joko.id).count
                await harness.state.sendLocation(from: Vendors.joko, latitude: Vendors.spot.latitude, longitude: Vendors.spot.longitude)
                let results = try await harness.next(2, after: before, for: Vendors.joko)[1]
                let button = try #require(results.replyMarkup?.rows.joined().first { $0.callbackData?.hasPrefix("jl:") == true })
                #expect(button.text == "🛵 Jadikan lokasi jualan hari ini")
                let confirmed = try await harness.tap(button.callbackData!, as: Vendors.joko)[0]
                #expect(confirmed.text?.contains("sekarang tampil di pencarian warga") == true)
                let found = try await Vendors.citizenSearch("sayur terdekat", from: Vendors.north(50), in: harness)
                #expect(found.contains("1. Sayur Keliling Joko · 50 m"))
            }
        }
    }

    @Test("/usahaku edits a name and deletes with a question first; the record stays for the agency", arguments: BotStoreKind.allCases)
    func manageAndDelete(store: BotStoreKind) async throws {
        try await BotHarness.with(store: store) { harness in
            try await harness.runBot(registry: [Self.rinasShop]) {
                let rina = Vendors.rina
                let card = try await harness.say("/usahaku", as: rina)
                #expect(card.text?.contains("Warung Bu Rina") == true && card.text?.contains("buka, tampil di pencarian") == true)
                let id = try await harness.businessID("UMKM-0044")
                try await harness.tap("u:\(id):name", as: rina)
                let bad = try await harness.say("<script>", as: rina)
                #expect(bad.text?.contains("tidak boleh") == true)
                let saved = try await harness.say("Warung Makan Bu Rina", as: rina, expecting: 2)
                #expect(saved[1].text?.contains("Warung Makan Bu Rina") == true)

                let ask = try await harness.tap("u:\(id):delete", as: rina)[0]
                #expect(ask.text?.contains("Hapus") == true)
                let deleted = try await harness.tap("u:\(id):deleteyes", as: rina)[0]
                #expect(deleted.text?.contains("dihapus dari pencarian") == true)
                let gone = try await Vendors.citizenSearch("warung makan terdekat", from: Vendors.spot, in: harness)
                #expect(!gone.contains("Warung Makan Bu Rina"))
            }
            let kept = try #require(try await harness.business("UMKM-0044"))
            #expect(kept.status == .inactive && kept.name == "Warung Makan Bu Rina")
        }
    }

    @Test("An owner's halal switch is a claim for staff to check; staff's switch sets the mark", arguments: BotStoreKind.allCases)
    func halalSwitch(store: BotStoreKind) async throws {
        try await BotHarness.with(store: store) { harness in
            try await harness.runBot(registry: [Self.rinasShop], staff: [Vendors.dewi.id]) {
                let id = try await harness.businessID("UMKM-0044")
                _ = try await harness.say("/usahaku", as: Vendors.rina)
                let claimed = try await harness.tap("u:\(id):halal", as: Vendors.rina, expecting: 2)[1]
                #expect(claimed.text?.contains("Halal: ⏳ menunggu pemeriksaan Dinas") == true)
                let before = try await Vendors.citizenSearch("warung makan halal", from: Vendors.spot, in: harness)
                #expect(before.contains("Tidak ada warung makan (halal saja)"))
                let card = try await harness.say("/halal UMKM-0044", as: Vendors.dewi, expecting: 2)[1]
                #expect(card.text?.contains("Halal: ✅ bersertifikat") == true)
                let after = try await Vendors.citizenSearch("warung makan halal", from: Vendors.spot, in: harness)
                #expect(after.contains("1. Warung Bu Rina") && after.contains("✅ halal"))
            }
        }
    }

    @Test("Forged buttons are refused: another owner's business, staff actions, steps not in progress", arguments: BotStoreKind.allCases)
    func forgedButtons(store: BotStoreKind) async throws {
        try await BotHarness.with(store: store) { harness in
            try await harness.runBot(registry: [Self.rinasShop, Self.jokosCart], staff: [Vendors.dewi.id]) {
                let shop = try await harness.businessID("UMKM-0044")
                let cart = try await harness.businessID("UMKM-0043")
                let message = try await harness.say("/start", as: Vendors.mallory)
                for data in ["u:\(shop):deleteyes", "u:\(shop):k:kue", "s:v:\(shop)", "s:s:\(shop)", "e:save", "e:h:yes", "jl:\(cart)",
                             "t:\(shop)", "o:\(shop)", "j:\(cart)", "l:\(shop)"] {
                    let press = try await harness.state.pressForgedButton(from: Vendors.mallory, messageID: message.messageID, callbackData: data)
                    try await Self.expectExpired(press, in: harness)
                }
                let refused = try await harness.say("/verifikasi", as: Vendors.mallory)
                #expect(refused.text?.contains("hanya untuk petugas") == true)
                let list = try await harness.say("/verifikasi", as: Vendors.dewi)
                #expect(list.text?.contains("Tidak ada pendaftaran") == true)
            }
            let shop = try #require(try await harness.business("UMKM-0044"))
            #expect(shop.status == .active && shop.category == "warung-makan")
        }
    }

    /// The press was answered with the polite "expired" toast.
    static func expectExpired(_ press: Update, in harness: BotHarness) async throws {
        guard case .callbackQuery(let query) = press.content else { Issue.record("not a callback query"); return }
        try await BotSearchTests.waitUntil { await harness.state.answeredCallbackQueries[query.id] != nil }
        #expect(await harness.state.answeredCallbackQueries[query.id] == .some("Tombol ini sudah kedaluwarsa."), "\(query.data ?? "")")
    }
}
