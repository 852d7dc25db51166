import Foundation
import LapakPostgres
import Logging
import PostgresNIO
import Testing

@Suite("The bulk budget's leader: one worker at a time, taken over when its connection dies")
struct BulkLeadershipTests {
    @Test("Three workers elect exactly one leader; when its connection is killed another leads within seconds")
    func oneLeaderAndTakeover() async throws {
        try await PostgresFixture.with { fixture in
            let url = fixture.url
            let workers = try (0..<3).map { index in try BulkLeadership(url: url, retryInterval: .milliseconds(100), logger: Logger(label: "leader-\(index)")) }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for worker in workers { group.addTask { try await worker.run() } }
                defer { group.cancelAll() }
                let first = try await Self.soleLeader(among: workers)
                // Sampled for a while: never two at once.
                for _ in 0..<20 {
                    #expect(workers.filter(\.isLeader).count <= 1)
                    try await Task.sleep(for: .milliseconds(25))
                }
                // The leader's connection dies (a crash, a network cut): PostgreSQL drops its lock. Only in this test's
                // database: pg_locks shows the whole cluster, and other tests' leaders run beside this one.
                try await fixture.store.client.query("""
                    SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted AND pid <> pg_backend_pid()
                        AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
                    """)
                let started = ContinuousClock.now
                let second = try await Self.soleLeader(among: workers, excluding: first)
                #expect(second != first)
                #expect(ContinuousClock.now - started < .seconds(5))
            }
        }
    }

    /// Waits until exactly one worker leads (and it is not `excluded`); returns its index.
    static func soleLeader(among workers: [BulkLeadership], excluding excluded: Int? = nil) async throws -> Int {
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            let leaders = workers.indices.filter { workers[$0].isLeader }
            if leaders.count == 1, leaders[0] != excluded { return leaders[0] }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw FixtureError("no single leader within 10 s: \(workers.map(\.isLeader))")
    }
}
