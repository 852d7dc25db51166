import Foundation
import LapakPostgres
import LapakRegistry
import Testing

@Suite("The halal programme on both stores: criteria, applications, the yearly quota, certificates and reminders")
struct HalalStoreTests {
    typealias Fixture = ProgrammeStoreFixture
    static let now = Fixture.noon
    static let origin = GeoPoint(latitude: 0.1400, longitude: 117.4900)
    static let criteria = HalalCriteria(quota: 2, minMonthsRegistered: 6)
    /// Seven months before `now`: old enough to apply.
    static let registered = now.addingTimeInterval(-213 * 86_400)

    /// `count` verified cake shops registered seven months ago, owned by 1, 2, 3 …
    static func bakeries(_ count: Int, on store: StoreUnderTest) async throws -> [Business] {
        let shops = (1...count).map { Fixture.business(String(format: "HL-%02d", $0), "kue", northOf: origin, by: Double($0) * 0.001, owner: Int64($0)) }
        let stored = try await Fixture.seed(shops, on: store, now: registered)
        return shops.compactMap { stored[$0.registryID] }
    }

    /// Applies for each of `businesses`, a minute apart, and returns the applications in that order.
    static func apply(_ businesses: [Business], on store: StoreUnderTest) async throws -> [HalalApplication] {
        try await store.write { session in
            let halal: any HalalStore = session.store()
            return try businesses.enumerated().map { index, business -> HalalApplication in
                let outcome = try halal.applyForHalal(business, applicant: business.ownerTelegramID ?? 0, criteria: Self.criteria,
                                                      now: Self.now.addingTimeInterval(Double(index) * 60))
                guard case .submitted(let application) = outcome else { throw FixtureError("\(business.registryID): \(outcome)") }
                return application
            }
        }
    }

    @Test("Every missing criterion is named in a fixed order; months count from the registration", arguments: StoreKind.allCases)
    func shortfalls(_ kind: StoreKind) async throws {
        try await StoreUnderTest.with(kind) { store in
            let fresh = try await Fixture.seed([
                Fixture.business("HL-LAUNDRY", "laundry", northOf: Self.origin, by: 0, owner: 1, verified: false, status: .suspended),
                Fixture.business("HL-CERTIFIED", "kue", northOf: Self.origin, by: 0.001, owner: 2, halal: true),
            ], on: store, now: Self.now)
            let old = try await Self.bakeries(1, on: store)
            let laundry = try #require(fresh["HL-LAUNDRY"]), certified = try #require(fresh["HL-CERTIFIED"])
            let answers = try await store.write { session in
                let halal: any HalalStore = session.store()
                return [try halal.halalShortfalls(of: laundry, criteria: Self.criteria, now: Self.now),
                        try halal.halalShortfalls(of: certified, criteria: Self.criteria, now: Self.now),
                        try halal.halalShortfalls(of: certified, criteria: Self.criteria, now: Self.now.addingTimeInterval(200 * 86_400)),
                        try halal.halalShortfalls(of: old[0], criteria: Self.criteria, now: Self.now)]
            }
            #expect(answers == [[.notVerified, .notFood, .tooNew, .notActive], [.tooNew, .alreadyCertified], [.alreadyCertified], []])
        }
    }

