import Foundation
import LapakPostgres
import LapakRegistry
import Testing

/// Apprenticeships on both stores: proposals, consent, weekly reminders, reports; and, on PostgreSQL, the
/// steps two workers may take at the same moment.
@Suite("The coaching store on SQLite and PostgreSQL: apprenticeships, reminders and reports")
struct ApprenticeshipStoreTests {
    static let week: TimeInterval = 7 * 24 * 3600

    /// Three beginners and two seniors (room for one and two) of one kind; their row ids by role.
    struct Pairing: Sendable {
        var beginners: [Int64]
        var fullAfterOne: Int64
        var roomForTwo: Int64
    }

    static func pairing(in store: StoreUnderTest) async throws -> Pairing {
        let ids = try await CoachingFixture.seed([
            CoachingFixture.business("A-1", name: "Pemula Satu"), CoachingFixture.business("A-2", name: "Pemula Dua"),
            CoachingFixture.business("A-3", name: "Pemula Tiga"),
            CoachingFixture.business("A-4", name: "Senior Satu", location: GeoPoint(latitude: 0.13, longitude: 117.49)),
            CoachingFixture.business("A-5", name: "Senior Dua", location: GeoPoint(latitude: 0.14, longitude: 117.49)),
        ], in: store)
        let pairing = Pairing(beginners: [ids["A-1"]!, ids["A-2"]!, ids["A-3"]!], fullAfterOne: ids["A-4"]!, roomForTwo: ids["A-5"]!)
        try await store.write { session in
            let coaching: any CoachingStore = session.store()
            try coaching.setCoachingRole(.mentor, capacity: 1, ofBusiness: pairing.fullAfterOne, now: CoachingFixture.registered)
            try coaching.setCoachingRole(.mentor, capacity: 2, ofBusiness: pairing.roomForTwo, now: CoachingFixture.registered)
        }
        return pairing
    }

