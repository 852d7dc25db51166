import Foundation
import LapakDatabase
import LapakRegistry

/// A registry on a fresh SQLite file with the shipped taxonomy.
struct RegistryFixture {
    let registry: Registry
    let folder: URL

    static let taxonomy: CategoryTaxonomy = {
        // This file is Tests/LapakRegistryTests/RegistryFixture.swift; the taxonomy is intents/categories.yml.
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return try! CategoryTaxonomy.load(from: root.appendingPathComponent("intents/categories.yml"))
    }()

    init(timeZone: TimeZone = TimeZone(identifier: "Asia/Makassar")!) throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("lapak-registry-\(UUID().uuidString)")
        let database = try AppDatabase.open(path: folder.appendingPathComponent("lapak.sqlite").path)
        registry = Registry(database: database, taxonomy: Self.taxonomy, timeZone: timeZone)
    }

    func remove() { try? FileManager.default.removeItem(at: folder) }

    var importer: RegistryImporter { RegistryImporter(registry: registry) }
}

extension Date {
    /// A fixed instant in WITA: 2026-11-29 at `hour`:`minute` local time.
    static func bontang(hour: Int, minute: Int = 0, day: Int = 29) -> Date {
        var components = DateComponents(year: 2026, month: 11, day: day, hour: hour, minute: minute)
        components.timeZone = TimeZone(identifier: "Asia/Makassar")
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = components.timeZone!
        return calendar.date(from: components)!
    }
}
