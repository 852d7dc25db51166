import Foundation

/// A deterministic, synthetic registry of Bontang UMKM for demos, tests and benchmarks.
///
/// Labelled synthetic: every id starts with `SYN-`. Built from shared/reference/bontang.md: the 15
/// kelurahan pins, the business kinds, about a third mobile vendors; some names carry `&`, `<`,
/// quotes and emoji so that escaping is exercised everywhere.
public struct SampleRegistry: Sendable {
    public let count: Int
    public let seed: UInt64

    public init(count: Int, seed: UInt64 = 2026) {
        self.count = count
        self.seed = seed
    }

    /// The sample as import CSV (header included).
    public func csv() -> String {
        var text = CSV.line(RegistryImporter.columns)
        for business in businesses() { text += CSV.line(RegistryExporter.fields(of: business)) }
        return text
    }

    /// The sample as businesses.
    public func businesses() -> [Business] {
        var random = SplitMix64(seed: seed)
        return (0..<count).map { index in makeBusiness(index, &random) }
    }

    private static let owners = ["Bu Ani", "Pak Budi", "Mas Joko", "Mbak Sari", "Bu Yati", "Pak Darto", "Daeng Rahman", "Bu Ijah", "Pak Usman",
                                 "Mak Inah", "Bang Rudi", "Cik Mei", "Pak Lukas", "Bu Fatimah", "Om Hendrik", "Mbak Wulan", "Pak Syamsul",
                                 "Bu Rosmini", "Kak Dewi", "Pak Made", "Bu Hasnah", "Pak Anto", "Mas Eko", "Bu Sulastri", "Daeng Baso"]
    private static let streets = ["Jl. Ahmad Yani", "Jl. Letjen S. Parman", "Jl. MT Haryono", "Jl. Brigjen Katamso", "Jl. Pattimura",
                                  "Jl. Awang Long", "Jl. Imam Bonjol", "Jl. Bhayangkara", "Jl. KS Tubun", "Jl. Cipto Mangunkusumo",
                                  "Jl. Pupuk Raya", "Jl. HM Ardans", "Jl. Gajah Mada", "Jl. Pelabuhan", "Jl. Kapal Layar"]

    /// Name patterns per category; {o} is an owner.
    private static let patterns: [String: [String]] = [
        "katering": ["Katering {o}", "Dapur {o}", "Nasi Kotak {o}", "Catering Berkah {o}", "Prasmanan {o} & Keluarga"],
        "warung-makan": ["Warung Makan {o}", "RM Sederhana {o}", "Warteg {o}", "Penyetan {o}", "Warung \"Pojok\" {o}"],
        "kue": ["Kue {o}", "Roti & Kue {o}", "Kue <Bu> \"Ani\" & Co 🍰", "Bolu Pandan {o}", "Donat Kentang {o}"],
        "minuman": ["Es Teh {o}", "Kedai Kopi {o}", "Jus Segar {o}", "Es Kelapa Muda {o} 🥥", "Boba {o}"],
        "bakso-mie": ["Bakso {o}", "Mie Ayam {o}", "Pentol Keliling {o}", "Bakso Urat {o} 🍜", "Siomay & Batagor {o}"],
        "sayur": ["Sayur Keliling {o}", "Sayur Segar {o}", "Buah & Sayur {o} 🥬", "Tukang Sayur {o}"],
        "ikan": ["Ikan Segar {o}", "Amplang {o}", "Ikan Asin Bontang Kuala {o}", "Seafood {o} 🦐"],
        "kelontong": ["Toko {o}", "Kelontong {o}", "Sembako {o}", "Toko Berkah {o}"],
        "jahit": ["Jahit {o}", "Penjahit {o}", "Vermak Levis {o}", "Konveksi {o} & Sablon"],
        "laundry": ["Laundry {o}", "Londri Kiloan {o}", "Cuci & Setrika {o}", "Laundry <Express> {o}"],
        "bengkel": ["Bengkel {o}", "Tambal Ban {o}", "Servis Motor {o} 🔧", "Bengkel Las {o}"],
        "salon": ["Salon {o}", "Pangkas Rambut {o}", "Barbershop {o} 💈", "Rias Pengantin {o}"],
        "kerajinan": ["Kerajinan {o}", "Anyaman {o}", "Manik-Manik {o}", "Souvenir \"Khas Bontang\" {o}"],
        "elektronik": ["Servis HP {o}", "Konter {o} 📱", "Elektronik {o}", "Servis AC & Kulkas {o}"],
        "pertanian": ["Tani Makmur {o}", "Bibit & Pupuk {o}", "Telur Ayam Kampung {o}", "Hidroponik {o} 🌱"],
        "jasa": ["Fotokopi {o}", "Les Privat {o}", "Jasa Tukang {o}", "Rental {o}"],
    ]

