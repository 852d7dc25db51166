import Foundation
import LapakRegistry
import PostgresNIO

/// The free halal certificate programme on PostgreSQL, answering as `Registry.Session` does on SQLite
/// (Registry+HalalProgramme.swift), with several workers writing at once.
extension PostgresSession: HalalStore {
    /// The columns `application(from:)` reads, in this order.
    static let applicationColumns = "id, business_id, applicant_id, status, submitted_at, updated_at, quota_year, certificate_number, expires_on"
    /// The statuses staff can still move on, as SQL.
    private static let openStatuses = "('submitted', 'accepted', 'audit_scheduled')"
    /// The statuses an acceptance keeps counting against its year's quota, as SQL.
    private static let quotaStatuses = "('accepted', 'audit_scheduled', 'issued')"
    /// The first key of the advisory lock that serialises acceptances of one quota year ("Hala"); the year is the second.
    static let halalQuotaLockClass: Int32 = 0x4861_6C61

    /// The criteria business `business` misses, in a fixed order; empty when it may apply.
    public func halalShortfalls(of business: Business, criteria: HalalCriteria, now: Date) throws -> [HalalShortfall] {
        let created = try one("SELECT created_at FROM business WHERE id = \(business.id)", as: Int64.self) ?? 0
        return criteria.shortfalls(of: business, registeredAt: Date(timeIntervalSince1970: TimeInterval(created)), now: now, timeZone: timeZone)
    }

    /// Applies for business `business`, when it meets every criterion and has no application in progress.
    ///
    /// Two presses on two workers both find no open application; the partial unique index lets one insert,
    /// and `ON CONFLICT … DO NOTHING` makes the other wait for it and then answer with the first's application.
    public func applyForHalal(_ business: Business, applicant: Int64, criteria: HalalCriteria, now: Date) throws -> HalalApplyOutcome {
        if let open = try openHalalApplication(ofBusiness: business.id) { return .alreadyOpen(open) }
        let missing = try halalShortfalls(of: business, criteria: criteria, now: now)
        guard missing.isEmpty else { return .ineligible(missing) }
        let timestamp = Int64(now.timeIntervalSince1970)
        let inserted = try rows("""
            INSERT INTO halal_application (business_id, applicant_id, status, submitted_at, updated_at)
            VALUES (\(business.id), \(applicant), 'submitted', \(timestamp), \(timestamp))
            ON CONFLICT (business_id) WHERE status IN \(unescaped: Self.openStatuses) DO NOTHING
            RETURNING \(unescaped: Self.applicationColumns)
            """)
        if let row = inserted.first { return .submitted(try Self.application(from: row)) }
        guard let open = try openHalalApplication(ofBusiness: business.id) else { throw RegistryError.noSuchBusiness(business.id) }
        return .alreadyOpen(open)
    }

    /// The application with this id.
    public func halalApplication(id: Int64) throws -> HalalApplication? {
        try rows("SELECT \(unescaped: Self.applicationColumns) FROM halal_application WHERE id = \(id)").first.map(Self.application(from:))
    }

    /// The application of business `id` still in progress, if any.
    public func openHalalApplication(ofBusiness id: Int64) throws -> HalalApplication? {
        try rows("""
            SELECT \(unescaped: Self.applicationColumns) FROM halal_application WHERE business_id = \(id) AND status IN \(unescaped: Self.openStatuses)
            """).first.map(Self.application(from:))
    }

    /// The applications staff can still move on, in order of arrival, `limit` from `offset`.
    public func halalQueue(limit: Int, offset: Int) throws -> (applications: [HalalApplication], total: Int) {
        let total = try one("SELECT count(*) FROM halal_application WHERE status IN \(unescaped: Self.openStatuses)", as: Int.self) ?? 0
        let page = try rows("""
            SELECT \(unescaped: Self.applicationColumns) FROM halal_application WHERE status IN \(unescaped: Self.openStatuses)
            ORDER BY submitted_at, id LIMIT \(limit) OFFSET \(offset)
            """).map(Self.application(from:))
        return (page, total)
    }

    /// Acceptances counted against `year`'s quota (accepted, audit scheduled or issued that year).
    public func halalQuotaUsed(year: Int) throws -> Int {
        try one("""
            SELECT count(*) FROM halal_application WHERE quota_year = \(year) AND status IN \(unescaped: Self.quotaStatuses)
            """, as: Int.self) ?? 0
    }

    /// Accepts a submitted application within this year's quota. The count and the change must be one
    /// step that two staff pressing at once cannot both pass: the second sees the first's acceptance.
    ///
    /// SQLite's single statement (`UPDATE … WHERE (SELECT count(*) …) < quota`) is not enough here: under
    /// READ COMMITTED two workers accepting *different* applications each count in a snapshot without the
    /// other's uncommitted acceptance, lock different rows, and both commit: quota + 1. So acceptances of one
    /// quota year first take a transaction-scoped advisory lock on that year, held until commit. The
    /// counting UPDATE is a separate, later statement, and READ COMMITTED gives each statement a fresh
    /// snapshot taken after the lock was granted; PostgreSQL marks a transaction committed before it
    /// releases its locks, so that snapshot holds every acceptance committed by an earlier holder, and no
    /// other acceptance of the year can commit until this transaction ends. (This relies on READ COMMITTED,
    /// PostgreSQL's default, which `PostgresTransactions` uses: under REPEATABLE READ the snapshot could
    /// predate the wait.) Moves out of the quota (rejecting) need no lock: they can only free places.
    public func acceptHalal(_ id: Int64, quota: Int, now: Date) throws -> HalalDecision {
        guard let application = try halalApplication(id: id), application.status == .submitted else { return .stale }
        let year = LocalDays(timeZone: timeZone).year(of: now)
        try rows("SELECT pg_advisory_xact_lock(\(Self.halalQuotaLockClass), \(Int32(clamping: year)))")
        let accepted = try rows("""
            UPDATE halal_application SET status = 'accepted', quota_year = \(year), updated_at = \(Int64(now.timeIntervalSince1970))
            WHERE id = \(id) AND status = 'submitted'
              AND (SELECT count(*) FROM halal_application WHERE quota_year = \(year) AND status IN \(unescaped: Self.quotaStatuses)) < \(quota)
            RETURNING \(unescaped: Self.applicationColumns)
            """)
        guard let row = accepted.first else {
            // Another staff member may have moved this application meanwhile: that is stale, not a full quota.
            guard try halalApplication(id: id)?.status == .submitted else { return .stale }
            return .quotaFull(used: try halalQuotaUsed(year: year), quota: quota)
        }
        return .changed(try Self.application(from: row))
    }

