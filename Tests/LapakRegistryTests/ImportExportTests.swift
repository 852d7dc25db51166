import Foundation
import LapakRegistry
import Testing

@Suite("CSV import and export")
struct ImportExportTests {
    static let header = "id,name,category,mode,latitude,longitude,kelurahan,address,phone,telegram_id,halal\n"

    @Test("Every kind of bad row is reported with its line and reason; good rows are kept", arguments: [
        ("B1,Toko X,perhiasan,menetap,0.13,117.49,,,,,tidak", "unknown category 'perhiasan'"),
        ("B1,Toko X,kelontong,menetap,95,117.49,,,,,tidak", "latitude 95 is outside -90..90"),
        ("B1,,kelontong,menetap,0.13,117.49,,,,,tidak", "missing name"),
        ("B1,\"Toko \"X\"\",kelontong,menetap,0.13,117.49,,,,,tidak", "bad quoting"),
        ("B1,Toko X,kelontong,menetap,0.13,117.49,,,,budi,tidak", "telegram_id 'budi' is not a Telegram user id"),
        ("B1,Toko X,kelontong,menetap,,,,,,,tidak", "needs latitude and longitude"),
        ("B1,Toko X,kelontong,terbang,0.13,117.49,,,,,tidak", "unknown mode 'terbang'"),
        ("B1,Toko X,kelontong,menetap,117.49,0.13,,,,,tidak", "look swapped"),
        ("B1,Toko X,kelontong,menetap,0.13,117.49,,,12ab,,tidak", "phone '12ab' is not an Indonesian number"),
        ("B1,Toko X,kelontong,menetap,0.13,117.49,,,,,mungkin", "halal 'mungkin'"),
        ("B1,Toko X,kelontong,menetap,0.13", "expected 11 fields, found 5"),
    ])
    func badRow(row: String, reason: String) async throws {
        let fixture = try RegistryFixture()
        defer { fixture.remove() }
        let csv = Self.header + "G1,Warung Bu Ani,warung-makan,menetap,0.1335,117.5081,Bontang Kuala,,0812-3456-7890,,ya\n" + row + "\n"
            + "G2,Bakso Pak Budi,bakso-mie,berkeliling,,,Api-Api,,,,tidak\n"
        let summary = try await fixture.importer.importCSV(csv)
        #expect(summary.inserted == 2)
        #expect(summary.rejected.count == 1)
        #expect(summary.rejected.first?.line == 3)
        #expect(summary.rejected.first?.reason.contains(reason) == true, "\(summary.rejected)")
        #expect(try await fixture.registry.business(registryID: "G1")?.phone == "+6281234567890")
    }

    @Test("A duplicate id in the file is refused on its second line, naming the first")
    func duplicateID() async throws {
        let fixture = try RegistryFixture()
        defer { fixture.remove() }
        let csv = Self.header + "D1,Salon A,salon,menetap,0.13,117.49,,,,,tidak\nD1,Salon B,salon,menetap,0.13,117.49,,,,,tidak\n"
        let summary = try await fixture.importer.importCSV(csv)
        #expect(summary.inserted == 1)
        #expect(summary.rejected == [RejectedRow(line: 3, reason: "duplicate id D1 (first on line 2)")])
    }

    @Test("Quoted fields with commas, quotes and line breaks are read; the reported line is where the row starts")
    func quoting() async throws {
        let fixture = try RegistryFixture()
        defer { fixture.remove() }
        let csv = Self.header + "Q1,\"Kue <Bu> \"\"Ani\"\" & Co 🍰\",kue,fixed,\"0,1335\",117.5081,bontang kuala,\"Jl. A, No. 1\nRT 02\",,123,1\r\n"
            + "Q2,Bad,kue,menetap,95,117.5,,,,,0\n"
        let summary = try await fixture.importer.importCSV(csv)
        #expect(summary.rejected.map(\.line) == [4])
        let business = try #require(try await fixture.registry.business(registryID: "Q1"))
        #expect(business.name == "Kue <Bu> \"Ani\" & Co 🍰")
        #expect(business.address == "Jl. A, No. 1\nRT 02")
        #expect(business.location == GeoPoint(latitude: 0.1335, longitude: 117.5081))
        #expect(business.kelurahan == "Bontang Kuala")
        #expect(business.ownerTelegramID == 123 && business.halal && business.mode == .menetap)
    }

    @Test("Importing the same file twice changes nothing the second time; a changed row is an update")
    func idempotentUpsert() async throws {
        let fixture = try RegistryFixture()
        defer { fixture.remove() }
        let csv = SampleRegistry(count: 300, seed: 5).csv()
        let first = try await fixture.importer.importCSV(csv)
        #expect(first.inserted == 300 && first.rejected.isEmpty)
        let second = try await fixture.importer.importCSV(csv)
        #expect(second == ImportSummary(inserted: 0, updated: 0, unchanged: 300, rejected: []))
        let changed = csv.replacingOccurrences(of: "SYN-000007,", with: "SYN-000007,X")
        let lines = changed.split(separator: "\r\n", omittingEmptySubsequences: true)
        let third = try await fixture.importer.importCSV(lines.joined(separator: "\r\n") + "\r\n")
        #expect(third == ImportSummary(inserted: 0, updated: 1, unchanged: 299, rejected: []))  // SYN-000007's name changed
    }