    /// Category weights (out of 100) and how often each kind sells on the move.
    private static let kinds: [(slug: String, weight: Int, mobileShare: Double, halalShare: Double)] = [
        ("katering", 8, 0.05, 0.6), ("warung-makan", 14, 0.05, 0.55), ("kue", 8, 0.35, 0.5), ("minuman", 8, 0.55, 0.4),
        ("bakso-mie", 9, 0.85, 0.5), ("sayur", 7, 0.85, 0.0), ("ikan", 5, 0.6, 0.0), ("kelontong", 10, 0.05, 0.0),
        ("jahit", 5, 0.05, 0.0), ("laundry", 5, 0.0, 0.0), ("bengkel", 5, 0.15, 0.0), ("salon", 4, 0.1, 0.0),
        ("kerajinan", 3, 0.2, 0.0), ("elektronik", 4, 0.05, 0.0), ("pertanian", 3, 0.3, 0.0), ("jasa", 2, 0.3, 0.0),
    ]

    /// Relative number of businesses per kelurahan (denser in the old centre).
    private static let kelurahanWeights = [12, 14, 9, 6, 7, 8, 10, 9, 7, 5, 4, 6, 6, 5, 4]

    private func makeBusiness(_ index: Int, _ random: inout SplitMix64) -> Business {
        let kind = Self.pick(Self.kinds, weight: \.weight, &random)
        let kelurahanIndex = Self.pickIndex(Self.kelurahanWeights, &random)
        let place = Kelurahan.bontang[kelurahanIndex]
        let owner = Self.owners[Int(random.next() % UInt64(Self.owners.count))]
        let patterns = Self.patterns[kind.slug] ?? ["Usaha {o}"]
        let name = patterns[Int(random.next() % UInt64(patterns.count))].replacingOccurrences(of: "{o}", with: owner)
        let mobile = random.unit() < kind.mobileShare
        // Spread around the kelurahan pin (about 700 m standard deviation), kept inside the city's box.
        let north = random.gaussian() * 700, east = random.gaussian() * 700
        let latitude = min(0.19, max(0.05, place.latitude + north / 111_195))
        let longitude = min(117.51, max(117.44, place.longitude + east / 111_195))
        let point = GeoPoint(latitude: (latitude * 1e6).rounded() / 1e6, longitude: (longitude * 1e6).rounded() / 1e6)
        let phone = "+62812" + String(format: "%08d", Int(random.next() % 100_000_000))
        return Business(
            registryID: String(format: "SYN-%06d", index + 1), name: name, category: kind.slug,
            mode: mobile ? .berkeliling : .menetap,
            // A third of mobile vendors gave a home base.
            location: mobile && random.unit() > 0.33 ? nil : point,
            kelurahan: place.name,
            address: "\(Self.streets[Int(random.next() % UInt64(Self.streets.count))]) No. \(1 + random.next() % 120), \(place.name)",
            phone: phone, halal: random.unit() < kind.halalShare, verified: true)
    }

    private static func pick<T>(_ items: [T], weight: KeyPath<T, Int>, _ random: inout SplitMix64) -> T {
        items[pickIndex(items.map { $0[keyPath: weight] }, &random)]
    }

    private static func pickIndex(_ weights: [Int], _ random: inout SplitMix64) -> Int {
        var roll = Int(random.next() % UInt64(weights.reduce(0, +)))
        for (index, weight) in weights.enumerated() {
            if roll < weight { return index }
            roll -= weight
        }
        return weights.count - 1
    }
}

/// A small, fast, seedable generator (SplitMix64): the same seed gives the same registry on every machine.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var value = state
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }

    /// A uniform value in [0, 1).
    public mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }

    /// A standard normal value (Box-Muller).
    public mutating func gaussian() -> Double {
        let u1 = max(unit(), 1e-12), u2 = unit()
        return (-2 * log(u1)).squareRoot() * cos(2 * .pi * u2)
    }
}
