import Foundation
import TelegramBotAPI

/// Writes the registry out: the import CSV (round-trips exactly) or GeoJSON for QGIS and web maps.
public struct RegistryExporter: Sendable {
    let registry: Registry

    public init(registry: Registry) { self.registry = registry }

    /// The registry as the CSV `lapak import` reads; importing it again changes nothing.
    public func csv() async throws -> String {
        var text = CSV.line(RegistryImporter.columns)
        for business in try await registry.allBusinesses() {
            text += CSV.line(Self.fields(of: business))
        }
        return text
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
        var features: [JSONValue] = []
        for business in try await registry.allBusinesses() {
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
