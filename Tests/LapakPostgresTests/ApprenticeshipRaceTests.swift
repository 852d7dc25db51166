import Foundation
import LapakPostgres
import LapakRegistry
import PostgresNIO
import Testing

/// What SQLite's single writer never lets happen: two workers taking the same coaching step at once.
@Suite("The coaching store on PostgreSQL: two workers acting at the same moment")
struct ApprenticeshipRaceTests {
    /// Runs `body` once for each of `inputs`, each in its own transaction, all at once; each holds its
    /// transaction (and the row locks it took) open a while after its step, so the others' steps overlap it.
    static func together<Input: Sendable, T: Sendable>(on store: StoreUnderTest, _ inputs: [Input],
                                                       _ body: @escaping @Sendable (any CoachingStore, Input) throws -> T) async -> [Result<T, any Error>] {
        await withTaskGroup(of: Result<T, any Error>.self) { group in
            for input in inputs {
                group.addTask {
                    do {
                        return .success(try await store.writeUnwrapped { session in
                            let outcome = try body(session.store(), input)
                            try session.store(PostgresSession.self).execute("SELECT pg_sleep(0.3)")
                            return outcome
                        })
                    } catch {
                        return .failure(error)
                    }
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
    }

    /// An apprenticeship of the pairing's first beginner with the senior that has room for one, proposed at `at`.
    static func proposal(_ pairing: ApprenticeshipStoreTests.Pairing, in store: StoreUnderTest, at: Date) async throws -> Int64 {
        try await store.write { session in
            try (session.store() as any CoachingStore).proposeApprenticeship(beginner: pairing.beginners[0], mentor: pairing.fullAfterOne,
                                                                             weeks: 4, by: 7, now: at).id
        }
    }

    @Test("Two workers claim the same due reminder at once: exactly one wins, and next week's check-in is scheduled once")
    func reminderClaimedOnce() async throws {
        try await StoreUnderTest.with(.postgres) { store in
            let pairing = try await ApprenticeshipStoreTests.pairing(in: store)
            let t0 = CoachingFixture.registered
            let id = try await Self.proposal(pairing, in: store, at: t0)
            let due = try await store.write { session in
                let coaching: any CoachingStore = session.store()
                _ = try coaching.answerApprenticeship(id, side: .beginner, accept: true, username: nil, now: t0)
                _ = try coaching.answerApprenticeship(id, side: .mentor, accept: true, username: nil, now: t0)
                return try coaching.dueReminders(now: t0.addingTimeInterval(ApprenticeshipStoreTests.week), limit: 10)
            }
            let reminder = try #require(due.first)
            let at = t0.addingTimeInterval(ApprenticeshipStoreTests.week + 60)
            let claims = await Self.together(on: store, [1, 2]) { coaching, _ in try coaching.claimReminder(reminder, now: at) }
            #expect(try claims.map { try $0.get() }.filter { $0 }.count == 1)
            try await store.write { session in
                let coaching: any CoachingStore = session.store()
                #expect(try coaching.dueReminders(now: at, limit: 10).map(\.id) == due.dropFirst().map(\.id))
                let scheduled = try session.store(PostgresSession.self).one("""
                    SELECT count(*) FROM apprenticeship_reminder WHERE apprenticeship_id = \(id) AND kind = 'checkin' AND week = 2
                    """, as: Int.self)
                #expect(scheduled == 2)
            }
        }
    }

    @Test("Both sides accept at once: the apprenticeship becomes active exactly once, its first check-in scheduled")
    func bothSidesAtOnce() async throws {
        try await StoreUnderTest.with(.postgres) { store in
            let pairing = try await ApprenticeshipStoreTests.pairing(in: store)
            let t0 = CoachingFixture.registered
            let id = try await Self.proposal(pairing, in: store, at: t0)
            let answers = await Self.together(on: store, [(ApprenticeshipSide.beginner, "pemula"), (.mentor, "senior")]) { coaching, answer in
                try coaching.answerApprenticeship(id, side: answer.0, accept: true, username: answer.1, now: t0)
            }
            let outcomes = try answers.map { try $0.get() }
            #expect(outcomes.filter { if case .activated = $0 { true } else { false } }.count == 1)
            #expect(outcomes.filter { if case .waitingForOther = $0 { true } else { false } }.count == 1)
            try await store.write { session in
                let coaching: any CoachingStore = session.store()
                let active = try #require(try coaching.apprenticeship(id))
                #expect(active.status == .active && active.beginnerUsername == "pemula" && active.mentorUsername == "senior")
                #expect(try coaching.dueReminders(now: t0.addingTimeInterval(ApprenticeshipStoreTests.week), limit: 10).count == 2)
            }
        }
    }

    @Test("One side's accept handled by two workers at once: answered once, the other press finds it no longer pending")
    func samePressTwice() async throws {
        try await StoreUnderTest.with(.postgres) { store in
            let pairing = try await ApprenticeshipStoreTests.pairing(in: store)
            let t0 = CoachingFixture.registered
            let id = try await Self.proposal(pairing, in: store, at: t0)
            let answers = try await Self.together(on: store, [1, 2]) { coaching, _ in
                try coaching.answerApprenticeship(id, side: .beginner, accept: true, username: "pemula", now: t0)
            }.map { try $0.get() }
            #expect(answers.filter { if case .waitingForOther = $0 { true } else { false } }.count == 1)
            #expect(answers.filter { $0 == .notPending }.count == 1)
        }
    }

    @Test("Two staff propose apprentices to a senior with room for one at once: one proposal stands, the other is refused")
    func seniorFilledOnce() async throws {
        try await StoreUnderTest.with(.postgres) { store in
            let pairing = try await ApprenticeshipStoreTests.pairing(in: store)
            let t0 = CoachingFixture.registered
            let proposals = await Self.together(on: store, Array(pairing.beginners.prefix(2))) { coaching, beginner in
                try coaching.proposeApprenticeship(beginner: beginner, mentor: pairing.fullAfterOne, weeks: 4, by: 7, now: t0)
            }
            #expect(proposals.filter { (try? $0.get()) != nil }.count == 1)
            #expect(proposals.contains { if case .failure(let error) = $0 { error is CoachingRoleError } else { false } })
            // And one beginner proposed twice at once (two staff, one press each) stays in one apprenticeship.
            let third = pairing.beginners[2]
            let twice = await Self.together(on: store, [1, 2]) { coaching, _ in
                try coaching.proposeApprenticeship(beginner: third, mentor: pairing.roomForTwo, weeks: 4, by: 7, now: t0)
            }
            #expect(twice.filter { (try? $0.get()) != nil }.count == 1)
            #expect(try await store.write { session in try (session.store() as any CoachingStore).mentorRoom(pairing.roomForTwo) } == 1)
        }
    }
}
