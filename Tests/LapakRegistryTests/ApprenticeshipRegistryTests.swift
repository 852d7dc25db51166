import Foundation
import GRDB
import LapakDatabase
import LapakRegistry
import Testing

/// The registry side of issue 13 on real SQLite files: proposals equal a brute-force answer, the Ambil
/// race across two connections has one winner, a reminder can be claimed once.
@Suite("Apprenticeships and overflow orders in the registry")
struct ApprenticeshipRegistryTests {
    /// A random registry of three kinds around Bontang: some verified, some linked, some willing mentors,
    /// some already full with apprentices.
    static func randomRegistry(seed: UInt64, in fixture: RegistryFixture) async throws -> [Business] {
        var random = SplitMix64(seed: seed)
        let kinds = ["katering", "bakso-mie", "kue"]
        let businesses = (0..<300).map { index in
            Business(registryID: "R-\(index)", name: "Usaha \(index)", category: kinds[Int(random.next() % 3)], mode: .menetap,
                     location: GeoPoint(latitude: 0.05 + random.unit() * 0.14, longitude: 117.44 + random.unit() * 0.07),
                     ownerTelegramID: random.unit() < 0.7 ? 1_000 + Int64(index) : nil, verified: random.unit() < 0.8)
        }
        _ = try await fixture.registry.upsertAll(businesses)
        let stored = try await fixture.registry.allBusinesses()
        let roles = stored.map { _ in (willing: random.unit() < 0.3, capacity: 1 + Int(random.next() % 2)) }
        try await fixture.registry.database.writer.write { db in
            let session = fixture.registry.session(db)
            for (business, role) in zip(stored, roles) where role.willing {
                try session.setCoachingRole(.mentor, capacity: role.capacity, ofBusiness: business.id, now: Date())
            }
            // Fill some mentors with apprentices: a full mentor must never be proposed.
            let mentors = try Int64.fetchAll(db, sql: "SELECT business_id FROM coaching_role WHERE role = 'mentor' ORDER BY business_id")
            let others = stored.map(\.id).filter { !mentors.contains($0) }
            for (mentor, beginner) in zip(mentors.prefix(20), others.suffix(20)) {
                _ = try session.proposeApprenticeship(beginner: beginner, mentor: mentor, weeks: 4, by: 1, now: Date())
            }
        }
        return stored
    }

    @Test("Proposed seniors are exactly a brute force's: same kind, verified, linked, willing, with room, nearest first", arguments: [1, 2, 3] as [UInt64])
    func proposalsEqualBruteForce(seed: UInt64) async throws {
        let fixture = try RegistryFixture()
        defer { fixture.remove() }
        let stored = try await Self.randomRegistry(seed: seed, in: fixture)
        try await fixture.registry.database.writer.read { db in
            let session = fixture.registry.session(db)
            for beginner in stored.prefix(40) {
                let proposed = try session.proposeMentors(for: beginner, limit: 5)
                // The R*Tree walk (used when many seniors are willing) gives the same answer.
                let walked = try session.proposeMentors(for: beginner, limit: 5, directLimit: 0)
                #expect(walked.map(\.business.id) == proposed.map(\.business.id))
                var expected: [(id: Int64, distance: Double)] = []
                for candidate in stored where candidate.id != beginner.id && candidate.category == beginner.category && candidate.verified
                    && candidate.ownerTelegramID != nil {
                    guard try session.coachingProfile(ofBusiness: candidate.id)?.role == .mentor, try session.mentorRoom(candidate.id) > 0 else { continue }
                    expected.append((candidate.id, beginner.location!.distance(to: candidate.location!)))
                }
                expected.sort { $0.distance != $1.distance ? $0.distance < $1.distance : $0.id < $1.id }
                let nearest = expected.prefix(5).map(\.id)
                #expect(proposed.map(\.business.id) == nearest, "beginner \(beginner.registryID)")
                #expect(proposed.allSatisfy { $0.room > 0 })
            }
        }
    }

