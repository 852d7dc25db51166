import Foundation
import GRDB
import LapakBot
import LapakDatabase
import LapakRegistry
import Testing

extension SubprocessTests {
    /// `lapak export --table groups|halal`: the coaching programme's records for the agency's spreadsheets.
    @Suite("lapak export --table groups and halal")
    struct ProgrammeExportTests {
        @Test("Groups and halal applications as CSV: quoted, formulas guarded, one row per member and per application",
              arguments: BotStoreKind.allCases)
        func exportGroupsAndHalal(store kind: BotStoreKind) async throws {
            try #require(FileManager.default.isExecutableFile(atPath: CommandLineTests.binary.path), "build lapak first: swift build")
            try await CommandLineStore.with(kind) { store in try await exportGroupsAndHalal(store) }
        }

        private func exportGroupsAndHalal(_ store: CommandLineStore) async throws {
            let now = Date(timeIntervalSince1970: 1_796_000_000)
            let applied = try await store.write { session -> Bool in
                _ = try session.upsertAll([
                    Business(registryID: "E-1", name: "=HYPERLINK(\"http://x\")", category: "kue", mode: .menetap, location: nil, ownerTelegramID: 1),
                    Business(registryID: "E-2", name: "Kue \"Enak\", Bontang", category: "kue", mode: .menetap, location: nil, ownerTelegramID: 2),
                ], now: now, progress: { _, _ in })
                let first = try session.business(registryID: "E-1")!, second = try session.business(registryID: "E-2")!
                let group = try session.createGroup(name: "+Kelompok Kue", category: "kue", kelurahan: "Bontang Baru",
                                                    members: [first.id, second.id], by: 9, now: now)
                _ = try session.recordSupport(.equipment, description: "-2 oven, 1 mixer", on: "2026-12-10", toGroup: group.id, by: 9, now: now)
                let criteria = HalalCriteria(minMonthsRegistered: 0)
                guard case .submitted(let application) = try session.applyForHalal(second, applicant: 2, criteria: criteria, now: now) else {
                    return false
                }
                _ = try session.acceptHalal(application.id, quota: 15, now: now)
                return true
            }
            #expect(applied, "the second business could not apply for halal")
            let environment = store.environment

            let groups = try await CommandLineTests.run(["export", "--table", "groups"], environment: environment)
            #expect(groups.status == 0, "\(groups.output)")
            let groupLines = groups.output.components(separatedBy: "\r\n").filter { !$0.isEmpty }
            #expect(groupLines.first == ProgrammeExporter.groupColumns.joined(separator: ","))
            #expect(groupLines.count == 3, "\(groups.output)")  // the header and one row per member
            #expect(groupLines[1].hasPrefix("1,'+Kelompok Kue,kue,Bontang Baru,2026-"))
            #expect(groupLines[1].contains(",E-1,\"'=HYPERLINK(\"\"http://x\"\")\",1,"), "\(groups.output)")
            #expect(groupLines[2].contains(",E-2,\"Kue \"\"Enak\"\", Bontang\",1,\"2026-12-10 equipment: -2 oven, 1 mixer\""), "\(groups.output)")

            let halal = try await CommandLineTests.run(["export", "--table", "halal"], environment: environment)
            #expect(halal.status == 0, "\(halal.output)")
            let halalLines = halal.output.components(separatedBy: "\r\n").filter { !$0.isEmpty }
            #expect(halalLines.count == 2)
            #expect(halalLines[1].hasPrefix("1,E-2,\"Kue \"\"Enak\"\", Bontang\",kue,,accepted,"), "\(halal.output)")

            let geojson = try await CommandLineTests.run(["export", "--table", "halal", "--format", "geojson"], environment: environment)
            #expect(geojson.status != 0 && geojson.output.contains("CSV only"), "\(geojson.output)")
        }
    }

    /// `lapak check` refuses a halal food kind that categories.yml does not have, as `lapak run` would.
    @Suite("lapak check and the halal food kinds")
    struct HalalKindsCheckTests {
        @Test("An unknown food kind is named with its setting; the shipped ones pass")
        func unknownKindRefused() async throws {
            let refused = try await CheckCommandTests.run(["check", "--no-token"], ["LAPAK_HALAL_FOOD_KINDS": "kue, sushi"])
            #expect(refused.status != 0)
            #expect(refused.output.contains("halal.food_kinds (LAPAK_HALAL_FOOD_KINDS): 'sushi' is not a category of categories.yml"), "\(refused.output)")
            let shipped = try await CheckCommandTests.run(["check", "--no-token"])
            #expect(shipped.status == 0, "\(shipped.output)")
        }
    }
}
