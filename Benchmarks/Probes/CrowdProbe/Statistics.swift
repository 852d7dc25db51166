/// Nearest-rank percentiles of a sample of milliseconds.
struct Percentiles: Sendable {
    /// The sorted sample.
    let sorted: [Double]

    /// A summary of `values` (any order).
    init(_ values: [Double]) { sorted = values.sorted() }

    /// How many values.
    var count: Int { sorted.count }

    /// The `p`-th percentile (0...100) by nearest rank; nil for an empty sample.
    func value(_ p: Double) -> Double? {
        guard !sorted.isEmpty else { return nil }
        let rank = Int((p / 100 * Double(sorted.count)).rounded(.up))
        return sorted[min(max(rank, 1), sorted.count) - 1]
    }

    /// "p50 12.3 ms, p99 45.6 ms, max 50.1 ms (n=200)".
    var summary: String {
        guard !sorted.isEmpty else { return "no samples" }
        return "p50 \(Format.ms(value(50))), p99 \(Format.ms(value(99))), max \(Format.ms(sorted.last)) (n=\(count))"
    }
}

/// Number formatting for the human-readable report.
enum Format {
    /// "12.3 ms" below a second, "6.43 s" from there on.
    static func ms(_ value: Double?) -> String {
        guard let value else { return "–" }
        return value >= 1_000 ? "\(fixed(value / 1000, 2)) s" : "\(fixed(value, 1)) ms"
    }

    /// `value` with `places` decimals.
    static func fixed(_ value: Double, _ places: Int) -> String {
        guard value.isFinite else { return "–" }
        var scale = 1.0
        for _ in 0..<places { scale *= 10 }
        let rounded = (value * scale).rounded() / scale
        var text = String(rounded)
        if let dot = text.firstIndex(of: ".") {
            let decimals = text.distance(from: dot, to: text.endIndex) - 1
            if decimals < places { text += String(repeating: "0", count: places - decimals) }
            if places == 0 { text = String(text[..<dot]) }
        }
        return text
    }
}
