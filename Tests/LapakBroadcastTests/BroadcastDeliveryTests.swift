import BotAPIEmulator
import Foundation
import LapakBroadcast
import LapakRegistry
import Logging
import ServiceLifecycle
import Testing
import TelegramBotAPI

@Suite("Broadcast delivery: durable outbox, Telegram's limits, failures and crashes", .serialized)
struct BroadcastDeliveryTests {
    @Test("A few hundred recipients: each gets the message exactly once, and no request is sent inside a retry_after window")
    func exactlyOnceWithinLimits() async throws {
        try await DeliveryRig.with(vendors: 300) { rig in
            let broadcast = try await rig.announce("Pelatihan pemasaran digital")
            #expect(broadcast.recipients == 300)
            try await rig.runUntilFinished(rig.sender())
            let deliveries = await rig.state.deliveries(containing: "Pelatihan pemasaran digital")
            #expect(deliveries.count == 300 && deliveries.values.allSatisfy { $0 == 1 })
            #expect(await rig.state.floodViolations == 0)
            let counts = try #require(rig.observer.lastFinished?.1)
            #expect(counts.sent == 300 && counts.failed == 0 && counts.pending == 0)
            #expect(rig.observer.progressReports.count >= 2)  // shown as it goes, not only at the end
        }
    }

