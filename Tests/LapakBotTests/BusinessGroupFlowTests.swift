import BotAPIEmulator
import Foundation
@testable import LapakBot
import LapakRegistry
import Testing
import TelegramBotAPI

/// Six cake businesses in Bontang Baru and one laundry, each owned by its own vendor.
enum GroupFixture {
    static func vendor(_ index: Int) -> User { User(id: 300_000 + Int64(index), firstName: "Penjual \(index)", languageCode: "id") }

    static let businesses: [Business] = (0..<7).map { index in
        Business(registryID: "G-\(index)", name: index == 6 ? "Laundry Bersih" : "Kue \(index)", category: index == 6 ? "laundry" : "kue",
                 mode: .menetap, location: Vendors.spot, kelurahan: "Bontang Baru", ownerTelegramID: vendor(index).id)
    }
}

@Suite("Business groups: staff create them, record support; vendors see them; announcements reach exactly a group", .serialized)
struct BusinessGroupFlowTests {
    static let dewi = Vendors.dewi

    @Test("/kelompok: a group built from beginners and the kind's businesses, support recorded, seen in /usahaku, announced to", arguments: BotStoreKind.allCases)
    func createSupportSeeAndAnnounce(store: BotStoreKind) async throws {
        try await BotHarness.with(store: store) { harness in
            await harness.state.registerUsers((0..<7).map(GroupFixture.vendor))
            try await harness.runBot(registry: GroupFixture.businesses, staff: [Self.dewi.id]) {
                // Kue 1 and Kue 2 said "saya pemula, ingin dibina"; the laundry's owner too, but it is another kind.
                let ids = try await harness.stores { stores in
                    let ids = try (0..<7).map { index in try stores.registry.business(registryID: "G-\(index)")?.id ?? 0 }
                    for index in [1, 2, 6] { try stores.registry.setCoachingRole(.beginner, ofBusiness: ids[index], now: Date()) }
                    return ids
                }

                let empty = try await harness.say("/kelompok", as: Self.dewi)
                #expect(empty.text?.contains("Belum ada kelompok usaha") == true)
                #expect(try await harness.tap("kg:new", as: Self.dewi)[0].text?.contains("Nama kelompok baru?") == true)
                let markup = try await harness.say("<b>Kelompok</b>", as: Self.dewi)
                #expect(markup.text?.contains("tidak boleh berisi") == true)  // refused, the dialog still waits
                let named = try await harness.say("Kelompok Kue Bontang Baru", as: Self.dewi, expecting: 2)
                #expect(named[1].text?.contains("Jenis usaha kelompok") == true)
                try await harness.tap("kg:k:kue", as: Self.dewi)
                let panel = try await harness.tap("kg:l:1", as: Self.dewi)[0]
                #expect(panel.text?.contains("2 calon") == true)  // the two cake beginners, not the laundry
                let buttons = panel.replyMarkup?.rows.joined().compactMap(\.callbackData) ?? []
                #expect(buttons.contains("kg:t:\(ids[1])") && buttons.contains("kg:t:\(ids[2])") && !buttons.contains("kg:t:\(ids[6])"))

                try await Self.toggle(ids[1], expecting: "1 terpilih", in: harness)
                try await Self.toggle(ids[2], expecting: "2 terpilih", in: harness)
                try await harness.tap("kg:src:k", as: Self.dewi, expecting: 0)
                try await Self.waitForPanel("6 calon", in: harness)
                try await Self.toggle(ids[4], expecting: "3 terpilih", in: harness)
                // A forged press for a business that is not on offer changes nothing.
                let forged = try await harness.state.pressForgedButton(from: Self.dewi, messageID: panel.messageID, callbackData: "kg:t:\(ids[6])")
                try await VendorDailyTests.expectExpired(forged, in: harness)

                let created = try await harness.tap("kg:save", as: Self.dewi)[0]
                #expect(created.text?.contains("Kelompok Kelompok Kue Bontang Baru dibuat dengan 3 anggota") == true)
                for index in [1, 2, 4] {
                    let told = try await harness.state.waitForBotMessages(chatID: GroupFixture.vendor(index).id, count: 1)
                    #expect(told[0].text?.contains("kini anggota kelompok usaha") == true)
                }

                // Support: training on a typed date.
                _ = try await harness.say("/kelompok", as: Self.dewi)
                let page = try await harness.tap("kg:v:1", as: Self.dewi)[0]
                #expect(page.text?.contains("Anggota (3)") == true && page.text?.contains("belum ada") == true)
                try await harness.tap("kg:s:1", as: Self.dewi)
                #expect(try await harness.tap("kg:sk:1:training", as: Self.dewi)[0].text?.contains("Tulis tanggal") == true)
                let recorded = try await harness.say("10/12/2026 Pelatihan pembukuan sederhana", as: Self.dewi)
                #expect(recorded.text?.contains("10/12/2026 📚 Pelatihan — Pelatihan pembukuan sederhana") == true)

                // A member sees the group and its support in /usahaku; a non-member does not.
                let mine = try await harness.say("/usahaku", as: GroupFixture.vendor(4), expecting: 2)
                #expect(mine[1].text?.contains("Kelompok usaha Anda") == true)
                #expect(mine[1].text?.contains("Kelompok Kue Bontang Baru") == true && mine[1].text?.contains("10/12/2026 📚 Pelatihan") == true)
                let other = try await harness.say("/usahaku", as: GroupFixture.vendor(3))
                #expect(other.text?.contains("Kue 3") == true)

                // An announcement to the group reaches its three members, and no one else.
                _ = try await harness.say("/umumkan Rapat kelompok kue Sabtu", as: Self.dewi)
                try await harness.tap("b:grp", as: Self.dewi, expecting: 0)
                try await BroadcastFlowTests.waitForButton("b:g:1", in: harness)
                try await harness.tap("b:g:1", as: Self.dewi, expecting: 0)
                try await BroadcastFlowTests.waitForPanel(containing: "3 pelaku usaha", in: harness)
                try await harness.tap("b:preview", as: Self.dewi, expecting: 3)
                _ = try await harness.tap("b:send", as: Self.dewi)
                try await BotSearchTests.waitUntil { await harness.state.deliveries(containing: "Rapat kelompok kue").count == 4 }
                let reached = Set(await harness.state.deliveries(containing: "Rapat kelompok kue").keys)
                #expect(reached == Set([Self.dewi.id] + [1, 2, 4].map { GroupFixture.vendor($0).id }))
                try await Task.sleep(for: .milliseconds(300))
                let otherTexts = await harness.state.botMessages(chatID: GroupFixture.vendor(3).id).compactMap(\.text)
                #expect(!otherTexts.contains { $0.contains("Kelompok usaha Anda") || $0.contains("Rapat kelompok") })

                try await BotSearchTests.waitUntil {
                    await harness.state.botMessages(chatID: Self.dewi.id).contains { $0.text?.contains("Pengumuman #1 selesai") == true }
                }
                await harness.state.sendText(from: Self.dewi, "/statistik")
                try await BotSearchTests.waitUntil {
                    await harness.state.botMessages(chatID: Self.dewi.id).contains { $0.text?.contains("Pengumuman terakhir") == true }
                }
                let statistics = try #require(await harness.state.botMessages(chatID: Self.dewi.id).last { $0.text?.contains("Pengumuman terakhir") == true })
                #expect(statistics.text?.contains("👥 Kelompok Kue Bontang Baru") == true, "\(statistics.text ?? "")")  // the broadcast's audience
                #expect(statistics.text?.contains("1 kelompok, 3 usaha anggota") == true && statistics.text?.contains("1 pelatihan") == true)

                // Members change over the years: Kue 1 leaves, Kue 5 joins; only the newcomer is told.
                _ = try await harness.say("/kelompok", as: Self.dewi)
                try await harness.tap("kg:v:1", as: Self.dewi)
                let editing = try await harness.tap("kg:e:1", as: Self.dewi)[0]
                #expect(editing.text?.contains("3 terpilih") == true)
                try await harness.tap("kg:t:\(ids[1])", as: Self.dewi, expecting: 0)
                try await Self.waitForMessage(editing.messageID, containing: "2 terpilih", in: harness)
                try await harness.tap("kg:src:k", as: Self.dewi, expecting: 0)
                try await Self.waitForMessage(editing.messageID, containing: "6 calon", in: harness)
                try await harness.tap("kg:t:\(ids[5])", as: Self.dewi, expecting: 0)
                try await Self.waitForMessage(editing.messageID, containing: "3 terpilih", in: harness)
                let saved = try await harness.tap("kg:save", as: Self.dewi)[0]
                #expect(saved.text?.contains("Anggota kelompok Kelompok Kue Bontang Baru disimpan: 3 anggota") == true, "\(saved.text ?? "")")
                let newcomer = try await harness.state.waitForBotMessages(chatID: GroupFixture.vendor(5).id, count: 1)
                #expect(newcomer[0].text?.contains("kini anggota kelompok usaha") == true)
                let stayed = await harness.state.botMessages(chatID: GroupFixture.vendor(2).id).filter { $0.text?.contains("kini anggota") == true }
                #expect(stayed.count == 1)
                let members = try await harness.stores { try $0.registry.members(ofGroup: 1).map(\.registryID) }
                #expect(members == ["G-2", "G-4", "G-5"])
            }
        }
    }

