// A plain release-mode timing of the nearest search, without the benchmark framework's malloc
// interposer, to tell the search's own cost from the harness's. Run: swift run -c release SearchProbe
import Foundation
import LapakDatabase
import LapakRegistry

let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
let taxonomy = try CategoryTaxonomy.load(from: root.appendingPathComponent("intents/categories.yml"))
var random = SplitMix64(seed: 3)
let origins = (0..<256).map { _ in GeoPoint(latitude: 0.05 + random.unit() * 0.14, longitude: 117.44 + random.unit() * 0.07) }

for count in [16_000, 1_000_000] {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("lapak-bench-registry-\(count).sqlite").path
    guard FileManager.default.fileExists(atPath: path) else { print("run `make bench` first to build \(path)"); continue }
    let registry = Registry(database: try AppDatabase.open(path: path), taxonomy: taxonomy, timeZone: TimeZone(identifier: "Asia/Makassar")!)
    // The search alone, on the calling thread.
    func blocking(_ category: String?) throws {
        var samples: [Duration] = []
        for index in 0..<(CommandLine.arguments.contains("--blocking-only") ? 20_000 : 2000) {
            let query = NearestQuery(origin: origins[index % origins.count], category: category, limit: 5)
            let start = ContinuousClock.now
            _ = try registry.nearestBlocking(query)
            samples.append(ContinuousClock.now - start)
        }
        if CommandLine.arguments.contains("--slowest") {
            let slowest = samples.enumerated().sorted { $0.element > $1.element }.prefix(5)
            for (index, duration) in slowest {
                let origin = origins[index % origins.count]
                let results = try registry.nearestBlocking(NearestQuery(origin: origin, category: category, limit: 5))
                print("  slow: \(duration) at \(origin) → \(results.map { Int($0.distance) })")
            }
        }
        samples.sort()
        print("\(count) \(category ?? "any") R*Tree, blocking: p50 \(samples[samples.count / 2]), p99 \(samples[samples.count * 99 / 100])")
    }
    try blocking(nil)
    try blocking("katering")
    if CommandLine.arguments.contains("--blocking-only") { continue }
    for category in [nil, "katering"] as [String?] {
        for scan in [false, true] {
            var samples: [Duration] = []
            let rounds = scan ? (count > 100_000 ? 20 : 200) : 2000
            for index in 0..<rounds {
                let query = NearestQuery(origin: origins[index % origins.count], category: category, limit: 5)
                let start = ContinuousClock.now
                _ = scan ? try await registry.nearestByFullScan(query) : try await registry.nearest(query)
                samples.append(ContinuousClock.now - start)
            }
            samples.sort()
            let p50 = samples[samples.count / 2], p99 = samples[samples.count * 99 / 100]
            print("\(count) \(category ?? "any") \(scan ? "full scan" : "R*Tree"): p50 \(p50), p99 \(p99)")
        }
    }
}
