import BotAPIEmulator
import Foundation
import LapakBroadcast
import LapakPostgres
import Logging
import PostgresNIO
import Testing
import TelegramBotAPI

/// Broadcasts with several workers on one PostgreSQL and one Telegram (the emulator over loopback, with
/// its flood limits): only the bulk leader sends, and when it dies another finishes.
@Suite("Broadcasts across workers: sent by the bulk leader only, finished by another when it dies", .serialized)
struct BroadcastHandoverTests {
    static let logger = Logger(label: "broadcast-handover-test")

    static func recipients(_ count: Int) -> [Int64] { (0..<count).map { 300_000 + Int64($0) } }

    static func announce(_ text: String, to recipients: [Int64], in store: PostgresStore) async throws -> BroadcastRecord {
        try await PostgresBroadcastStore(store: store).start(
            Announcement(staffID: 1, staffChatID: 1, text: text, audience: Audience(), rsvpLabel: nil), recipients: recipients)
    }

    @Test("Three workers, 300 recipients, the leader killed midway: another takes over within seconds and finishes; only in-flight sends repeat, and within the budget")
    func leaderKilledMidway() async throws {
        try await PostgresFixture.with { fixture in
            try await PostgresMigrations.migrate(fixture.store)
            let recipients = Self.recipients(300)
            try await BroadcastWorker.with(3, users: recipients, on: fixture) { emulator, workers in
                let first = try await BroadcastWorker.soleLeader(among: workers)
                // A slow network: each request takes 150 ms, so several are in flight at the kill, as in production.
                await emulator.state.injectFault(.latency(.milliseconds(150)), method: "sendMessage", count: 10_000)
                let text = "Pelatihan ekspor untuk UMKM Bontang"
                let broadcast = try await Self.announce(text, to: recipients, in: fixture.store)
                #expect(broadcast.recipients == 300)

                try await eventually("the leader sends 100") { await emulator.state.deliveries(containing: text).count >= 100 }
                // Until now only the leader sent.
                #expect(workers.filter { $0 !== first }.allSatisfy { $0.transport.sends == 0 })
                let killStarted = ContinuousClock.now
                try await first.kill(using: fixture.store)
                let killedAt = ContinuousClock.now
                let deliveredAtKill = await emulator.state.deliveries(containing: text).count
                let killOnEmulatorClock = await emulator.state.requests.last?.at ?? .zero

                let survivors = workers.filter { $0 !== first }
                let second = try await BroadcastWorker.soleLeader(among: survivors)
                let electedAfter = ContinuousClock.now - killStarted
                try await eventually("the new leader sends") { second.transport.sends > 0 }
                let firstSendAfter = ContinuousClock.now - killStarted
                let reader = PostgresBroadcastStore(store: fixture.store)
                try await eventually(within: .seconds(60), "the broadcast is done") { try await reader.broadcast(broadcast.id)?.status == .done }

                let record = try #require(try await reader.broadcast(broadcast.id))
                let counts = try await reader.counts(of: broadcast.id)
                let deliveries = await emulator.state.deliveries(containing: text)
                let repeated = deliveries.values.filter { $0 > 1 }.count
                let requests = await emulator.state.requests
                let tooMany = requests.filter { $0.status == 429 }.count
                let refusals = requests.filter { $0.status == 429 }.map { "\($0.at - killOnEmulatorClock) after the kill, bulk \($0.bulk)" }
                let gap = try #require(second.transport.sendStarts.min()) - (try #require(first.transport.sendStarts.max()))
                print("""
                    HANDOVER: recipients \(broadcast.recipients), delivered at kill \(deliveredAtKill), leader \(first.index) sent \(first.transport.sends) \
                    then worker \(second.index) \(second.transport.sends); new leader elected after \(electedAfter), first send after \(firstSendAfter); \
                    gap between the leaders' sends \(gap); delivered twice \(repeated), counted as repeated \(record.repeatedAfterCrash); 429s \(tooMany), \
                    flood violations \(await emulator.state.floodViolations) \(refusals)
                    """)
                #expect(deliveries.count == 300)  // every recipient got it
                #expect(deliveredAtKill < 300)  // the kill was midway
                // Only sends in flight at the kill repeated. Not always all of them: a row marked 'sending' whose request
                // had not yet left when the worker died is counted, yet arrives once.
                #expect(repeated <= record.repeatedAfterCrash)
                #expect(record.repeatedAfterCrash > 0)  // with 150 ms requests at 30/s the kill always catches some in flight
                #expect(record.repeatedAfterCrash <= 8)  // at most the sender's requests in flight
                #expect(deliveries.values.allSatisfy { $0 <= 2 })
                #expect(await emulator.state.floodViolations == 0)
                // The budget held across the hand-over: the new leader's first send left more than Telegram's one-second
                // window after the dead leader's last, so the two never shared a second. (A stray 429 from arrival jitter
                // on a busy machine can come at any time, with one leader as with SQLite; the client then holds off, which
                // `floodViolations` checks.)
                #expect(gap > .seconds(1))
                #expect(record.status == .done && counts.sent == 300 && counts.pending == 0 && counts.sending == 0)
                #expect(electedAfter < .seconds(5))
                #expect(firstSendAfter < .seconds(5))
                // Never two at once: the dead leader's sends all started before the kill, the new leader's after it.
                #expect(first.transport.sendStarts.allSatisfy { $0 < killedAt })
                #expect(second.transport.sendStarts.allSatisfy { $0 > killStarted })
                // The third worker never led, and never sent.
                #expect(survivors.filter { $0 !== second }.allSatisfy { $0.transport.sends == 0 })
            }
        }
    }