    @Test("In English: /groups lists the groups and the creation asks in English", arguments: BotStoreKind.allCases)
    func english(store: BotStoreKind) async throws {
        let staff = User(id: 7950, firstName: "Ann", languageCode: "en")
        try await BotHarness.with(store: store) { harness in
            try await harness.runBot(registry: GroupFixture.businesses, staff: [staff.id]) {
                #expect(try await harness.say("/groups", as: staff).text?.contains("There are no business groups yet") == true)
                #expect(try await harness.tap("kg:new", as: staff)[0].text?.contains("The new group's name?") == true)
                let refused = try await harness.say("/groups", as: Vendors.sari)
                #expect(refused.text?.contains("hanya untuk petugas") == true)
            }
        }
    }

    /// Toggles a candidate of the member picker and waits until the edited panel shows `text`.
    static func toggle(_ id: Int64, expecting text: String, in harness: BotHarness) async throws {
        try await harness.tap("kg:t:\(id)", as: dewi, expecting: 0)
        try await waitForPanel(text, in: harness)
    }

    /// Waits until the bot's message `id` to Dewi (edited in place) shows `text`.
    static func waitForMessage(_ id: Int, containing text: String, in harness: BotHarness) async throws {
        try await BotSearchTests.waitUntil {
            await harness.state.botMessages(chatID: dewi.id).contains { $0.messageID == id && $0.text?.contains(text) == true }
        }
    }

    static func waitForPanel(_ text: String, in harness: BotHarness) async throws {
        try await BotSearchTests.waitUntil {
            await harness.state.botMessages(chatID: dewi.id).contains { $0.text?.contains("Pilih anggota") == true && $0.text?.contains(text) == true }
        }
    }
}
