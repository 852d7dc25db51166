import Foundation
import GRDB
@testable import LapakDatabase
import LapakRegistry
import Testing

/// Export, edit in a spreadsheet, import: nothing is lost, nothing is silently verified, no cell runs as a formula.
@Suite("The spreadsheet cycle")
struct SpreadsheetCycleTests {
    static let here = GeoPoint(latitude: 0.1335, longitude: 117.5081)

    /// A registry with every kind of record the cycle must keep: verified, self-enrolled and unverified,
    /// deleted, suspended, a mobile vendor without a home base, names a spreadsheet would run as formulas.
    static func populate(_ registry: Registry) async throws {
        let day = Date.bontang(hour: 9)
        try await registry.upsert(Business(registryID: "A1", name: "Warung Bu Ani", category: "warung-makan", mode: .menetap, location: here,
                                           kelurahan: "Bontang Kuala", address: "Jl. A, No. 1", phone: "+6281234567890", halal: true), at: day)
        try await registry.upsert(Business(registryID: "A2", name: "=HYPERLINK(\"http://x\",\"klik\")", category: "kue", mode: .menetap,
                                           location: here, address: "+1 Jl. B", phone: "+6281234567891"), at: day)
        try await registry.upsert(Business(registryID: "A3", name: "-Toko Sebelah", category: "kelontong", mode: .menetap, location: here,
                                           address: "@rumah\nRT 02"), at: day)
        try await registry.upsert(Business(registryID: "A4", name: "'Ndeso Kopi", category: "minuman", mode: .menetap, location: here,
                                           address: "'=sudah dijaga"), at: day)
        let (gone, _) = try await registry.upsert(Business(registryID: "A5", name: "Salon Tutup", category: "salon", mode: .menetap,
                                                            location: here), at: day)
        try await registry.setStatus(.inactive, ofBusiness: gone.id, at: day.addingTimeInterval(3600))
        let (paused, _) = try await registry.upsert(Business(registryID: "A6", name: "Laundry Jeda", category: "laundry", mode: .menetap,
                                                              location: here), at: day)
        try await registry.setStatus(.suspended, ofBusiness: paused.id, at: day.addingTimeInterval(7200))
        try await registry.upsert(Business(registryID: "A7", name: "Bakso Keliling", category: "bakso-mie", mode: .berkeliling,
                                           location: nil, kelurahan: "Api-Api"), at: day)
        _ = try await registry.enroll(Business(registryID: "", name: "Sate Mas Joko", category: "bakso-mie", mode: .berkeliling,
                                               location: nil), owner: 501, now: day.addingTimeInterval(60))
        let checked = try await registry.enroll(Business(registryID: "", name: "Jahit Bu Sri", category: "jahit", mode: .menetap,
                                                         location: here, kelurahan: "Api-Api"), owner: 502, now: day.addingTimeInterval(120))
        try await registry.setVerified(true, ofBusiness: checked.id, now: day.addingTimeInterval(300))
    }

    /// The registry as records, without row ids (another database numbers its rows its own way).
    static func records(_ registry: Registry) async throws -> [BusinessRecord] {
        try await registry.allRecords().map { record in
            var record = record
            record.business.id = 0
            return record
        }
    }

    @Test("The export keeps the agency's eleven columns first and adds status, verified, source, created_at, updated_at")
    func exportColumns() async throws {
        let fixture = try RegistryFixture()
        defer { fixture.remove() }
        try await Self.populate(fixture.registry)
        let csv = try await RegistryExporter(registry: fixture.registry).csv()
        let lines = csv.components(separatedBy: "\r\n")
        #expect(lines[0] == "id,name,category,mode,latitude,longitude,kelurahan,address,phone,telegram_id,halal,status,verified,source,created_at,updated_at")
        #expect(lines.contains("A1,Warung Bu Ani,warung-makan,menetap,0.1335,117.5081,Bontang Kuala,\"Jl. A, No. 1\",+6281234567890,,ya,active,ya,imported,2026-11-29T09:00:00+08:00,2026-11-29T09:00:00+08:00"))
        #expect(lines.contains { $0.hasPrefix("A5,") && $0.contains(",inactive,ya,imported,2026-11-29T09:00:00+08:00,2026-11-29T10:00:00+08:00") })
        #expect(lines.contains { $0.hasPrefix("TG-000001,Sate Mas Joko,bakso-mie,berkeliling,,,,,,501,tidak,active,tidak,self-enrolled,") })
    }