    @Test("Two Ambil on two connections at the same moment: exactly one takes the order", arguments: 0..<5)
    func takeRace(round: Int) async throws {
        let fixture = try RegistryFixture()
        defer { fixture.remove() }
        let here = GeoPoint(latitude: 0.1443, longitude: 117.4938)
        _ = try await fixture.registry.upsertAll((0..<4).map { index in
            Business(registryID: "K-\(index)", name: "Katering \(index)", category: "katering", mode: .menetap,
                     location: GeoPoint(latitude: here.latitude + Double(index) * 0.001, longitude: here.longitude), ownerTelegramID: 10 + Int64(index))
        })
        let now = Date()
        let offered = try await fixture.registry.database.writer.write { db -> [OfferCandidate] in
            let session = fixture.registry.session(db)
            let origin = try session.business(registryID: "K-0")!
            let order = try session.createOverflowOrder(OverflowOrderDraft(what: "50 kue", quantity: 50, neededAt: now.addingTimeInterval(3_600),
                                                                           place: here, kelurahan: "Bontang Baru"), from: origin, userID: 10, now: now)
            return try session.offerNextWave(of: order.id, size: 3, answerWithin: 600, now: now)
        }
        #expect(offered.map(\.business.registryID) == ["K-1", "K-2", "K-3"])
        // A second connection pool on the same file: the two presses run on different connections.
        let other = Registry(database: try AppDatabase.open(path: fixture.folder.appendingPathComponent("lapak.sqlite").path),
                             taxonomy: RegistryFixture.taxonomy, timeZone: fixture.registry.timeZone)
        async let first = fixture.registry.database.writer.write { db in
            try fixture.registry.session(db).takeOverflowOrder(1, business: offered[0].business.id, userID: offered[0].userID, now: now)
        }
        async let second = other.database.writer.write { db in
            try other.session(db).takeOverflowOrder(1, business: offered[1].business.id, userID: offered[1].userID, now: now)
        }
        let outcomes = try await [first, second]
        let winners = outcomes.filter { if case .taken = $0 { return true } else { return false } }
        #expect(winners.count == 1)
        #expect(outcomes.contains(.tooLate(.taken)))
        // A press by someone not offered, and one after the time limit, are refused.
        let (forged, late) = try await fixture.registry.database.writer.write { db in
            let session = fixture.registry.session(db)
            return (try session.takeOverflowOrder(1, business: offered[2].business.id, userID: 999, now: now),
                    try session.takeOverflowOrder(1, business: offered[2].business.id, userID: offered[2].userID, now: now))
        }
        #expect(forged == .notOffered)
        #expect(late == .tooLate(.taken))
    }

    @Test("A due reminder is claimed once; claiming schedules the next week, not past ones")
    func reminderClaimedOnce() async throws {
        let fixture = try RegistryFixture()
        defer { fixture.remove() }
        let here = GeoPoint(latitude: 0.1443, longitude: 117.4938)
        _ = try await fixture.registry.upsertAll((0..<2).map {
            Business(registryID: "B-\($0)", name: "Bakso \($0)", category: "bakso-mie", mode: .menetap, location: here, ownerTelegramID: 20 + Int64($0))
        })
        let start = Date.bontang(hour: 9)
        try await fixture.registry.database.writer.write { db in
            let session = fixture.registry.session(db)
            try session.setCoachingRole(.mentor, capacity: 1, ofBusiness: 1, now: start)
            let proposed = try session.proposeApprenticeship(beginner: 2, mentor: 1, weeks: 8, by: 1, now: start)
            #expect(try session.answerApprenticeship(proposed.id, side: .beginner, accept: true, username: nil, now: start) != .notPending)
            guard case .activated = try session.answerApprenticeship(proposed.id, side: .mentor, accept: true, username: nil, now: start) else {
                Issue.record("not activated")
                return
            }
            #expect(try session.dueReminders(now: start.addingTimeInterval(6 * 86_400)).isEmpty)
            // Three weeks later: only week 1 is due (the next is scheduled as each is claimed).
            let later = start.addingTimeInterval(21 * 86_400 + 60)
            let due = try session.dueReminders(now: later)
            #expect(due.map(\.week) == [1, 1] && Set(due.map(\.side)) == [.beginner, .mentor])
            #expect(try session.claimReminder(due[0], now: later))
            #expect(try !session.claimReminder(due[0], now: later))
            // The next check-in of that side is week 4 (the coming one), not weeks 2 and 3.
            #expect(try Int.fetchOne(db, sql: "SELECT max(week) FROM apprenticeship_reminder WHERE kind = 'checkin'") == 4)
        }
    }
}