    @Test("Two workers, the leader alive: the follower sends nothing, and each recipient gets the announcement once")
    func followerNeverSends() async throws {
        try await PostgresFixture.with { fixture in
            try await PostgresMigrations.migrate(fixture.store)
            let recipients = Self.recipients(90)
            try await BroadcastWorker.with(2, users: recipients, on: fixture) { emulator, workers in
                let leader = try await BroadcastWorker.soleLeader(among: workers)
                let follower = try #require(workers.first { $0 !== leader })
                let text = "Bazar Ramadan di Lapangan Bessai Berinta"
                let broadcast = try await Self.announce(text, to: recipients, in: fixture.store)
                let reader = PostgresBroadcastStore(store: fixture.store)
                try await eventually("the broadcast is done") { try await reader.broadcast(broadcast.id)?.status == .done }
                let deliveries = await emulator.state.deliveries(containing: text)
                #expect(deliveries.count == 90 && deliveries.values.allSatisfy { $0 == 1 })
                // Every request Telegram saw came from the leader (more than 90 when a 429 made it send one again).
                let seen = await emulator.state.requests.filter { $0.method == "sendMessage" }.count
                #expect(leader.transport.sends == seen && seen >= 90)
                #expect(follower.transport.sends == 0)
                #expect(try await reader.broadcast(broadcast.id)?.repeatedAfterCrash == 0)
                #expect(await emulator.state.floodViolations == 0)
                #expect(leader.leadership.isLeader && !follower.leadership.isLeader)  // no hand-over happened meanwhile
            }
        }
    }

    @Test("The fence: a row is marked 'sending' only while the leader's backend holds the lock, even before the leader notices it lost it")
    func fencedBySessionLock() async throws {
        try await PostgresFixture.with { fixture in
            try await PostgresMigrations.migrate(fixture.store)
            let broadcast = try await Self.announce("Pameran", to: [1, 2, 3, 2], in: fixture.store)
            #expect(broadcast.recipients == 3)  // a duplicate chat once
            // Slow checks, so the leader does not notice its connection died during the test.
            let leadership = try BulkLeadership(url: fixture.url, retryInterval: .seconds(30), logger: Self.logger)
            let fenced = PostgresBroadcastStore(store: fixture.store, fence: leadership)
            var entries = try await fenced.dueEntries(of: broadcast.id, now: Date(), limit: 10)
            #expect(entries.map(\.chatID) == [1, 2, 3])  // in the order given
            #expect(try await !fenced.markSending(entries[0], now: Date()))  // not leading
            let election = Task { try await leadership.run() }
            defer { election.cancel() }
            try await eventually("leading") { leadership.isLeader }
            #expect(try await fenced.markSending(entries[0], now: Date()))
            let pid = try #require(leadership.lockHolderPID)
            try await fixture.store.client.query("SELECT pg_terminate_backend(\(pid))", logger: Self.logger)
            try await eventually("the backend is gone") {
                var alive = true
                for try await count in try await fixture.store.client.query("SELECT count(*) FROM pg_stat_activity WHERE pid = \(pid)",
                                                                                logger: Self.logger).decode(Int.self) { alive = count > 0 }
                return !alive
            }
            #expect(leadership.isLeader)  // it has not noticed yet…
            #expect(try await !fenced.markSending(entries[1], now: Date()))  // …but the database refuses it the row
            entries = try await fenced.dueEntries(of: broadcast.id, now: Date(), limit: 10)
            #expect(entries.map(\.chatID) == [2, 3])  // still pending, for the next leader
            // Nor may it take back rows in flight; the next leader (unfenced here) counts the row as repeated.
            #expect(try await fenced.recoverInterrupted(now: Date()) == 0)
            let next = PostgresBroadcastStore(store: fixture.store)
            #expect(try await next.recoverInterrupted(now: Date()) == 1)
            #expect(try await next.broadcast(broadcast.id)?.repeatedAfterCrash == 1)
        }
    }
}
