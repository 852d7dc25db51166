import Foundation
import LapakPostgres
import LapakRegistry
import Logging
import NIOPosix
import Testing

@Suite("The nearest and name searches answer alike on both stores; enrolments and link decisions of two workers at once")
struct SearchParityTests {
    typealias S = BusinessSamples

    /// The sample registry with a day's events: carts checked in (some live, some moved, some gone home), shops
    /// closed today, businesses suspended, and some renamed so that names are shared.
    static func stageDay(_ registry: RegistryUnderTest, businesses: [Business], now: Date) throws {
        _ = try registry.upsertAll(businesses, now: now, progress: { _, _ in })
        var generator = SeededGenerator(seed: 99)
        let owners = ["Mas Joko", "Bu Sari", "Pak Min", "Mbak Rina"]
        for business in try registry.allBusinesses() {
            let roll = Double.random(in: 0..<1, using: &generator)
            if roll < 0.15 {
                var renamed = business
                renamed.name = "\(business.category == "bakso-mie" ? "Bakso" : "Warung") \(owners.randomElement(using: &generator)!) \(business.id)"
                _ = try registry.update(renamed, now: now)
            }
            let position = GeoPoint(latitude: Double.random(in: 0.05...0.2, using: &generator), longitude: Double.random(in: 0.0...0.1, using: &generator) + 117.42)
            switch (business.mode, Double.random(in: 0..<1, using: &generator)) {
            case (.berkeliling, ..<0.6) where business.status == .active:
                let live = roll > 0.5
                _ = try registry.checkIn(businessID: business.id, at: position, accuracy: live ? 8 : nil, source: live ? .live : .location,
                                         liveUntil: live ? now.addingTimeInterval(Double(Int.random(in: 1...8, using: &generator)) * 1800) : nil,
                                         liveMessage: live ? LiveMessage(chatID: business.id, messageID: 1) : nil, now: now)
                if roll < 0.2 { _ = try registry.checkOut(businessID: business.id, now: now) }
                if live, roll > 0.8 {
                    _ = try registry.moveLiveCheckIn(following: LiveMessage(chatID: business.id, messageID: 1), to: S.north(Double(business.id)),
                                                     accuracy: 3, now: now.addingTimeInterval(60))
                }
            case (.menetap, ..<0.04):
                _ = try registry.closeToday(businessID: business.id, now: now)
            case (_, 0.97...):
                try registry.setStatus(.suspended, ofBusiness: business.id, at: now)
            case (_, 0.95...):
                _ = try registry.certifyHalal(!business.halal, ofBusiness: business.id, now: now)
            default:
                break
            }
        }
    }

    /// Random questions across the city: every kind or one, halal or not, pages, distances, names, times of day.
    static func questions(_ count: Int, seed: UInt64) -> [(query: NearestQuery, at: Date)] {
        var generator = SeededGenerator(seed: seed)
        let kinds: [String?] = [nil, "katering", "warung-makan", "bakso-mie", "kue-roti", "sayur-buah", "no-such-kind"]
        let names: [NameQuery] = [NameQuery(), NameQuery(), NameQuery(), NameQuery([["joko"]]), NameQuery([["bakso", "sari"]]),
                                  NameQuery([["usaha 12"], ["pak min"]]), NameQuery([["warung mbak"]]), NameQuery([["nothing like it"]])]
        return (0..<count).map { _ in
            let origin = GeoPoint(latitude: Double.random(in: 0.0...0.22, using: &generator), longitude: Double.random(in: 117.40...117.58, using: &generator))
            let query = NearestQuery(origin: origin, category: kinds.randomElement(using: &generator)!, halalOnly: Bool.random(using: &generator),
                                     limit: Int.random(in: 0...10, using: &generator), offset: Int.random(in: 0...12, using: &generator),
                                     maxDistance: [300, 1_500, 4_000, 8_000, 25_000].randomElement(using: &generator)!,
                                     names: names.randomElement(using: &generator)!)
            // Mostly during the day; sometimes after live locations ran out, or the next day.
            let at = S.now.addingTimeInterval([60, 60, 60, 3 * 3600, 86_400 + 60].randomElement(using: &generator)!)
            return (query, at)
        }
    }

    @Test("200 random searches over 2,000 businesses after a day's check-ins, closures and suspensions: identical answers")
    func sameAnswersOnBothStores() async throws {
        let businesses = PostgresRegistryTests.sampleRegistry(count: 2000, seed: 2026)
        let questions = Self.questions(200, seed: 5)
        try await StoreUnderTest.with(.sqlite) { sqlite in
            try await StoreUnderTest.with(.postgres) { postgres in
                var answers: [[[SearchResult]]] = []
                for store in [sqlite, postgres] {
                    try await store.registry { try Self.stageDay($0, businesses: businesses, now: S.now) }
                    answers.append(try await store.registry { registry in try questions.map { try registry.nearest($0.query, at: $0.at) } })
                }
                var found = 0, foundByName = 0
                for (index, (expected, answered)) in zip(answers[0], answers[1]).enumerated() {
                    let question = questions[index]
                    found += expected.count
                    if !question.query.names.isEmpty { foundByName += expected.count }
                    #expect(answered.map(\.business) == expected.map(\.business), "question \(index): \(question.query)")
                    for (got, want) in zip(answered, expected) {
                        #expect(abs(got.distance - want.distance) <= 1e-6 * want.distance, "question \(index): \(got.business.registryID)")
                        #expect(got.position == want.position && got.isLive == want.isLive)
                        #expect(got.checkedInSince == want.checkedInSince && got.lastUpdate == want.lastUpdate)
                    }
                }
                // The questions do find things: the comparison is not one of empty pages.
                #expect(found > 400 && foundByName > 50, "\(found) found, \(foundByName) of them by name")
            }
        }
    }

