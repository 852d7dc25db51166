/// A kelurahan (urban village) of Kota Bontang with its map-label pin.
public struct Kelurahan: Sendable, Hashable {
    public var name: String
    public var kecamatan: String
    /// The official code, e.g. `64.74.01.1001`.
    public var code: String
    public var latitude: Double
    public var longitude: Double

    /// The 15 kelurahan of Bontang (shared/reference/bontang.md); points are label pins, not centroids.
    public static let bontang: [Kelurahan] = [
        Kelurahan(name: "Bontang Kuala", kecamatan: "Bontang Utara", code: "64.74.01.1001", latitude: 0.1335, longitude: 117.5081),
        Kelurahan(name: "Bontang Baru", kecamatan: "Bontang Utara", code: "64.74.01.1002", latitude: 0.1443, longitude: 117.4938),
        Kelurahan(name: "Lok Tuan", kecamatan: "Bontang Utara", code: "64.74.01.1003", latitude: 0.1647, longitude: 117.4746),
        Kelurahan(name: "Guntung", kecamatan: "Bontang Utara", code: "64.74.01.1004", latitude: 0.1884, longitude: 117.4878),
        Kelurahan(name: "Gunung Elai", kecamatan: "Bontang Utara", code: "64.74.01.1005", latitude: 0.1431, longitude: 117.4788),
        Kelurahan(name: "Api-Api", kecamatan: "Bontang Utara", code: "64.74.01.1006", latitude: 0.1309, longitude: 117.4900),
        Kelurahan(name: "Tanjung Laut", kecamatan: "Bontang Selatan", code: "64.74.02.1001", latitude: 0.1231, longitude: 117.4850),
        Kelurahan(name: "Berbas Tengah", kecamatan: "Bontang Selatan", code: "64.74.02.1002", latitude: 0.1161, longitude: 117.4792),
        Kelurahan(name: "Berbas Pantai", kecamatan: "Bontang Selatan", code: "64.74.02.1003", latitude: 0.1100, longitude: 117.4843),
        Kelurahan(name: "Satimpo", kecamatan: "Bontang Selatan", code: "64.74.02.1004", latitude: 0.1071, longitude: 117.4615),
        Kelurahan(name: "Bontang Lestari", kecamatan: "Bontang Selatan", code: "64.74.02.1005", latitude: 0.0554, longitude: 117.4420),
        Kelurahan(name: "Tanjung Laut Indah", kecamatan: "Bontang Selatan", code: "64.74.02.1006", latitude: 0.1171, longitude: 117.4960),
        Kelurahan(name: "Belimbing", kecamatan: "Bontang Barat", code: "64.74.03.1001", latitude: 0.1534, longitude: 117.4590),
        Kelurahan(name: "Gunung Telihan", kecamatan: "Bontang Barat", code: "64.74.03.1002", latitude: 0.1367, longitude: 117.4521),
        Kelurahan(name: "Kanaan", kecamatan: "Bontang Barat", code: "64.74.03.1003", latitude: 0.1235, longitude: 117.4459),
    ]

    /// The kelurahan whose pin is nearest to `point` (pins are labels, so this names the neighbourhood, not a boundary).
    public static func nearest(to point: GeoPoint) -> Kelurahan? {
        bontang.min { point.distance(to: GeoPoint(latitude: $0.latitude, longitude: $0.longitude))
            < point.distance(to: GeoPoint(latitude: $1.latitude, longitude: $1.longitude)) }
    }

    /// The kelurahan named `name`, ignoring case, spaces and hyphens ("api api", "BontangKuala").
    public static func named(_ name: String) -> Kelurahan? {
        guard !name.isEmpty else { return nil }
        return byFoldedName[folded(name)]
    }

    /// The kelurahan whose name looks most like `name` (a typo, a missing word), if any looks close enough.
    ///
    /// Similarity is the Dice coefficient of letter pairs of the folded names: robust to a swapped or
    /// doubled letter and to a dropped word ("Tanjung Laoet", "Berbas"), cheap for 15 names.
    public static func suggestion(for name: String) -> Kelurahan? {
        let pairs = letterPairs(folded(name))
        guard !pairs.isEmpty else { return nil }
        let scored = bontang.map { kelurahan -> (Kelurahan, Double) in
            let other = letterPairs(folded(kelurahan.name))
            let shared = pairs.reduce(0) { $0 + min($1.value, other[$1.key] ?? 0) }
            return (kelurahan, 2 * Double(shared) / Double(pairs.values.reduce(0, +) + other.values.reduce(0, +)))
        }
        guard let best = scored.max(by: { $0.1 < $1.1 }), best.1 >= 0.5 else { return nil }
        return best.0
    }

    private static func letterPairs(_ text: String) -> [String: Int] {
        let letters = Array(text)
        guard letters.count > 1 else { return letters.isEmpty ? [:] : [text: 1] }
        return Dictionary(zip(letters, letters.dropFirst()).map { (String([$0, $1]), 1) }, uniquingKeysWith: +)
    }

    /// Looked up once per imported row: folded names are computed once, not per call.
    private static let byFoldedName: [String: Kelurahan] = Dictionary(bontang.map { (folded($0.name), $0) }, uniquingKeysWith: { first, _ in first })

    private static func folded(_ text: String) -> String {
        String(text.lowercased().filter { $0.isLetter || $0.isNumber })
    }
}
