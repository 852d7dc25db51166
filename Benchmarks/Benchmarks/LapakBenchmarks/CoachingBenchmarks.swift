import Benchmark
import Foundation
import GRDB
import LapakDatabase
import LapakRegistry

/// The 16,000-business Bontang sample with a coaching programme on top: a quarter of the owners on
/// Telegram, one business in twenty a willing mentor (capacity 3; 800 in all, about 50 of a kind), 64 beginners
/// and 64 open overflow orders.
enum CoachingRig {
    static func open() async throws -> (registry: Registry, beginners: [Business], orders: [OverflowOrder]) {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("lapak-bench-coaching-16000.sqlite").path
        try? FileManager.default.removeItem(atPath: path)
        let registry = Registry(database: try AppDatabase.open(path: path), taxonomy: RegistryRig.taxonomy,
                                timeZone: TimeZone(identifier: "Asia/Makassar")!)
        let businesses = SampleRegistry(count: 16_000, seed: 2026).businesses().enumerated().map { index, business in
            var linked = business
            if index % 4 == 0 { linked.ownerTelegramID = 100_000 + Int64(index) }
            return linked
        }
        _ = try await registry.upsertAll(businesses)
        let now = Date()
        return try await registry.database.writer.write { db in
            let session = registry.session(db)
            let stored = try session.count()
            precondition(stored == 16_000)
            var beginners: [Business] = []
            var orders: [OverflowOrder] = []
            for id in stride(from: Int64(1), through: 16_000, by: 1) {
                guard let business = try session.business(id: id), business.mode == .menetap, business.location != nil else { continue }
                if id % 20 == 1 && business.ownerTelegramID != nil {
                    try session.setCoachingRole(.mentor, capacity: 3, ofBusiness: id, now: now)
                } else if id % 250 == 3 && beginners.count < 64 {
                    try session.setCoachingRole(.beginner, ofBusiness: id, now: now)
                    beginners.append(business)
                } else if id % 250 == 2 && orders.count < 64, let place = business.location {
                    orders.append(try session.createOverflowOrder(
                        OverflowOrderDraft(what: "100 nasi kotak", quantity: 100, neededAt: now.addingTimeInterval(86_400), place: place,
                                           kelurahan: business.kelurahan), from: business, userID: 1, now: now))
                }
            }
            return (registry, beginners, orders)
        }
    }
}

func coachingBenchmarks() {
    var configuration = Benchmark.Configuration(metrics: [.wallClock, .throughput], maxDuration: .seconds(10), maxIterations: 20_000)
    nonisolated(unsafe) var rig: (registry: Registry, beginners: [Business], orders: [OverflowOrder])?
    configuration.setup = { rig = try await CoachingRig.open() }
    configuration.teardown = { rig = nil }
    // /magang: the five nearest verified, willing seniors of the beginner's kind with room (R*Tree walk).
    Benchmark("Propose seniors, 16k (R*Tree)", configuration: configuration) { benchmark in
        for iteration in benchmark.scaledIterations {
            let beginner = rig!.beginners[iteration % rig!.beginners.count]
            blackHole(try rig!.registry.proposeMentors(for: beginner, limit: 5))
        }
    }
    // The same through the R*Tree walk alone (what more than 256 willing seniors of a kind would use).
    Benchmark("Propose seniors, 16k (R*Tree walk only)", configuration: configuration) { benchmark in
        for iteration in benchmark.scaledIterations {
            let beginner = rig!.beginners[iteration % rig!.beginners.count]
            blackHole(try rig!.registry.proposeMentors(for: beginner, limit: 5, directLimit: 0))
        }
    }
    // /limpahkan: the first wave of three (apprentices, then the nearest verified linked businesses of the kind).
    Benchmark("First wave of an overflow order, 16k (R*Tree)", configuration: configuration) { benchmark in
        for iteration in benchmark.scaledIterations {
            let order = rig!.orders[iteration % rig!.orders.count]
            blackHole(try rig!.registry.waveCandidates(for: order, size: 3))
        }
    }
}