    @Test("Names: any alternative, all its terms as substrings in any case; named businesses first, then the kind",
          arguments: StoreKind.allCases)
    func nameSearch(_ kind: StoreKind) async throws {
        try await StoreUnderTest.with(kind) { store in
            try await store.registry { registry in
                _ = try registry.upsertAll([
                    S.shop("N1", "Bakso Mas Joko", at: 300, halal: true), S.shop("N2", "BAKSO SOLO", at: 100),
                    S.shop("N3", "Mie Ayam Joko", at: 50, category: "warung-makan"), S.shop("N4", "Fotokopi 50% Murah", at: 200, category: "kue-roti"),
                    S.shop("N5", "Bakso Jauh Joko", at: 30_000),
                ], now: S.now, progress: { _, _ in })
                for (alternatives, expected) in [([["joko"]], true), ([["mas joko"]], true), ([["joko mas"]], false), ([["bakso", "JOKO"]], true),
                                                 ([["solo", "joko"]], false), ([["xyz"], ["solo"]], true), ([["50% m"]], true), ([["i_5"]], false),
                                                 ([["%%%"]], false), ([["jo"]], false)] as [([[String]], Bool)] {
                    #expect(try registry.hasBusinessNamed(NameQuery(alternatives)) == expected, "\(alternatives)")
                }
                func named(_ alternatives: [[String]], category: String?, halalOnly: Bool = false, limit: Int = 10, offset: Int = 0) throws -> [String] {
                    try registry.nearest(NearestQuery(origin: S.centre, category: category, halalOnly: halalOnly, limit: limit, offset: offset,
                                                      names: NameQuery(alternatives)), at: S.now).map(\.business.registryID)
                }
                // The names whatever their kind, nearest first (the far one beyond 25 km left out), then the kind's others.
                #expect(try named([["joko"]], category: "bakso-mie") == ["N3", "N1", "N2"])
                #expect(try named([["joko"]], category: nil) == ["N3", "N1"])
                #expect(try named([["joko"]], category: "bakso-mie", limit: 2, offset: 1) == ["N1", "N2"])
                #expect(try named([["joko"]], category: "bakso-mie", halalOnly: true) == ["N1"])
                #expect(try named([["murah"], ["solo"]], category: nil) == ["N2", "N4"])
                _ = try registry.closeToday(businessID: try #require(try registry.business(registryID: "N3")).id, now: S.now)
                #expect(try named([["joko"]], category: nil) == ["N1"])
            }
        }
    }

    /// Two transactions of PostgreSQL at once, each on a thread of its own, after `setup` committed: `first` is
    /// held open for a moment after its work, so that `second`'s work runs while `first` has not committed yet.
    static func overlapping<Setup: Sendable, A: Sendable, B: Sendable>(
        setup: @escaping @Sendable (PostgresSession) throws -> Setup,
        _ first: @escaping @Sendable (PostgresSession, Setup) throws -> A,
        _ second: @escaping @Sendable (PostgresSession, Setup) throws -> B
    ) async throws -> (A, B) {
        var answer: (A, B)?
        try await PostgresFixture.with { fixture in
            try await PostgresMigrations.migrate(fixture.store)
            let threads = NIOThreadPool(numberOfThreads: 2)
            threads.start()
            let transactions = PostgresTransactions(store: fixture.store, threads: threads, taxonomy: PostgresRegistryTests.taxonomy,
                                                    timeZone: StoreUnderTest.timeZone)
            do {
                let prepared = try await transactions.write(setup)
                async let a = transactions.write { session in
                    let result = try first(session, prepared)
                    Thread.sleep(forTimeInterval: 0.4)
                    return result
                }
                try await Task.sleep(for: .milliseconds(150))
                async let b = transactions.write { session in try second(session, prepared) }
                answer = try await (a, b)
            } catch {
                try await threads.shutdownGracefully()
                throw error
            }
            try await threads.shutdownGracefully()
        }
        return try #require(answer)
    }

    @Test("Two workers enrolling at once get distinct TG numbers")
    func concurrentEnrolments() async throws {
        let (first, second) = try await Self.overlapping(
            setup: { _ in },
            { session, _ in try session.enroll(S.shop("", "Bakso Satu", at: 10), owner: 1, halalClaimed: false, now: S.now).registryID },
            { session, _ in try session.enroll(S.shop("", "Bakso Dua", at: 20), owner: 2, halalClaimed: true, now: S.now).registryID })
        #expect([first, second] == ["TG-000001", "TG-000002"])
    }

    @Test("Two staff approving one link request at once: one links it, the other finds it decided")
    func concurrentLinkDecisions() async throws {
        let (first, second) = try await Self.overlapping(
            setup: { session in
                let business = try session.upsert(S.shop("L1", "Bakso Rebutan", at: 10, phone: "+6281234567890"), at: S.now).0
                return try session.requestLink(business.id, by: 50, userName: "Sari", phone: business.phone, now: S.now).request.id
            },
            { session, request in try session.decideLinkRequest(request, approve: true, by: 900, now: S.now) },
            { session, request in
                let decision = try session.decideLinkRequest(request, approve: true, by: 901, now: S.now)
                return (decision, try session.linkRequest(request)?.decidedBy, try session.ownershipHistory(of: 1).count)
            })
        guard case .linked(let linked) = first else {
            Issue.record("the approval did not link: \(first)")
            return
        }
        #expect(linked.ownerTelegramID == 50)
        #expect(second.0 == .alreadyDecided(.approved))
        #expect(second.1 == 900 && second.2 == 1)
    }
}