    @Test("Applying: submitted once, a second press finds the open application, an ineligible business is told why",
          arguments: StoreKind.allCases)
    func apply(_ kind: StoreKind) async throws {
        try await StoreUnderTest.with(kind) { store in
            let shop = try #require(try await Self.bakeries(1, on: store).first)
            let young = try #require(try await Fixture.seed([Fixture.business("HL-NEW", "kue", northOf: Self.origin, by: 0.01, owner: 9)],
                                                            on: store, now: Self.now)["HL-NEW"])
            let (first, second, refused, open, none) = try await store.write { session in
                let halal: any HalalStore = session.store()
                return (try halal.applyForHalal(shop, applicant: 1, criteria: Self.criteria, now: Self.now),
                        try halal.applyForHalal(shop, applicant: 1, criteria: Self.criteria, now: Self.now.addingTimeInterval(5)),
                        try halal.applyForHalal(young, applicant: 9, criteria: Self.criteria, now: Self.now),
                        try halal.openHalalApplication(ofBusiness: shop.id), try halal.openHalalApplication(ofBusiness: young.id))
            }
            guard case .submitted(let application) = first else { Issue.record("\(first)"); return }
            #expect(application.businessID == shop.id && application.applicantID == 1 && application.status == .submitted)
            #expect(application.submittedAt == Self.now && application.quotaYear == nil && application.certificateNumber == nil)
            #expect(second == .alreadyOpen(application))
            #expect(refused == .ineligible([.tooNew]))
            #expect(open == application && none == nil)
        }
    }

    @Test("The queue pages in order of arrival and drops what staff closed", arguments: StoreKind.allCases)
    func queuePaging(_ kind: StoreKind) async throws {
        try await StoreUnderTest.with(kind) { store in
            let applications = try await Self.apply(try await Self.bakeries(5, on: store), on: store)
            let (first, last, afterReject) = try await store.write { session in
                let halal: any HalalStore = session.store()
                let first = try halal.halalQueue(limit: 2, offset: 0), last = try halal.halalQueue(limit: 2, offset: 4)
                _ = try halal.moveHalal(applications[0].id, from: .submitted, to: .rejected, now: Self.now.addingTimeInterval(3_600))
                return (first, last, try halal.halalQueue(limit: 10, offset: 0))
            }
            #expect(first.applications.map(\.id) == applications.prefix(2).map(\.id) && first.total == 5)
            #expect(last.applications.map(\.id) == [applications[4].id] && last.total == 5)
            #expect(afterReject.applications.map(\.id) == applications.dropFirst().map(\.id) && afterReject.total == 4)
        }
    }

    @Test("Accepting within the quota, refused beyond it; moving and rejecting; a rejection frees a place", arguments: StoreKind.allCases)
    func quotaAndMoves(_ kind: StoreKind) async throws {
        try await StoreUnderTest.with(kind) { store in
            let applications = try await Self.apply(try await Self.bakeries(4, on: store), on: store)
            let ids = applications.map(\.id)
            let later = Self.now.addingTimeInterval(3_600)
            let (decisions, used) = try await store.write { session in
                let halal: any HalalStore = session.store()
                let decisions = [try halal.acceptHalal(ids[0], quota: 2, now: later), try halal.acceptHalal(ids[1], quota: 2, now: later),
                                 try halal.acceptHalal(ids[2], quota: 2, now: later), try halal.acceptHalal(ids[0], quota: 2, now: later),
                                 try halal.moveHalal(ids[0], from: .accepted, to: .auditScheduled, now: later),
                                 try halal.moveHalal(ids[0], from: .accepted, to: .auditScheduled, now: later),
                                 try halal.moveHalal(ids[1], from: .accepted, to: .rejected, now: later),
                                 try halal.acceptHalal(ids[3], quota: 2, now: later)]
                return (decisions, try halal.halalQuotaUsed(year: 2026))
            }
            func status(_ decision: HalalDecision) -> String {
                switch decision {
                case .changed(let application): "\(application.status.rawValue) \(application.quotaYear.map(String.init) ?? "-")"
                case .quotaFull(let used, let quota): "full \(used)/\(quota)"
                case .stale: "stale"
                }
            }
            #expect(decisions.map(status) == ["accepted 2026", "accepted 2026", "full 2/2", "stale", "audit_scheduled 2026", "stale",
                                              "rejected 2026", "accepted 2026"])
            #expect(used == 2)
        }
    }

    @Test("Issuing keeps the number and last day and marks the business halal; the reminder is claimed once; totals",
          arguments: StoreKind.allCases)
    func issueRemindTotals(_ kind: StoreKind) async throws {
        try await StoreUnderTest.with(kind) { store in
            let shops = try await Self.bakeries(3, on: store)
            let ids = try await Self.apply(shops, on: store).map(\.id)
            let (issued, again, notScheduled, marked) = try await store.write { session in
                let halal: any HalalStore = session.store()
                for id in ids.prefix(2) {
                    _ = try halal.acceptHalal(id, quota: 15, now: Self.now)
                    _ = try halal.moveHalal(id, from: .accepted, to: .auditScheduled, now: Self.now)
                }
                // Valid through 2027-01-10 and 2027-01-05: inside the 60-day window of 2026-11-29.
                let issued = try halal.issueHalal(ids[0], number: "SH-0001", expiresOn: DateComponents(year: 2027, month: 1, day: 10), now: Self.now)
                _ = try halal.issueHalal(ids[1], number: "SH-0002", expiresOn: DateComponents(year: 2027, month: 1, day: 5), now: Self.now)
                return (issued, try halal.issueHalal(ids[0], number: "SH-9", expiresOn: DateComponents(year: 2027, month: 1, day: 10), now: Self.now),
                        try halal.issueHalal(ids[2], number: "SH-9", expiresOn: DateComponents(year: 2027, month: 1, day: 10), now: Self.now),
                        [try session.hasHalalMark(shops[0].id), try session.hasHalalMark(shops[2].id)])
            }
            guard case .changed(let certificate) = issued else { Issue.record("\(issued)"); return }
            #expect(certificate.status == .issued && certificate.certificateNumber == "SH-0001" && certificate.expiresOn == "2027-01-10")
            #expect(again == .stale && notScheduled == .stale)
            #expect(marked == [true, false])
            let (claims, totals) = try await store.write { session in
                let halal: any HalalStore = session.store()
                let claims = [try halal.claimDueHalalReminders(now: Self.now.addingTimeInterval(-30 * 86_400), daysBefore: 60, limit: 500),
                              try halal.claimDueHalalReminders(now: Self.now, daysBefore: 60, limit: 500),
                              try halal.claimDueHalalReminders(now: Self.now, daysBefore: 60, limit: 500),
                              try halal.claimDueHalalReminders(now: Self.now.addingTimeInterval(100 * 86_400), daysBefore: 60, limit: 500)]
                return (claims.map { $0.map(\.id) }, try halal.halalTotals(year: 2026))
            }
            #expect(claims == [[], [ids[1], ids[0]], [], []])  // the sooner expiry first
            #expect(totals.byStatus == [.issued: 2, .submitted: 1] && totals.quotaUsed == 2)
        }
    }
}