    /// Moves an application from `from` to `to` (audit scheduled, rejected); stale when it is no longer in `from`.
    public func moveHalal(_ id: Int64, from: HalalStatus, to: HalalStatus, now: Date) throws -> HalalDecision {
        try rows("""
            UPDATE halal_application SET status = \(to.rawValue), updated_at = \(Int64(now.timeIntervalSince1970))
            WHERE id = \(id) AND status = \(from.rawValue)
            RETURNING \(unescaped: Self.applicationColumns)
            """).first.map { HalalDecision.changed(try Self.application(from: $0)) } ?? .stale
    }

    /// Issues the certificate of an application whose audit was scheduled: its number and last valid day
    /// are kept, and the business is marked halal certified for citizens' searches.
    public func issueHalal(_ id: Int64, number: String, expiresOn day: DateComponents, now: Date) throws -> HalalDecision {
        let calendar = halalCalendar
        guard let lastDay = calendar.date(from: day), let expiresAt = calendar.date(byAdding: .day, value: 1, to: lastDay),
              let year = day.year, let month = day.month, let date = day.day else { return .stale }
        let text = String(format: "%04d-%02d-%02d", year, month, date)
        let timestamp = Int64(now.timeIntervalSince1970)
        guard let row = try rows("""
            UPDATE halal_application SET status = 'issued', certificate_number = \(number), expires_on = \(text),
                expires_at = \(Int64(expiresAt.timeIntervalSince1970)), updated_at = \(timestamp)
            WHERE id = \(id) AND status = 'audit_scheduled'
            RETURNING \(unescaped: Self.applicationColumns)
            """).first else { return .stale }
        let application = try Self.application(from: row)
        // The certificate mark, where citizens' searches read it, and any pending claim settled: as SQLite does.
        try certifyHalal(true, ofBusiness: application.businessID, now: now)
        return .changed(application)
    }

    /// Issued certificates due for their expiry reminder (`daysBefore` days ahead of expiry), marked
    /// reminded in the caller's transaction: the caller writes the reminders into the reply outbox in the
    /// same transaction, so a crash loses both or keeps both, and none is sent twice.
    ///
    /// One UPDATE claims the rows: `FOR UPDATE SKIP LOCKED` passes over rows another worker is claiming right
    /// now, and a row another worker claimed and committed meanwhile is re-checked (`reminded_at IS NULL`)
    /// and left out, so each reminder is claimed once.
    public func claimDueHalalReminders(now: Date, daysBefore: Int, limit: Int) throws -> [HalalApplication] {
        let timestamp = Int64(now.timeIntervalSince1970)
        let horizon = timestamp + Int64(daysBefore) * 86_400
        return try rows("""
            UPDATE halal_application SET reminded_at = \(timestamp)
            WHERE reminded_at IS NULL AND id IN (
                SELECT id FROM halal_application
                WHERE status = 'issued' AND reminded_at IS NULL AND expires_at <= \(horizon) AND expires_at > \(timestamp)
                ORDER BY expires_at, id LIMIT \(limit) FOR UPDATE SKIP LOCKED)
            RETURNING \(unescaped: Self.applicationColumns), expires_at
            """).map { (try $0.makeRandomAccess()["expires_at"].decode(Int64.self), try Self.application(from: $0)) }
            .sorted { ($0.0, $0.1.id) < ($1.0, $1.1.id) }
            .map(\.1)
    }

    /// Applications by status (all years), and this year's quota use, for /statistik.
    public func halalTotals(year: Int) throws -> (byStatus: [HalalStatus: Int], quotaUsed: Int) {
        var byStatus: [HalalStatus: Int] = [:]
        for row in try rows("SELECT status, count(*) FROM halal_application GROUP BY status") {
            let (status, count) = try row.decode((String, Int).self)
            if let status = HalalStatus(rawValue: status) { byStatus[status] = count }
        }
        return (byStatus, try halalQuotaUsed(year: year))
    }

    /// The Gregorian calendar in the registry's zone, where a certificate's last day ends.
    private var halalCalendar: Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        return calendar
    }

    /// An application from a row that starts with `applicationColumns`.
    static func application(from row: PostgresRow) throws -> HalalApplication {
        let (id, businessID, applicantID, status, submittedAt, updatedAt, quotaYear, number, expiresOn) =
            try row.decode((Int64, Int64, Int64, String, Int64, Int64, Int?, String?, String?).self)
        return HalalApplication(id: id, businessID: businessID, applicantID: applicantID, status: HalalStatus(rawValue: status) ?? .submitted,
                                submittedAt: Date(timeIntervalSince1970: TimeInterval(submittedAt)),
                                updatedAt: Date(timeIntervalSince1970: TimeInterval(updatedAt)),
                                quotaYear: quotaYear, certificateNumber: number, expiresOn: expiresOn)
    }
}