    @Test("Export then import round-trips exactly; GeoJSON has one point per located business")
    func roundTrip() async throws {
        let fixture = try RegistryFixture()
        defer { fixture.remove() }
        let csv = SampleRegistry(count: 500, seed: 11).csv()
        _ = try await fixture.importer.importCSV(csv)
        let exported = try await RegistryExporter(registry: fixture.registry).csv()
        // The sample is in id order, as the export is; the export's first eleven columns are the sample's.
        let sampleRows = CSV.records(in: csv).map(\.fields), exportedRows = CSV.records(in: exported).map { $0.fields.map { Array($0.prefix(11)) } }
        #expect(exportedRows == sampleRows)

        let other = try RegistryFixture()
        defer { other.remove() }
        let summary = try await other.importer.importCSV(exported)
        #expect(summary.inserted == 500)
        #expect(try await other.registry.allBusinesses().map(\.name) == fixture.registry.allBusinesses().map(\.name))

        let geoJSON = try await RegistryExporter(registry: fixture.registry).geoJSON()
        let located = try await fixture.registry.allBusinesses().filter { $0.location != nil }.count
        #expect(geoJSON.hasPrefix(#"{"#) && geoJSON.contains(#""type":"FeatureCollection""#))
        #expect(geoJSON.components(separatedBy: #""type":"Feature""#).count - 1 == located)
    }

    @Test("GeoJSON coordinates keep at most 6 decimals, and the export counts the businesses it leaves out for want of a point")
    func geoJSONPrecision() async throws {
        let fixture = try RegistryFixture()
        defer { fixture.remove() }
        _ = try await fixture.importer.importCSV(Self.header + """
            G1,Warung Presisi,kelontong,menetap,0.1443012345678,117.4938129876543,,,,,tidak
            G2,Bakso Tanpa Pangkalan,bakso,berkeliling,,,,,,,tidak
            G3,Toko Bulat,kelontong,menetap,0.13,117.5,,,,,tidak

            """)
        let export = try await RegistryExporter(registry: fixture.registry).geoJSONExport()
        #expect(export.features == 2 && export.withoutLocation == 1)
        #expect(export.text.contains("[117.493813,0.144301]"), "\(export.text)")
        #expect(export.text.contains("[117.5,0.13]"), "\(export.text)")
        // No number in the file has more than 6 decimals (the properties hold no other numbers).
        let numbers = export.text.split(whereSeparator: { !"0123456789.".contains($0) }).filter { $0.contains(".") }
        #expect(numbers.count == 4 && numbers.allSatisfy { $0.split(separator: ".").last!.count <= 6 }, "\(numbers)")
    }

    @Test("A file with a wrong header is refused as a whole")
    func wrongHeader() async throws {
        let fixture = try RegistryFixture()
        defer { fixture.remove() }
        await #expect(throws: ImportError.self) { _ = try await fixture.importer.importCSV("nama,kategori\nA,B\n") }
        #expect(try await fixture.registry.count() == 0)
    }

    @Test("An import cancelled midway leaves the registry as it was")
    func cancelledImport() async throws {
        let fixture = try RegistryFixture()
        defer { fixture.remove() }
        _ = try await fixture.importer.importCSV(SampleRegistry(count: 10, seed: 1).csv())
        let big = SampleRegistry(count: 3000, seed: 2).csv().replacingOccurrences(of: "SYN-", with: "BIG-")
        let task = Task { try await fixture.importer.importCSV(big, progress: { done, _ in
            if done > 1000 { withUnsafeCurrentTask { $0?.cancel() } }
        }) }
        await #expect(throws: CancellationError.self) { _ = try await task.value }
        #expect(try await fixture.registry.count() == 10)
    }

    @Test("Phone numbers are normalised to +62", arguments: [
        ("0812-3456-7890", "+6281234567890"), ("62 812 3456 7890", "+6281234567890"), ("+62 (812) 34567890", "+6281234567890"),
        ("(0548) 21234", "+6254821234"), ("81234567890", "+6281234567890"),
    ])
    func phones(raw: String, normalised: String) {
        #expect(PhoneNumber.normalise(raw) == normalised)
    }

    @Test("Not Indonesian numbers are refused", arguments: ["+1 202 555 0100", "12", "0812-ABC", "0000000000"])
    func badPhones(raw: String) {
        #expect(PhoneNumber.normalise(raw) == nil)
    }
}
