import Foundation
import GRDB
import LapakDatabase
import TelegramBotAPI

/// Writes the registry out: the import CSV (round-trips exactly) or GeoJSON for QGIS and web maps.
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

    /// The registry as the CSV `lapak import` reads; importing it again changes nothing.
    public func csv() async throws -> String {
        try await registry.database.writer.read { try session($0).csv() }
    }

    /// One business as import columns.
    static func fields(of business: Business) -> [String] {
        [business.registryID, business.name, business.category, business.mode.rawValue,
         business.location.map { "\($0.latitude)" } ?? "", business.location.map { "\($0.longitude)" } ?? "",
         business.kelurahan, business.address, business.phone, business.ownerTelegramID.map(String.init) ?? "",
         business.halal ? "ya" : "tidak"]
    }

    /// A GeoJSON FeatureCollection: one Point feature per business with a location ([longitude, latitude] as GeoJSON orders them).
    public func geoJSON() async throws -> String {
        try await registry.database.writer.read { try session($0).geoJSON() }
    }
}

extension RegistryExporter.Session {
    /// `csv()` inside the caller's transaction.
    public func csv() throws -> String {
        var text = CSV.line(RegistryImporter.columns)
        for business in try exporter.registry.session(db).allBusinesses() {
            text += CSV.line(RegistryExporter.fields(of: business))
        }
        return text
    }

    /// `geoJSON()` inside the caller's transaction.
    public func geoJSON() throws -> String {
        let registry = exporter.registry
        var features: [JSONValue] = []
        for business in try registry.session(db).allBusinesses() {
            guard let location = business.location else { continue }
            let category = registry.taxonomy.category(business.category)
            var properties: [String: JSONValue] = [
                "id": .string(business.registryID), "name": .string(business.name), "category": .string(business.category),
                "mode": .string(business.mode.rawValue), "kelurahan": .string(business.kelurahan), "address": .string(business.address),
                "phone": .string(business.phone), "halal": .bool(business.halal), "status": .string(business.status.rawValue),
                "verified": .bool(business.verified),
            ]
            if let category { properties["category_name"] = .string(category.indonesianName) }
            features.append([
                "type": "Feature",
                "geometry": ["type": "Point", "coordinates": [.double(location.longitude), .double(location.latitude)]],
                "properties": .object(properties),
            ])
        }
        return JSONValue.object(["type": "FeatureCollection", "features": .array(features)]).serializedString()
    }
}