    @Test("Importing an export into the same database changes nothing")
    func reimportChangesNothing() async throws {
        let fixture = try RegistryFixture()
        defer { fixture.remove() }
        try await Self.populate(fixture.registry)
        let before = try await fixture.registry.allRecords()
        let csv = try await RegistryExporter(registry: fixture.registry).csv()
        let summary = try await fixture.importer.importCSV(csv, now: Date.bontang(hour: 15))
        #expect(summary == ImportSummary(inserted: 0, updated: 0, unchanged: before.count, rejected: []))
        #expect(try await fixture.registry.allRecords() == before)
    }

    @Test("Importing an export into an empty database gives back the same registry")
    func restoreIntoEmptyDatabase() async throws {
        let fixture = try RegistryFixture()
        defer { fixture.remove() }
        try await Self.populate(fixture.registry)
        let csv = try await RegistryExporter(registry: fixture.registry).csv()

        let other = try RegistryFixture()
        defer { other.remove() }
        let summary = try await other.importer.importCSV(csv, now: Date.bontang(hour: 15))
        #expect(summary.rejected.isEmpty && summary.warnings.isEmpty, "\(summary.rejected) \(summary.warnings)")
        #expect(try await Self.records(other.registry) == Self.records(fixture.registry))
        #expect(try await RegistryExporter(registry: other.registry).csv() == csv)

        let enrolled = try #require(try await other.registry.business(registryID: "TG-000001"))
        #expect(enrolled.source == .selfEnrolled && !enrolled.verified && enrolled.location == nil)
        #expect(try await other.registry.business(registryID: "A5")?.status == .inactive)
        #expect(try await other.registry.business(registryID: "A7")?.mode == .berkeliling)
        // A deleted or suspended business is not searchable in the restored registry either.
        for id in ["A5", "A6"] {
            let business = try #require(try await other.registry.business(registryID: id))
            #expect(try await other.registry.currentPosition(ofBusiness: business.id) == nil)
        }
    }

    @Test("Free text that a spreadsheet would run is written with an apostrophe; validated cells as they are")
    func formulaGuard() async throws {
        let fixture = try RegistryFixture()
        defer { fixture.remove() }
        try await Self.populate(fixture.registry)
        let csv = try await RegistryExporter(registry: fixture.registry).csv()
        #expect(csv.contains("A2,\"'=HYPERLINK(\"\"http://x\"\",\"\"klik\"\")\",kue,menetap,0.1335,117.5081,,'+1 Jl. B,+6281234567891,"))
        #expect(csv.contains("A3,'-Toko Sebelah,kelontong,menetap,0.1335,117.5081,,\"'@rumah\nRT 02\",,"))
        #expect(csv.contains("A4,'Ndeso Kopi,minuman,menetap,0.1335,117.5081,,''=sudah dijaga,,"))
    }

