import Foundation
import GRDB
import LapakDatabase
import TelegramBotAPI

/// Writes the registry out: the import CSV (round-trips exactly) or GeoJSON for QGIS and web maps.
///
/// The CSV has the agency's eleven columns first, unchanged, then `status`, `verified`, `source`,
/// `created_at` and `updated_at`, so that importing it back (here or into an empty database) loses nothing.
public struct RegistryExporter: Sendable {
    let registry: Registry

    public init(registry: Registry) { self.registry = registry }

    /// The exporter bound to `db`, to run inside the caller's transaction.
    public func session(_ db: Database) -> Session { Session(exporter: self, db: db) }

    /// The exporter inside one transaction: synchronous mirrors of the async methods, on the caller's `Database`.
    public struct Session {
        /// The exporter this session works for.
        public let exporter: RegistryExporter
        /// The caller's connection, inside its transaction.
        public let db: Database

        /// A session of `exporter` on `db` (see `RegistryExporter.session(_:)`).
        public init(exporter: RegistryExporter, db: Database) {
            self.exporter = exporter
            self.db = db
        }
    }

    /// The registry as the CSV `lapak import` reads; importing it again changes nothing, into an empty database gives it back.
    public func csv() async throws -> String {
        try await registry.database.writer.read { try session($0).csv() }
    }

    /// One business as the agency's eleven columns.
    ///
    /// Free text (id, name, address) is guarded against spreadsheet formulas; the validated cells (phone
    /// as `+62…`, coordinates, slugs) are written as they are, since the import checks them anyway.
    static func fields(of business: Business) -> [String] {
        [CSV.guardFormula(business.registryID), CSV.guardFormula(business.name), business.category, business.mode.rawValue,
         business.location.map { "\($0.latitude)" } ?? "", business.location.map { "\($0.longitude)" } ?? "",
         business.kelurahan, CSV.guardFormula(business.address), business.phone, business.ownerTelegramID.map(String.init) ?? "",
         CSV.yesNo(business.halal)]
    }

    /// The columns after the agency's: what the registry knows of a record beyond the sheet.
    ///
    /// Times are ISO 8601 with the registry's UTC offset (`2026-11-29T12:00:00+08:00`): read as local time
    /// by a person, and a spreadsheet leaves such text alone rather than reformatting it as a date.
    static func extraFields(of record: BusinessRecord, time: CSV.TimeFormatter) -> [String] {
        [record.business.status.rawValue, CSV.yesNo(record.business.verified), record.business.source.rawValue,
                time(record.createdAt), time(record.updatedAt)]
    }

    /// A GeoJSON FeatureCollection: one Point feature per business with a location ([longitude, latitude] as GeoJSON orders them).
    public func geoJSON() async throws -> String {
        try await geoJSONExport().text
    }

    /// `geoJSON()` with the count of businesses it left out for want of a location, for the exporter to report.
    public func geoJSONExport() async throws -> GeoJSONExport {
        try await registry.database.writer.read { try session($0).geoJSONExport() }
    }

    /// Decimals kept of a coordinate: 6 is about 11 cm, finer than any phone's fix; more only bloats the file.
    public static let coordinateDecimals = 6

    /// `value` rounded to `coordinateDecimals` decimals.
    static func coordinate(_ value: Double) -> Double {
        let scale = 1_000_000.0
        return (value * scale).rounded() / scale
    }
}

/// A GeoJSON export and what it could not contain.
public struct GeoJSONExport: Sendable, Hashable {
    /// The FeatureCollection.
    public var text: String
    /// Businesses written as features.
    public var features: Int
    /// Businesses left out because they have no location (a feature needs a point): mobile vendors without a home base.
    public var withoutLocation: Int
}

extension RegistryExporter.Session {
    /// `csv()` inside the caller's transaction.
    public func csv() throws -> String {
        try RegistryExporter.csv(from: exporter.registry.session(db), timeZone: exporter.registry.timeZone)
    }

    /// `geoJSON()` inside the caller's transaction.
    public func geoJSON() throws -> String {
        try geoJSONExport().text
    }

    /// `geoJSONExport()` inside the caller's transaction.
    public func geoJSONExport() throws -> GeoJSONExport {
        try RegistryExporter.geoJSONExport(from: exporter.registry.session(db), taxonomy: exporter.registry.taxonomy)
    }
}

extension RegistryExporter {
    /// The import CSV of every record `store` holds, times in `timeZone`: the same bytes from either store.
    public static func csv(from store: some ExportStore, timeZone: TimeZone) throws -> String {
        let time = CSV.timeFormatter(timeZone)
        var text = CSV.line(RegistryImporter.columns + RegistryImporter.extraColumns)
        for record in try store.allRecords() {
            text += CSV.line(fields(of: record.business) + extraFields(of: record, time: time))
        }
        return text
    }

    /// The GeoJSON FeatureCollection of every business `store` holds that has a location, with the count left out.
    public static func geoJSONExport(from store: some BusinessStore, taxonomy: CategoryTaxonomy) throws -> GeoJSONExport {
        var features: [JSONValue] = []
        var withoutLocation = 0
        for business in try store.allBusinesses() {
            guard let location = business.location else {
                withoutLocation += 1
                continue
            }
            let category = taxonomy.category(business.category)
            var properties: [String: JSONValue] = [
                "id": .string(business.registryID), "name": .string(business.name), "category": .string(business.category),
                "mode": .string(business.mode.rawValue), "kelurahan": .string(business.kelurahan), "address": .string(business.address),
                "phone": .string(business.phone), "halal": .bool(business.halal), "status": .string(business.status.rawValue),
                "verified": .bool(business.verified), "source": .string(business.source.rawValue),
            ]
            if let category { properties["category_name"] = .string(category.indonesianName) }
            features.append([
                "type": "Feature",
                "geometry": ["type": "Point", "coordinates": [.double(coordinate(location.longitude)), .double(coordinate(location.latitude))]],
                "properties": .object(properties),
            ])
        }
        // 15 significant digits print a value rounded to 6 decimals (at most 9 digits here) as its decimals;
        // the default 17 would add binary noise (0.14430100000000001).
        let text = JSONValue.object(["type": "FeatureCollection", "features": .array(features)]).serializedString(realPrecision: 15)
        return GeoJSONExport(text: text, features: features.count, withoutLocation: withoutLocation)
    }
}

/// A business with the times the registry keeps for it: one row of the export.
public struct BusinessRecord: Sendable, Hashable {
    /// The business itself.
    public var business: Business
    /// When the registry first stored it.
    public var createdAt: Date
    /// When the registry last changed it.
    public var updatedAt: Date

    /// A record of `business` with its times.
    public init(business: Business, createdAt: Date, updatedAt: Date) {
        self.business = business
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

extension Registry {
    /// Every business with its timestamps, in registry id order (the export).
    public func allRecords() async throws -> [BusinessRecord] {
        try await database.writer.read { try session($0).allRecords() }
    }
}
