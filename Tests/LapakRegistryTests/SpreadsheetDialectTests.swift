import Foundation
import LapakRegistry
import Testing

/// Files as people really save them: Excel's semicolons and decimal commas, Windows-1252, stray quotes, blank rows.
@Suite("Files as spreadsheets save them")
struct SpreadsheetDialectTests {
    static let header = "id,name,category,mode,latitude,longitude,kelurahan,address,phone,telegram_id,halal\n"
    static let good = "G1,Warung Bu Ani,warung-makan,menetap,0.1335,117.5081,Bontang Kuala,,0812-3456-7890,,ya\n"

    /// Imports `rows` after the header into a fresh registry.
    static func importRows(_ rows: String) async throws -> (ImportSummary, RegistryFixture) {
        let fixture = try RegistryFixture()
        return (try await fixture.importer.importCSV(header + rows), fixture)
    }

    @Test("A semicolon-separated file (Excel, Indonesian settings) is recognised from its header; decimal commas are read")
    func semicolons() async throws {
        let fixture = try RegistryFixture()
        defer { fixture.remove() }
        let csv = Self.header.replacingOccurrences(of: ",", with: ";")
            + "S1;Warung Bu Ani;warung-makan;menetap;0,1335;117,5081;Bontang Kuala;Jl. A, No. 1;0812-3456-7890;;ya\r\n"
            + "S2;\"Toko; \"\"Dua\"\"\";kelontong;fixed;0,1234;117,49;Api-Api;;;;tidak\r\n"
        let summary = try await fixture.importer.importCSV(csv)
        #expect(summary.inserted == 2 && summary.rejected.isEmpty, "\(summary.rejected)")
        let first = try #require(try await fixture.registry.business(registryID: "S1"))
        #expect(first.location == GeoPoint(latitude: 0.1335, longitude: 117.5081) && first.address == "Jl. A, No. 1")
        let second = try #require(try await fixture.registry.business(registryID: "S2"))
        #expect(second.name == "Toko; \"Dua\"" && second.location == GeoPoint(latitude: 0.1234, longitude: 117.49))
    }

    @Test("A Windows-1252 file is read as Windows-1252 with one warning")
    func windows1252() async throws {
        let fixture = try RegistryFixture()
        defer { fixture.remove() }
        var bytes = Array(Self.header.utf8)
        bytes += Array("W1,Caf".utf8) + [0xE9] + Array(" ".utf8) + [0x93] + Array("Bu Ani".utf8) + [0x94]
            + Array(",kue,menetap,0.13,117.49,,Jl. Sudirman ".utf8) + [0x96] + Array(" No. 5,,,tidak\r\n".utf8)
        bytes += Array("W2,Roti ".utf8) + [0x80] + Array(",kue,menetap,0.13,117.49,,,,,tidak\r\n".utf8)
        let file = fixture.folder.appendingPathComponent("excel.csv")
        try Data(bytes).write(to: file)
        let summary = try await fixture.importer.importFile(atPath: file.path)
        #expect(summary.inserted == 2 && summary.rejected.isEmpty)
        #expect(summary.warnings.count == 1 && summary.warnings[0].contains("Windows-1252"), "\(summary.warnings)")
        let business = try #require(try await fixture.registry.business(registryID: "W1"))
        #expect(business.name == "Café “Bu Ani”" && business.address == "Jl. Sudirman – No. 5")
        #expect(try await fixture.registry.business(registryID: "W2")?.name == "Roti €")
    }

