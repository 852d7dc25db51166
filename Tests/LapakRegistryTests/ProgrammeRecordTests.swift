import Foundation
import GRDB
import LapakDatabase
import LapakRegistry
import Testing

@Suite("Business groups and halal applications as stored")
struct ProgrammeRecordTests {
    static func cake(_ name: String) -> Business {
        Business(registryID: "", name: name, category: "kue", mode: .menetap, location: GeoPoint(latitude: 0.1443, longitude: 117.4938),
                 kelurahan: "Bontang Baru")
    }

    @Test("A group with an unknown member is refused whole: no group, no members are left behind")
    func groupRefusedWhole() async throws {
        let fixture = try RegistryFixture()
        defer { fixture.remove() }
        let registry = fixture.registry
        let member = try await registry.enroll(Self.cake("Kue Ani"), owner: 1)
        await #expect(throws: RegistryError.noSuchBusiness(999)) {
            try await registry.createGroup(name: "Kelompok Kue", category: "kue", kelurahan: "Bontang Baru", members: [member.id, 999], by: 9)
        }
        #expect(try await registry.businessGroups().isEmpty)
        let group = try await registry.createGroup(name: "Kelompok Kue", category: "kue", kelurahan: "Bontang Baru",
                                                   members: [member.id, member.id], by: 9)
        #expect(group.memberCount == 1)  // a member chosen twice belongs once
    }

    @Test("Every missing criterion is named, in a fixed order; months count from the registration, in local time")
    func shortfalls() async throws {
        let fixture = try RegistryFixture()
        defer { fixture.remove() }
        let registry = fixture.registry
        var laundry = Self.cake("Laundry Ani")
        laundry.category = "laundry"
        let enrolled = try await registry.enroll(laundry, owner: 1)
        try await registry.setStatus(.suspended, ofBusiness: enrolled.id)
        let certified = try await registry.enroll(Self.cake("Kue Bu Tini"), owner: 2)
        try await registry.setVerified(true, ofBusiness: certified.id)
        _ = try await registry.certifyHalal(true, ofBusiness: certified.id)
        let criteria = HalalCriteria(minMonthsRegistered: 6)
        let (first, second, later) = try await registry.database.writer.read { db in
            let session = registry.session(db)
            let suspended = try #require(try session.business(id: enrolled.id))
            let halal = try #require(try session.business(id: certified.id))
            return (try session.halalShortfalls(of: suspended, criteria: criteria, now: Date()),
                    try session.halalShortfalls(of: halal, criteria: criteria, now: Date()),
                    try session.halalShortfalls(of: halal, criteria: criteria, now: Date().addingTimeInterval(200 * 86_400)))
        }
        #expect(first == [.notVerified, .notFood, .tooNew, .notActive])
        #expect(second == [.tooNew, .alreadyCertified])
        #expect(later == [.alreadyCertified])
    }

    @Test("Accepting beyond the quota is refused even when many acceptances are written at once", arguments: [1, 3])
    func quotaHolds(quota: Int) async throws {
        let fixture = try RegistryFixture()
        defer { fixture.remove() }
        let registry = fixture.registry
        let criteria = HalalCriteria(minMonthsRegistered: 0)
        var ids: [Int64] = []
        for index in 0..<8 {
            let business = try await registry.enroll(Self.cake("Kue \(index)"), owner: Int64(index + 1))
            try await registry.setVerified(true, ofBusiness: business.id)
            let verified = try #require(try await registry.business(id: business.id))
            let outcome = try await registry.database.writer.write {
                try registry.session($0).applyForHalal(verified, applicant: Int64(index + 1), criteria: criteria, now: Date())
            }
            guard case .submitted(let application) = outcome else { Issue.record("\(outcome)"); return }
            ids.append(application.id)
        }
        let decisions = try await withThrowingTaskGroup(of: HalalDecision.self) { group in
            for id in ids {
                group.addTask { try await registry.database.writer.write { try registry.session($0).acceptHalal(id, quota: quota, now: Date()) } }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(decisions.filter { if case .changed = $0 { true } else { false } }.count == quota)
        #expect(decisions.filter { $0 == .quotaFull(used: quota, quota: quota) }.count == ids.count - quota)
    }

    @Test("An expiry reminder is claimed once: the second pass finds nothing, and an expired certificate is never claimed")
    func reminderClaimedOnce() async throws {
        let fixture = try RegistryFixture()
        defer { fixture.remove() }
        let registry = fixture.registry
        let business = try await registry.enroll(Self.cake("Kue Tini"), owner: 7)
        try await registry.setVerified(true, ofBusiness: business.id)
        let verified = try #require(try await registry.business(id: business.id))
        let now = Date.bontang(hour: 12)
        let claimed = try await registry.database.writer.write { db -> [Int] in
            let session = registry.session(db)
            guard case .submitted(let application) = try session.applyForHalal(verified, applicant: 7, criteria: HalalCriteria(minMonthsRegistered: 0),
                                                                               now: now) else { return [] }
            _ = try session.acceptHalal(application.id, quota: 15, now: now)
            _ = try session.moveHalal(application.id, from: .accepted, to: .auditScheduled, now: now)
            // Valid through 2027-01-10: 42 days after 2026-11-29, inside the 60-day window.
            _ = try session.issueHalal(application.id, number: "SH-1", expiresOn: DateComponents(year: 2027, month: 1, day: 10), now: now)
            #expect(try session.business(id: business.id)?.halal == true)
            let early = try session.claimDueHalalReminders(now: now.addingTimeInterval(-30 * 86_400), daysBefore: 60).count
            let first = try session.claimDueHalalReminders(now: now, daysBefore: 60).count
            let second = try session.claimDueHalalReminders(now: now, daysBefore: 60).count
            let afterExpiry = try session.claimDueHalalReminders(now: now.addingTimeInterval(100 * 86_400), daysBefore: 60).count
            return [early, first, second, afterExpiry]
        }
        #expect(claimed == [0, 1, 0, 0])
    }
}
