import Foundation

/// A point on the earth in degrees (WGS84), kept as exact doubles.
public struct GeoPoint: Sendable, Hashable, CustomStringConvertible {
    public var latitude: Double
    public var longitude: Double

    public init(latitude: Double, longitude: Double) {
        self.latitude = latitude
        self.longitude = longitude
    }

    /// Mean earth radius used for ranking (IUGG R1); within 0.6 % of the ellipsoid at Bontang's latitude.
    public static let earthRadius = 6_371_008.8

    /// Great-circle distance in metres (haversine).
    public func distance(to other: GeoPoint) -> Double {
        let lat1 = latitude * .pi / 180, lat2 = other.latitude * .pi / 180
        let dLat = lat2 - lat1
        let dLon = (other.longitude - longitude) * .pi / 180
        let a = sin(dLat / 2) * sin(dLat / 2) + cos(lat1) * cos(lat2) * sin(dLon / 2) * sin(dLon / 2)
        return 2 * Self.earthRadius * asin(min(1, sqrt(a)))
    }

    public var description: String { "\(latitude),\(longitude)" }
}

/// A latitude/longitude rectangle (west may be below -180 or east above 180 near the antimeridian).
public struct GeoBox: Sendable, Hashable {
    public var south: Double
    public var north: Double
    public var west: Double
    public var east: Double

    public init(south: Double, north: Double, west: Double, east: Double) {
        self.south = south
        self.north = north
        self.west = west
        self.east = east
    }

    /// Whether `point` lies inside (inclusive).
    public func contains(_ point: GeoPoint) -> Bool {
        (south...north).contains(point.latitude) && (west...east).contains(point.longitude)
    }

    /// Bontang's service area: the city's points (lat 0.05..0.19, lon 117.44..117.51) with padding.
    public static let bontang = GeoBox(south: -0.02, north: 0.25, west: 117.38, east: 117.60)
}

/// Distances as Indonesians and English readers write them: "350 m", "1,2 km" / "1.2 km".
public enum DistanceFormat {
    /// Metres below one kilometre (rounded to 10 m), then kilometres with one decimal.
    public static func string(metres: Double, decimalComma: Bool) -> String {
        if metres < 995 { return "\(max(10, Int((metres / 10).rounded()) * 10)) m" }
        let kilometres = (metres / 100).rounded() / 10
        var text = kilometres >= 10 ? String(Int(kilometres.rounded())) : String(format: "%.1f", kilometres)
        if decimalComma { text = text.replacingOccurrences(of: ".", with: ",") }
        return text + " km"
    }
}
