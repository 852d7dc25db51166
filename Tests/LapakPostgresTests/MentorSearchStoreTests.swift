import Foundation
import LapakPostgres
import LapakRegistry
import Testing

/// Proposing seniors over a seeded sample: the same seniors, in the same order, at the same distances on both stores.
@Suite("The coaching store on SQLite and PostgreSQL: seniors proposed for beginners")
struct MentorSearchStoreTests {
    /// Shops and carts of five kinds across Bontang; every seventh has no Telegram owner, every ninth is unverified.
    static let sample: [Business] = PostgresRegistryTests.sampleRegistry(count: 600, seed: 6).enumerated().map { index, business in
        var business = business
        business.ownerTelegramID = index % 7 == 0 ? nil : 500_000 + Int64(index)
        business.verified = index % 9 != 0
        return business
    }

    /// Every third business declares itself a senior, taking one to four apprentices.
    static func capacity(_ index: Int) -> Int? { index % 3 == 0 ? index % 4 + 1 : nil }
    /// Seniors of capacity one at an even index already have an apprentice proposed: no room left.
    static func isFull(_ index: Int) -> Bool { capacity(index) == 1 && index % 2 == 0 }
    /// The beginners asked about: thirty of the businesses that are not seniors.
    static let beginners = Array(stride(from: 2, to: sample.count, by: 3).prefix(30))

    /// One question: a beginner, a page size, a radius, and whether to measure directly or walk the index.
    struct Question: Sendable {
        var beginner: Int
        var limit: Int
        var maxDistance: Double
        var directLimit: Int
    }

    static let questions: [Question] = beginners.enumerated().flatMap { number, beginner in
        let limit = number % 2 == 0 ? 5 : 12
        let radius: Double = number % 3 == 0 ? 3_000 : 25_000
        return [Question(beginner: beginner, limit: limit, maxDistance: radius, directLimit: 256),
                Question(beginner: beginner, limit: limit, maxDistance: radius, directLimit: 0)]
    }

    /// Seeds the sample, declares the seniors (filling some), and answers every question on a store of `kind`.
    static func answers(on kind: StoreKind) async throws -> (ids: [String: Int64], answers: [[MentorCandidate]]) {
        var result: (ids: [String: Int64], answers: [[MentorCandidate]]) = ([:], [])
        try await StoreUnderTest.with(kind) { store in
            let ids = try await CoachingFixture.seed(sample, in: store)
            let stored = sample.map { business in
                var business = business
                business.id = ids[business.registryID] ?? 0
                return business
            }
            let answers = try await store.write { session in
                let coaching: any CoachingStore = session.store()
                var apprentices = stride(from: 1, to: stored.count, by: 3).makeIterator()
                for (index, business) in stored.enumerated() {
                    guard let capacity = capacity(index) else { continue }
                    try coaching.setCoachingRole(.mentor, capacity: capacity, ofBusiness: business.id, now: CoachingFixture.registered)
                    if isFull(index), let apprentice = apprentices.next() {
                        _ = try coaching.proposeApprenticeship(beginner: stored[apprentice].id, mentor: business.id, weeks: 8, by: 1,
                                                               now: CoachingFixture.registered)
                    }
                }
                return try questions.map { question in
                    try coaching.proposeMentors(for: stored[question.beginner], limit: question.limit, maxDistance: question.maxDistance,
                                                directLimit: question.directLimit)
                }
            }
            result = (ids, answers)
        }
        return result
    }

    /// The answer worked out from the sample itself: every eligible senior with a place, measured, sorted.
    static func expected(_ question: Question, ids: [String: Int64]) -> [String] {
        let beginner = sample[question.beginner]
        let api = Kelurahan.named("Api-Api").map { GeoPoint(latitude: $0.latitude, longitude: $0.longitude) }
        guard let origin = beginner.location ?? api else { return [] }
        let seniors: [(id: Int64, registryID: String, distance: Double)] = sample.enumerated().compactMap { index, senior in
            guard capacity(index) != nil, !isFull(index), senior.category == beginner.category, senior.verified, senior.status == .active,
                  senior.ownerTelegramID != nil, senior.mode == .menetap, let location = senior.location else { return nil }
            let distance = origin.distance(to: location)
            return distance <= question.maxDistance ? (ids[senior.registryID] ?? 0, senior.registryID, distance) : nil
        }
        return seniors.sorted { ($0.distance, $0.id) < ($1.distance, $1.id) }.prefix(question.limit).map(\.registryID)
    }

    @Test("Seniors: same kind, verified, active, owned, with room, nearest first within the radius, measured or walked alike",
          arguments: StoreKind.allCases)
    func proposesEligibleSeniors(_ kind: StoreKind) async throws {
        let (ids, answers) = try await Self.answers(on: kind)
        #expect(answers.contains { $0.count == 12 }, "some pages are full")
        for (question, answer) in zip(Self.questions, answers) {
            #expect(answer.map(\.business.registryID) == Self.expected(question, ids: ids), "beginner \(question.beginner)")
            for candidate in answer {
                let index = Int(candidate.business.registryID.dropFirst(4)) ?? -1
                #expect(candidate.room == (Self.capacity(index) ?? 0) - (Self.isFull(index) ? 1 : 0))
                #expect(candidate.registeredAt == CoachingFixture.registered)
                #expect(candidate.business.category == Self.sample[question.beginner].category)
            }
        }
        // Measuring the few seniors directly and walking the index nearest first give the same pages.
        for pair in stride(from: 0, to: answers.count, by: 2) {
            #expect(answers[pair] == answers[pair + 1])
        }
    }

    @Test("Seniors: SQLite and PostgreSQL propose the same businesses in the same order, at the same distances")
    func sameSeniorsOnBothStores() async throws {
        let sqlite = try await Self.answers(on: .sqlite).answers
        let postgres = try await Self.answers(on: .postgres).answers
        #expect(sqlite.count == postgres.count)
        for (mine, theirs) in zip(postgres, sqlite) {
            #expect(mine.map(\.business.registryID) == theirs.map(\.business.registryID))
            #expect(mine.map(\.room) == theirs.map(\.room))
            for (got, want) in zip(mine, theirs) {
                #expect(abs(got.distance - want.distance) < 1e-6, "\(got.business.registryID): \(got.distance) m vs \(want.distance) m")
            }
        }
    }
}