    @Test("Guarding and unguarding give back every value", arguments: [
        "=1+1", "+62 812", "-5", "@SUM(A1)", "\tTab", "\rCR", "\r\nCRLF", "'=x", "''+y", "'Ndeso", "Biasa", "", "'",
    ])
    func guardRoundTrip(value: String) {
        let guarded = CSV.guardFormula(value)
        #expect(CSV.unguardFormula(guarded) == value)
        if let first = value.first, "=+-@\t\r".contains(first) || first == "\r\n" { #expect(guarded.first == "'") }
    }

    @Test("A file without the extra columns keeps today's meaning: imported, verified, status kept")
    func agencyFormat() async throws {
        let fixture = try RegistryFixture()
        defer { fixture.remove() }
        let header = RegistryImporter.columns.joined(separator: ",") + "\n"
        _ = try await fixture.importer.importCSV(header + "B1,Toko B,kelontong,menetap,0.13,117.49,,,,,tidak\n")
        let stored = try #require(try await fixture.registry.business(registryID: "B1"))
        #expect(stored.verified && stored.source == .imported && stored.status == .active)
        try await fixture.registry.setStatus(.suspended, ofBusiness: stored.id)
        let again = try await fixture.importer.importCSV(header + "B1,Toko B Baru,kelontong,menetap,0.13,117.49,,,,,tidak\n")
        #expect(again.updated == 1)
        #expect(try await fixture.registry.business(registryID: "B1")?.status == .suspended)
    }

    @Test("An unknown extra column is a warning, not a refusal; bad extra cells are bad rows")
    func extraColumns() async throws {
        let fixture = try RegistryFixture()
        defer { fixture.remove() }
        // The last column has no name: a spreadsheet wrote a separator after the last filled cell.
        let header = RegistryImporter.columns.joined(separator: ",") + ",catatan,status,verified,\n"
        let csv = header + "C1,Toko C,kelontong,menetap,0.13,117.49,,,,,tidak,telepon dulu,suspended,tidak,\n"
            + "C2,Toko D,kelontong,menetap,0.13,117.49,,,,,tidak,,dihapus,,\n"
            + "C3,Toko E,kelontong,menetap,0.13,117.49,,,,,tidak,,,,\n"
        let summary = try await fixture.importer.importCSV(csv)
        #expect(summary.inserted == 2)
        #expect(summary.warnings == ["column 12 'catatan' is not one of lapak's columns and is ignored"])
        #expect(summary.rejected.map(\.line) == [3] && summary.rejected[0].reason.contains("status 'dihapus'"))
        let c1 = try #require(try await fixture.registry.business(registryID: "C1"))
        #expect(c1.status == .suspended && !c1.verified)
        #expect(try await fixture.registry.business(registryID: "C3")?.verified == true)
    }

    @Test("A status, verified or source given in the sheet replaces the stored one; the business leaves the search")
    func sheetDecides() async throws {
        let fixture = try RegistryFixture()
        defer { fixture.remove() }
        let header = (RegistryImporter.columns + RegistryImporter.extraColumns).joined(separator: ",") + "\n"
        let row = "D1,Toko D,kelontong,menetap,0.13,117.49,,,,,tidak,"
        _ = try await fixture.importer.importCSV(header + row + "active,ya,imported,,\n")
        let stored = try #require(try await fixture.registry.business(registryID: "D1"))
        #expect(try await fixture.registry.currentPosition(ofBusiness: stored.id) != nil)
        let summary = try await fixture.importer.importCSV(header + row + "inactive,tidak,self-enrolled,,\n")
        #expect(summary.updated == 1)
        let changed = try #require(try await fixture.registry.business(registryID: "D1"))
        #expect(changed.status == .inactive && !changed.verified && changed.source == .selfEnrolled)
        #expect(try await fixture.registry.currentPosition(ofBusiness: stored.id) == nil)
    }

    @Test("The migration marks the businesses Registry.enroll made as self-enrolled, and only those")
    func sourceBackfill() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lapak-backfill-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let queue = try DatabaseQueue(path: folder.appendingPathComponent("old.sqlite").path)
        try AppDatabase.migrator.migrate(queue, upTo: "2026-12-01 reply outbox")
        try await queue.write { db in
            for (id, owner) in [("TG-000001", 7 as Int64?), ("TG-000002", 8), ("TG-LAMA", 9), ("A-1", 10), ("TG-000003", nil)] {
                try db.execute(sql: """
                    INSERT INTO business (registry_id, name, category, mode, owner_telegram_id, created_at, updated_at)
                    VALUES (?, 'X', 'jasa', 'berkeliling', ?, 0, 0)
                    """, arguments: [id, owner])
            }
        }
        let registry = Registry(database: try AppDatabase(queue), taxonomy: RegistryFixture.taxonomy, timeZone: .current)
        let sources = try await registry.allBusinesses().map { "\($0.registryID) \($0.source.rawValue)" }
        #expect(sources == ["A-1 imported", "TG-000001 self-enrolled", "TG-000002 self-enrolled", "TG-000003 imported", "TG-LAMA imported"])
    }
}
