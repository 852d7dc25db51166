import Foundation
import LapakRegistry
import Testing

extension SubprocessTests {
    /// `lapak export --table apprenticeships|orders`: the coaching programme's records for the agency's spreadsheets.
    @Suite("lapak export --table apprenticeships and orders")
    struct CoachingExportTests {
        @Test("Each apprenticeship and each handover is a CSV row: who, when, final status; formulas are guarded",
              arguments: BotStoreKind.allCases)
        func tables(store kind: BotStoreKind) async throws {
            try #require(FileManager.default.isExecutableFile(atPath: CommandLineTests.binary.path), "build lapak first: swift build")
            try await CommandLineStore.with(kind) { store in try await exportTables(store) }
        }

        private func exportTables(_ store: CommandLineStore) async throws {
            let now = Date(timeIntervalSince1970: 1_796_090_400)  // 2026-12-01 10.00 WITA
            let spot = GeoPoint(latitude: 0.1443, longitude: 117.4938)
            try await store.write { session in
                _ = try session.upsertAll([
                    Business(registryID: "KAT-1", name: "=Katering Bu Rina", category: "katering", mode: .menetap, location: spot, ownerTelegramID: 1),
                    Business(registryID: "KAT-2", name: "Dapur Putri", category: "katering", mode: .menetap,
                             location: GeoPoint(latitude: 0.146, longitude: 117.4938), ownerTelegramID: 2),
                ], now: now, progress: { _, _ in })
                let rina = try session.business(registryID: "KAT-1")!, putri = try session.business(registryID: "KAT-2")!
                try session.setCoachingRole(.mentor, capacity: 1, ofBusiness: rina.id, now: now)
                let proposed = try session.proposeApprenticeship(beginner: putri.id, mentor: rina.id, weeks: 4, by: 9, now: now)
                _ = try session.answerApprenticeship(proposed.id, side: .mentor, accept: true, username: nil, now: now)
                _ = try session.answerApprenticeship(proposed.id, side: .beginner, accept: true, username: nil, now: now)
                let order = try session.createOverflowOrder(
                    OverflowOrderDraft(what: "200 nasi kotak, pedas", quantity: 200, neededAt: now.addingTimeInterval(86_400), place: spot,
                                       kelurahan: "Bontang Baru"), from: rina, userID: 1, username: nil, now: now)
                _ = try session.offerNextWave(of: order.id, size: 3, answerWithin: 1800, now: now)
                _ = try session.takeOverflowOrder(order.id, business: putri.id, userID: 2, now: now.addingTimeInterval(60))
            }
            let environment = store.environment

            let orders = try await CommandLineTests.run(["export", "--table", "orders"], environment: environment)
            #expect(orders.status == 0)
            let lines = orders.output.components(separatedBy: "\r\n")
            try #require(lines.count > 1, "\(orders.output)")
            #expect(lines[0] == "id,status,from_id,from_name,what,quantity,needed_at,kelurahan,created_at,waves,offers,to_id,to_name,to_apprentice,closed_at")
            #expect(lines[1] == "1,taken,KAT-1,'=Katering Bu Rina,\"200 nasi kotak, pedas\",200,2026-12-02T10:00:00+08:00,Bontang Baru,"
                    + "2026-12-01T10:00:00+08:00,1,1,KAT-2,Dapur Putri,ya,2026-12-01T10:01:00+08:00", "\(lines)")

            let apprenticeships = try await CommandLineTests.run(["export", "--table", "apprenticeships"], environment: environment)
            #expect(apprenticeships.status == 0)
            let rows = apprenticeships.output.components(separatedBy: "\r\n")
            try #require(rows.count > 1, "\(apprenticeships.output)")
            #expect(rows[1] == "1,active,KAT-2,Dapur Putri,KAT-1,'=Katering Bu Rina,katering,4,2026-12-01T10:00:00+08:00,"
                    + "2026-12-01T10:00:00+08:00,2026-12-29T10:00:00+08:00,,ya,ya,0,,", "\(rows)")

            let refused = try await CommandLineTests.run(["export", "--table", "orders", "--format", "geojson"], environment: environment)
            #expect(refused.status != 0 && refused.output.contains("CSV only"))
        }
    }
}
