import Benchmark
import Foundation
import LapakDatabase
import LapakRegistry

/// Registries for the search benchmarks, built once and kept in a temporary folder between runs.
enum RegistryRig {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static let taxonomy = try! CategoryTaxonomy.load(from: root.appendingPathComponent("intents/categories.yml"))

    /// A registry of `count` businesses: the Bontang sample, plus (beyond 16,000) vendors spread over Indonesia's
    /// towns, so that the 1,000,000 case is a national registry searched from Bontang.
    static func open(count: Int) async throws -> Registry {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("lapak-bench-registry-\(count).sqlite").path
        let fresh = !FileManager.default.fileExists(atPath: path)
        let registry = Registry(database: try AppDatabase.open(path: path), taxonomy: taxonomy, timeZone: TimeZone(identifier: "Asia/Makassar")!)
        let stored = try await registry.count()
        if fresh || stored != count {
            var businesses = SampleRegistry(count: min(count, 16_000), seed: 2026).businesses()
            var random = SplitMix64(seed: 77)
            let towns = (0..<400).map { _ in GeoPoint(latitude: -10 + random.unit() * 15, longitude: 95 + random.unit() * 46) }
            let slugs = taxonomy.categories.map(\.slug)
            for index in businesses.count..<count {
                let town = towns[Int(random.next() % UInt64(towns.count))]
                let point = GeoPoint(latitude: town.latitude + random.gaussian() * 0.05, longitude: town.longitude + random.gaussian() * 0.05)
                businesses.append(Business(registryID: String(format: "NAT-%07d", index), name: "Usaha \(index)",
                                           category: slugs[Int(random.next() % UInt64(slugs.count))], mode: .menetap, location: point,
                                           halal: random.unit() < 0.3))
            }
            _ = try await registry.upsertAll(businesses)
        }
        return registry
    }

    /// Search origins spread over Bontang.
    static let origins: [GeoPoint] = {
        var random = SplitMix64(seed: 3)
        return (0..<256).map { _ in GeoPoint(latitude: 0.05 + random.unit() * 0.14, longitude: 117.44 + random.unit() * 0.07) }
    }()
}

func registryBenchmarks() {
    let searchConfiguration = Benchmark.Configuration(metrics: [.wallClock, .throughput], maxDuration: .seconds(10), maxIterations: 20_000)
    for count in [16_000, 1_000_000] {
        nonisolated(unsafe) var registry: Registry?
        let label = count == 16_000 ? "16k" : "1M"
        var configuration = searchConfiguration
        configuration.setup = { registry = try await RegistryRig.open(count: count) }
        configuration.teardown = { registry = nil }
        for category in [nil, "katering"] as [String?] {
            let name = category.map { "category \($0)" } ?? "any category"
            Benchmark("Nearest 5, \(label), \(name) (R*Tree)", configuration: configuration) { benchmark in
                for iteration in benchmark.scaledIterations {
                    let origin = RegistryRig.origins[iteration % RegistryRig.origins.count]
                    blackHole(try await registry!.nearest(NearestQuery(origin: origin, category: category, limit: 5)))
                }
            }
            var scanConfiguration = configuration
            scanConfiguration.maxIterations = count > 100_000 ? 30 : 500
            Benchmark("Nearest 5, \(label), \(name) (full scan)", configuration: scanConfiguration) { benchmark in
                for iteration in benchmark.scaledIterations {
                    let origin = RegistryRig.origins[iteration % RegistryRig.origins.count]
                    blackHole(try await registry!.nearestByFullScan(NearestQuery(origin: origin, category: category, limit: 5)))
                }
            }
        }
    }

    // A citizen asking by name or trade: the FTS5 trigram index finds the names, their places give distances,
    // then the kind fills the page. Names as people ask for them: a trade with many shops, an owner's name
    // on some 640 businesses, a name of two words, a trade of another kind.
    let names: [(category: String?, names: NameQuery)] = [
        ("jasa", NameQuery([["fotokopi"], ["fotocopy"], ["photocopy"]])), (nil, NameQuery([["mas", "joko"]])),
        ("bakso-mie", NameQuery([["bakso", "urat"]])), ("jahit", NameQuery([["sablon"]])),
    ]
    var nameConfiguration = searchConfiguration
    nonisolated(unsafe) var named: Registry?
    nameConfiguration.setup = { named = try await RegistryRig.open(count: 16_000) }
    nameConfiguration.teardown = { named = nil }
    Benchmark("Name query, 16k, names then kind (FTS5 trigram)", configuration: nameConfiguration) { benchmark in
        for iteration in benchmark.scaledIterations {
            let origin = RegistryRig.origins[iteration % RegistryRig.origins.count]
            let asked = names[iteration % names.count]
            blackHole(try await named!.nearest(NearestQuery(origin: origin, category: asked.category, limit: 5, names: asked.names)))
        }
    }

    let csv = SampleRegistry(count: 16_000, seed: 2026).csv()
    Benchmark("Import 16,000 CSV rows into an empty registry",
              configuration: .init(metrics: [.wallClock], maxDuration: .seconds(30), maxIterations: 10)) { benchmark in
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lapak-bench-import-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let registry = Registry(database: try AppDatabase.open(path: folder.appendingPathComponent("r.sqlite").path),
                                taxonomy: RegistryRig.taxonomy, timeZone: TimeZone(identifier: "Asia/Makassar")!)
        benchmark.startMeasurement()
        let summary = try await RegistryImporter(registry: registry).importCSV(csv)
        benchmark.stopMeasurement()
        precondition(summary.inserted == 16_000)
    }
}