    @Test("A burst of citizens during a broadcast is answered at once: it slows the broadcast, never the replies")
    func citizensDuringBroadcast() async throws {
        try await DeliveryRig.with(vendors: 150) { rig in
            let citizens = (0..<60).map { User(id: 700_000 + Int64($0), firstName: "Warga \($0)") }
            for citizen in citizens { await rig.state.sendText(from: citizen, "halo") }
            _ = try await rig.announce("Festival kuliner")
            let sending = Task { try await rig.runUntilFinished(rig.sender()) }
            try await waitUntil { await rig.state.deliveries(containing: "Festival kuliner").count >= 20 }
            // Every citizen is answered while the broadcast still runs; none waits for a broadcast slot.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for citizen in citizens {
                    group.addTask { _ = try await rig.client.sendMessage(chatID: citizen.id, text: "Jawaban untuk \(citizen.firstName)") }
                }
                try await group.waitForAll()
            }
            #expect(await rig.state.deliveries(containing: "Festival kuliner").count < 150)
            #expect(await rig.state.deliveries(containing: "Jawaban untuk").count == 60)
            try await sending.value
            let deliveries = await rig.state.deliveries(containing: "Festival kuliner")
            #expect(deliveries.count == 150 && deliveries.values.allSatisfy { $0 == 1 })
            // The replies were never refused by the bulk budget, and nothing went out inside a retry_after.
            let replies = await rig.state.requests.filter { $0.chatID.map { $0 >= 700_000 } ?? false }
            #expect(replies.allSatisfy { $0.status == 200 && !$0.bulk })
            #expect(await rig.state.floodViolations == 0)
        }
    }

    @Test("A 429 storm: every 429 pauses bulk sending for retry_after; nothing is lost or repeated")
    func tooManyRequestsStorm() async throws {
        try await DeliveryRig.with(vendors: 90) { rig in
            await rig.state.injectFault(.tooManyRequests(retryAfter: 1), method: "sendMessage", count: 3)
            _ = try await rig.announce("Sertifikasi halal gratis")
            try await rig.runUntilFinished(rig.sender())
            let deliveries = await rig.state.deliveries(containing: "Sertifikasi halal gratis")
            #expect(deliveries.count == 90 && deliveries.values.allSatisfy { $0 == 1 })
            #expect(await rig.state.floodViolations == 0)
            #expect(rig.observer.lastFinished?.1.failed == 0)
        }
    }

    @Test("Blocked users are marked unreachable and left out of the next broadcast; a missing chat fails with its reason")
    func blockedAndMissing() async throws {
        try await DeliveryRig.with(vendors: 40) { rig in
            for index in [3, 9, 27] { await rig.state.block(userID: DeliveryRig.vendorID(index)) }
            // A vendor whose account never started the bot: Telegram knows no such chat.
            let registry = Registry(database: rig.database, taxonomy: CategoryTaxonomy(categories: []), timeZone: .gmt)
            try await registry.upsert(Business(registryID: "GHOST", name: "Hantu", category: "kue", mode: .menetap, location: nil,
                                               ownerTelegramID: 999_999))
            let first = try await rig.announce("Pendampingan UMKM")
            #expect(first.recipients == 41)
            try await rig.runUntilFinished(rig.sender())
            let counts = try #require(rig.observer.lastFinished?.1)
            #expect(counts.sent == 37 && counts.unreachable == 3 && counts.failed == 1)
            #expect(try await rig.outbox.failureReasons(of: first.id).first?.reason.contains("chat not found") == true)
            #expect(try await rig.outbox.recipientCount(Audience()) == 38)  // the blocked three are skipped from now on
        }
    }

    @Test("Server errors are retried with backoff until delivered")
    func serverErrorsRetried() async throws {
        try await DeliveryRig.with(vendors: 20) { rig in
            await rig.state.injectFault(.serverError(status: 502), method: "sendMessage", count: 4)
            await rig.state.injectFault(.dropConnection, method: "sendMessage", count: 1)
            _ = try await rig.announce("Magang bersama pengusaha senior")
            try await rig.runUntilFinished(rig.sender())
            let counts = try #require(rig.observer.lastFinished?.1)
            #expect(counts.sent == 20 && counts.failed == 0)
            #expect(await rig.state.deliveries(containing: "Magang bersama").count == 20)
        }
    }

    @Test("Killed midway and restarted: it resumes where it stopped; only the sends in flight at the crash can repeat, and they are counted")
    func crashAndResume() async throws {
        try await DeliveryRig.with(vendors: 200, limits: .off, rate: 400) { rig in
            let broadcast = try await rig.announce("Bazar UMKM akhir tahun")
            let first = Task { try await rig.sender().run() }
            try await waitUntil { await rig.state.deliveries(containing: "Bazar UMKM").count >= 60 }
            first.cancel()  // the in-process "kill -9": no graceful completion of what is in flight
            _ = try? await first.value
            let delivered = await rig.state.deliveries(containing: "Bazar UMKM").count
            #expect(delivered < 200)

            try await rig.runUntilFinished(rig.sender())
            let deliveries = await rig.state.deliveries(containing: "Bazar UMKM")
            let record = try #require(try await rig.outbox.broadcast(broadcast.id))
            let repeated = deliveries.values.filter { $0 > 1 }.count
            #expect(deliveries.count == 200)  // nothing lost
            #expect(repeated <= record.repeatedAfterCrash)  // only in-flight sends repeated
            #expect(record.repeatedAfterCrash <= 8)  // at most the sender's requests in flight
            #expect(rig.observer.lastFinished?.1.sent == 200)
        }
    }

    @Test("A graceful shutdown during a long retry_after does not wait for it; the rest stays in the outbox")
    func shutdownDuringLongPause() async throws {
        try await DeliveryRig.with(vendors: 30, limits: .off) { rig in
            await rig.state.injectFault(.tooManyRequests(retryAfter: 60), method: "sendMessage", count: 1)
            let broadcast = try await rig.announce("Pameran produk lokal")
            let group = ServiceGroup(configuration: .init(services: [.init(service: rig.sender())], logger: Logger(label: "test")))
            let running = Task { try await group.run() }
            try await waitUntil { await rig.state.requests.contains { $0.status == 429 } }
            let stopping = ContinuousClock.now
            await group.triggerGracefulShutdown()
            try await running.value
            #expect(ContinuousClock.now - stopping < .seconds(30))  // not the 60 s of retry_after
            let counts = try await rig.outbox.counts(of: broadcast.id)
            #expect(counts.pending == 30 && counts.sending == 0)  // nothing lost, all still to send
        }
    }

    @Test("Audience filters combine, and the count is the number of distinct vendors", arguments: [
        (Audience(), 120),
        (Audience(category: "katering"), 60),
        (Audience(mode: .berkeliling), 40),
        (Audience(category: "katering", mode: .berkeliling), 20),
        (Audience(kelurahan: "guntung"), 30),
        (Audience(halal: true), 24),
        (Audience(category: "kue", kelurahan: "Api-Api", halal: false), 48),
    ])
    func audienceCounts(audience: Audience, expected: Int) async throws {
        try await DeliveryRig.with(vendors: 120, limits: .off) { rig in
            #expect(try await rig.outbox.recipientCount(audience) == expected)
            let broadcast = try await rig.announce("x", to: audience)
            #expect(broadcast.recipients == expected)
        }
    }

    func waitUntil(_ condition: () async -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(20)
        while !(await condition()) {
            guard ContinuousClock.now < deadline else { throw RigTimeout() }
            try await Task.sleep(for: .milliseconds(5))
        }
    }
}