    @Test("Proposals: refused to oneself, when the beginner has one open or the senior is full; consent on both sides activates it",
          arguments: StoreKind.allCases)
    func proposalAndConsent(_ kind: StoreKind) async throws {
        try await StoreUnderTest.with(kind) { store in
            let pairing = try await Self.pairing(in: store)
            let t0 = CoachingFixture.registered.addingTimeInterval(86_400)
            try await store.write { session in
                let coaching: any CoachingStore = session.store()
                let (first, second, third) = (pairing.beginners[0], pairing.beginners[1], pairing.beginners[2])
                #expect(throws: CoachingRoleError.self) { try coaching.proposeApprenticeship(beginner: first, mentor: first, weeks: 4, by: 7, now: t0) }
                #expect(throws: CoachingRoleError.self) { try coaching.proposeApprenticeship(beginner: first, mentor: second, weeks: 4, by: 7, now: t0) }
                let proposed = try coaching.proposeApprenticeship(beginner: first, mentor: pairing.fullAfterOne, weeks: 4, by: 7, now: t0)
                #expect(proposed.status == .proposed && proposed.weeks == 4 && proposed.proposedBy == 7 && proposed.createdAt == t0)
                #expect(!proposed.beginnerAccepted && !proposed.mentorAccepted && proposed.startsAt == nil)
                #expect(try coaching.mentorRoom(pairing.fullAfterOne) == 0)
                #expect(try coaching.mentorRoom(pairing.roomForTwo) == 2)
                #expect(try coaching.mentorRoom(first) == 0, "a business without a senior's role has no room")
                #expect(throws: CoachingRoleError.self) { try coaching.proposeApprenticeship(beginner: second, mentor: pairing.fullAfterOne, weeks: 4, by: 7, now: t0) }
                #expect(throws: CoachingRoleError.self) { try coaching.proposeApprenticeship(beginner: first, mentor: pairing.roomForTwo, weeks: 4, by: 7, now: t0) }
                #expect(try coaching.openApprenticeship(ofBeginner: first) == proposed)
                #expect(try coaching.openApprenticeship(ofBeginner: second) == nil)

                // One side's consent waits for the other's; a second press of the same side changes nothing.
                guard case .waitingForOther(let waiting) = try coaching.answerApprenticeship(proposed.id, side: .beginner, accept: true,
                                                                                             username: "pemula", now: t0) else {
                    Issue.record("the beginner's consent alone should wait for the senior")
                    return
                }
                #expect(waiting.beginnerAccepted && waiting.beginnerUsername == "pemula")
                #expect(try coaching.answerApprenticeship(proposed.id, side: .beginner, accept: true, username: nil, now: t0) == .notPending)
                #expect(try coaching.dueReminders(now: t0.addingTimeInterval(100 * Self.week), limit: 10).isEmpty)
                let t1 = t0.addingTimeInterval(3600)
                guard case .activated(let active) = try coaching.answerApprenticeship(proposed.id, side: .mentor, accept: true,
                                                                                      username: nil, now: t1) else {
                    Issue.record("consent on both sides should activate the apprenticeship")
                    return
                }
                #expect(active.status == .active && active.startsAt == t1 && active.endsAt == t1.addingTimeInterval(4 * Self.week))
                #expect(active.mentorAccepted && active.mentorUsername == nil)
                #expect(try coaching.answerApprenticeship(proposed.id, side: .mentor, accept: true, username: nil, now: t1) == .notPending)
                #expect(try coaching.activeApprenticeships(ofMentor: pairing.fullAfterOne) == [active])
                #expect(try coaching.apprenticeship(proposed.id) == active)
                #expect(try coaching.apprenticeship(9_999) == nil)
                // The first weekly check-in falls a week after the start.
                #expect(try coaching.nextReminderDue() == t1.addingTimeInterval(Self.week))

                // A senior who declines cancels the proposal; a cancelled one does not close again.
                let declined = try coaching.proposeApprenticeship(beginner: second, mentor: pairing.roomForTwo, weeks: 2, by: 7, now: t1)
                guard case .declined(let cancelled) = try coaching.answerApprenticeship(declined.id, side: .mentor, accept: false,
                                                                                        username: nil, now: t1) else {
                    Issue.record("a refusal should decline the proposal")
                    return
                }
                #expect(cancelled.status == .cancelled && cancelled.closedAt == t1)
                #expect(try !coaching.closeApprenticeship(declined.id, as: .cancelled, now: t1))
                #expect(try coaching.answerApprenticeship(declined.id, side: .beginner, accept: true, username: nil, now: t1) == .notPending)
                // Staff end one early.
                let ended = try coaching.proposeApprenticeship(beginner: third, mentor: pairing.roomForTwo, weeks: 2, by: 7, now: t1)
                #expect(try coaching.closeApprenticeship(ended.id, as: .cancelled, now: t1))
                #expect(try coaching.openApprenticeship(ofBeginner: third) == nil)
                #expect(try coaching.mentorRoom(pairing.roomForTwo) == 2)
            }
        }
    }