    @Test("A UTF-8 file gives no encoding warning; a missing file says no such file")
    func utf8AndMissing() async throws {
        let fixture = try RegistryFixture()
        defer { fixture.remove() }
        let file = fixture.folder.appendingPathComponent("utf8.csv")
        try (Self.header + "U1,Café “Bu Ani”,kue,menetap,0.13,117.49,,,,,tidak\n").write(to: file, atomically: true, encoding: .utf8)
        let summary = try await fixture.importer.importFile(atPath: file.path)
        #expect(summary.inserted == 1 && summary.warnings.isEmpty)
        let missing = fixture.folder.appendingPathComponent("nope.csv").path
        let error = await #expect(throws: ImportError.self) { _ = try await fixture.importer.importFile(atPath: missing) }
        #expect(error?.message == "no such file: \(missing)")
        let utf16 = fixture.folder.appendingPathComponent("unicode.txt")
        try Data([0xFF, 0xFE] + Array(Self.header.utf16).flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }).write(to: utf16)
        let refused = await #expect(throws: ImportError.self) { _ = try await fixture.importer.importFile(atPath: utf16.path) }
        #expect(refused?.message.contains("save it as \"CSV UTF-8\"") == true)
    }

    @Test("An unclosed quote is reported on its line; the good rows after it are still read", arguments: [
        // The stray quote pairs with a later row's quote…
        "B1,\"Toko X,kelontong,menetap,0.13,117.49,,,,,tidak\nG2,Toko Y,kelontong,menetap,0.13,117.49,,,,,tidak\nG3,Toko Z,kelontong,menetap,0.13,117.49,,\"Jl. A, No. 1\",,,tidak\n",
        // …or never closes at all.
        "B1,\"Toko X,kelontong,menetap,0.13,117.49,,,,,tidak\nG2,Toko Y,kelontong,menetap,0.13,117.49,,,,,tidak\nG3,Toko Z,kelontong,menetap,0.13,117.49,,,,,tidak\n",
    ])
    func unclosedQuote(rows: String) async throws {
        let (summary, fixture) = try await Self.importRows(Self.good + rows)
        defer { fixture.remove() }
        #expect(summary.rejected.map(\.line) == [3], "\(summary.rejected)")
        #expect(summary.rejected.first?.reason.contains("quot") == true)
        #expect(summary.inserted == 3)
        #expect(try await fixture.registry.business(registryID: "G3") != nil)
    }

    @Test("Blank rows, also as a spreadsheet writes them (only separators), are ignored, not errors")
    func blankRows() async throws {
        let (summary, fixture) = try await Self.importRows(Self.good + ",,,,,,,,,,\r\n , ,,,,,,,,,\r\n\r\n\n")
        defer { fixture.remove() }
        #expect(summary == ImportSummary(inserted: 1, rejected: []))
    }

    @Test("The category column takes the slug, the display names and the synonyms", arguments: [
        ("bakso", "bakso-mie"), ("bakso-mie", "bakso-mie"), ("Bakso dan mie", "bakso-mie"), ("MEATBALLS AND NOODLES", "bakso-mie"),
        ("warung  makan", "warung-makan"), ("Food stall", "warung-makan"), ("warteg", "warung-makan"), ("toko roti", "kue"),
        ("penjahit", "jahit"),
    ])
    func categorySpellings(cell: String, slug: String) async throws {
        let (summary, fixture) = try await Self.importRows("K1,Usaha,\(cell),berkeliling,,,,,,,tidak\n")
        defer { fixture.remove() }
        #expect(summary.rejected.isEmpty, "\(summary.rejected)")
        #expect(try await fixture.registry.business(registryID: "K1")?.category == slug)
    }

    @Test("The kelurahan column ignores case and spacing", arguments: [
        ("API API", "Api-Api"), ("  tanjung   laut indah ", "Tanjung Laut Indah"), ("lok tuan", "Lok Tuan"), ("", ""),
    ])
    func kelurahanSpellings(cell: String, name: String) async throws {
        let (summary, fixture) = try await Self.importRows("K1,Usaha,jasa,berkeliling,,,\(cell),,,,tidak\n")
        defer { fixture.remove() }
        #expect(summary.rejected.isEmpty, "\(summary.rejected)")
        #expect(try await fixture.registry.business(registryID: "K1")?.kelurahan == name)
    }

    @Test("A bad cell is a bad row with its line and a hint; the good rows are kept", arguments: [
        ("K1,Usaha,jasa,berkeliling,,,Api-Apii,,,,tidak", "unknown kelurahan 'Api-Apii' (id K1): not one of Bontang's 15; did you mean Api-Api?"),
        ("K1,Usaha,jasa,berkeliling,,,Tanjung Laoet,,,,tidak", "did you mean Tanjung Laut?"),
        ("K1,Usaha,jasa,berkeliling,,,Samarinda,,,,tidak", "use one of Bontang Kuala, Bontang Baru"),
        ("K1,Usaha,jasa,berkeliling,,,,,6.28123E+12,,tidak", "format the phone column as text"),
        ("K1,Usaha,jasa,berkeliling,,,,,\"6,28123E+12\",,tidak", "format the phone column as text"),
        ("K1,Usaha,perhiasan,berkeliling,,,,,,,tidak", "unknown category 'perhiasan'"),
    ])
    func badCells(row: String, reason: String) async throws {
        let (summary, fixture) = try await Self.importRows(Self.good + row + "\n" + "G2,Toko Y,kelontong,menetap,0.13,117.49,,,,,tidak\n")
        defer { fixture.remove() }
        #expect(summary.inserted == 2)
        #expect(summary.rejected.map(\.line) == [3])
        #expect(summary.rejected.first?.reason.contains(reason) == true, "\(summary.rejected)")
    }
}