    @Test("Reminders: due ones listed oldest first, each claimed once, the next week's scheduled, the rating closes it",
          arguments: StoreKind.allCases)
    func remindersAndReports(_ kind: StoreKind) async throws {
        try await StoreUnderTest.with(kind) { store in
            let pairing = try await Self.pairing(in: store)
            let t0 = CoachingFixture.registered.addingTimeInterval(86_400)
            try await store.write { session in
                let coaching: any CoachingStore = session.store()
                #expect(try coaching.nextReminderDue() == nil)
                let id = try coaching.proposeApprenticeship(beginner: pairing.beginners[0], mentor: pairing.fullAfterOne, weeks: 4, by: 7, now: t0).id
                _ = try coaching.answerApprenticeship(id, side: .mentor, accept: true, username: "senior", now: t0)
                _ = try coaching.answerApprenticeship(id, side: .beginner, accept: true, username: "pemula", now: t0)

                #expect(try coaching.dueReminders(now: t0.addingTimeInterval(Self.week - 1), limit: 10).isEmpty)
                let firstWeek = try coaching.dueReminders(now: t0.addingTimeInterval(Self.week), limit: 10)
                #expect(firstWeek.map(\.side) == [.beginner, .mentor])
                #expect(firstWeek.allSatisfy { $0.kind == .checkIn && $0.week == 1 && $0.apprenticeshipID == id && $0.dueAt == t0.addingTimeInterval(Self.week) })
                let claimedAt = t0.addingTimeInterval(Self.week + 60)
                #expect(try coaching.claimReminder(firstWeek[0], now: claimedAt))
                #expect(try !coaching.claimReminder(firstWeek[0], now: claimedAt), "a reminder is claimed once")
                #expect(try coaching.dueReminders(now: claimedAt, limit: 10) == [firstWeek[1]])
                #expect(try coaching.claimReminder(firstWeek[1], now: claimedAt))
                #expect(try coaching.nextReminderDue() == t0.addingTimeInterval(2 * Self.week))

                // After a long stop the next check-in is the coming week's: week 4 would fall at the end, so only the rating is left.
                let late = t0.addingTimeInterval(3.5 * Self.week)
                let secondWeek = try coaching.dueReminders(now: late, limit: 10)
                #expect(secondWeek.map(\.week) == [2, 2])
                #expect(try coaching.dueReminders(now: late, limit: 1) == [secondWeek[0]])
                for reminder in secondWeek { #expect(try coaching.claimReminder(reminder, now: late)) }
                let end = t0.addingTimeInterval(4 * Self.week)
                #expect(try coaching.nextReminderDue() == end)

                // Reports: answering again changes the answer, not the report.
                let beginnerMet = try coaching.reportMeeting(id, week: 1, side: .beginner, met: true, now: claimedAt)
                #expect(try coaching.reportMeeting(id, week: 1, side: .beginner, met: false, now: claimedAt) == beginnerMet)
                let mentorMet = try coaching.reportMeeting(id, week: 1, side: .mentor, met: true, now: claimedAt)
                #expect(mentorMet != beginnerMet)
                try coaching.setReportTopic(mentorMet, topic: "produksi")
                try coaching.setReportNote(mentorMet, note: "Belajar resep")
                #expect(try coaching.reportOwner(mentorMet).map { [String($0.apprenticeshipID), $0.side.rawValue] } == [String(id), "mentor"])
                #expect(try coaching.reportOwner(9_999) == nil)
                #expect(throws: CoachingRoleError.self) { try coaching.rateApprenticeship(id, side: .beginner, rating: 6, now: end) }
                var totals = try coaching.apprenticeshipTotals()
                #expect(totals.active == 1 && totals.meetingsReported == 1 && totals.ratings == 0 && totals.averageRating == nil)

                // The rating reminders come at the end; claiming one finishes the apprenticeship.
                let ratings = try coaching.dueReminders(now: end, limit: 10)
                #expect(ratings.map(\.kind) == [.rating, .rating] && ratings.map(\.week) == [0, 0])
                #expect(try coaching.claimReminder(ratings[0], now: end))
                #expect(try coaching.apprenticeship(id)?.status == .finished)
                #expect(try coaching.mentorRoom(pairing.fullAfterOne) == 1)
                #expect(try coaching.claimReminder(ratings[1], now: end))
                #expect(try coaching.nextReminderDue() == nil)
                let rated = try coaching.rateApprenticeship(id, side: .beginner, rating: 3, now: end)
                #expect(try coaching.rateApprenticeship(id, side: .beginner, rating: 4, now: end) == rated)
                _ = try coaching.rateApprenticeship(id, side: .mentor, rating: 5, now: end)
                totals = try coaching.apprenticeshipTotals()
                #expect(totals.finished == 1 && totals.active == 0 && totals.ratings == 2 && totals.averageRating == 4.5)
                _ = try coaching.proposeApprenticeship(beginner: pairing.beginners[1], mentor: pairing.roomForTwo, weeks: 3, by: 7, now: end)
                #expect(try coaching.apprenticeshipTotals().proposed == 1)
            }
        }
    }
}
