import Foundation
import GRDB
import LapakDatabase

/// Who may apply for a free halal certificate, and how many the city gives a year (`halal:` in config/lapak.yaml).
public struct HalalCriteria: Sendable, Hashable {
    /// Certificates accepted per calendar year.
    public var quota: Int
    /// Months a business must have been in the registry.
    public var minMonthsRegistered: Int
    /// Category slugs that count as food.
    public var foodKinds: Set<String>
    /// Days before expiry the owner is reminded.
    public var reminderDays: Int

    /// Criteria as configured; the defaults are the programme's first year.
    public init(quota: Int = 15, minMonthsRegistered: Int = 6,
                foodKinds: Set<String> = ["katering", "warung-makan", "kue", "minuman", "bakso-mie", "ikan"], reminderDays: Int = 60) {
        self.quota = quota
        self.minMonthsRegistered = minMonthsRegistered
        self.foodKinds = foodKinds
        self.reminderDays = reminderDays
    }
}

extension HalalCriteria {
    /// The criteria `business` (in the registry since `registeredAt`) misses at `now`, in a fixed order; empty
    /// when it may apply. Months are counted in `timeZone`, the registry's. Both stores ask this.
    public func shortfalls(of business: Business, registeredAt: Date, now: Date, timeZone: TimeZone) -> [HalalShortfall] {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        var missing: [HalalShortfall] = []
        if !business.verified { missing.append(.notVerified) }
        if !foodKinds.contains(business.category) { missing.append(.notFood) }
        let months = calendar.dateComponents([.month], from: registeredAt, to: now).month ?? 0
        if months < minMonthsRegistered { missing.append(.tooNew) }
        if business.halal { missing.append(.alreadyCertified) }
        if business.status != .active { missing.append(.notActive) }
        return missing
    }
}

/// Where an application stands: diajukan → diterima → audit dijadwalkan → terbit / ditolak.
public enum HalalStatus: String, Sendable, Hashable, CaseIterable {
    case submitted, accepted
    case auditScheduled = "audit_scheduled"
    case issued, rejected

    /// The statuses staff can still move on.
    public static let open: [HalalStatus] = [.submitted, .accepted, .auditScheduled]
}

/// A criterion of the programme a business does not meet.
public enum HalalShortfall: String, Sendable, Hashable, CaseIterable {
    case notVerified = "not_verified"
    case notFood = "not_food"
    case tooNew = "too_new"
    case alreadyCertified = "already_certified"
    /// Suspended (or deleted): the agency certifies only businesses it lists.
    case notActive = "not_active"
}

/// One application for a free halal certificate.
public struct HalalApplication: Sendable, Hashable {
    public var id: Int64
    public var businessID: Int64
    /// The Telegram account that applied, told of every change.
    public var applicantID: Int64
    public var status: HalalStatus
    public var submittedAt: Date
    public var updatedAt: Date
    /// The year whose quota the acceptance counts against.
    public var quotaYear: Int?
    public var certificateNumber: String?
    /// The certificate's last valid day, `YYYY-MM-DD`.
    public var expiresOn: String?

    /// An application with every field, as a store reads it back.
    public init(id: Int64, businessID: Int64, applicantID: Int64, status: HalalStatus, submittedAt: Date, updatedAt: Date, quotaYear: Int?,
                certificateNumber: String?, expiresOn: String?) {
        self.id = id
        self.businessID = businessID
        self.applicantID = applicantID
        self.status = status
        self.submittedAt = submittedAt
        self.updatedAt = updatedAt
        self.quotaYear = quotaYear
        self.certificateNumber = certificateNumber
        self.expiresOn = expiresOn
    }
}

/// What an "apply" press did.
public enum HalalApplyOutcome: Sendable, Hashable {
    case submitted(HalalApplication)
    /// The business has an application in progress already.
    case alreadyOpen(HalalApplication)
    case ineligible([HalalShortfall])
}

/// What a staff decision did.
public enum HalalDecision: Sendable, Hashable {
    case changed(HalalApplication)
    /// The year's quota is used up: the acceptance is refused.
    case quotaFull(used: Int, quota: Int)
    /// The application is no longer in the status the button was made for (another staff member was first).
    case stale
}

extension Registry.Session {
    private static let applicationColumns = """
        id, business_id, applicant_id, status, submitted_at, updated_at, quota_year, certificate_number, expires_on
        """

    /// The criteria business `business` misses, in a fixed order; empty when it may apply.
    public func halalShortfalls(of business: Business, criteria: HalalCriteria, now: Date) throws -> [HalalShortfall] {
        let created = try Int64.fetchOne(db.cachedStatement(sql: "SELECT created_at FROM business WHERE id = ?"), arguments: [business.id]) ?? 0
        return criteria.shortfalls(of: business, registeredAt: Date(timeIntervalSince1970: TimeInterval(created)), now: now, timeZone: timeZone)
    }

    /// Applies for business `business`, when it meets every criterion and has no application in progress.
    public func applyForHalal(_ business: Business, applicant: Int64, criteria: HalalCriteria, now: Date) throws -> HalalApplyOutcome {
        if let open = try openHalalApplication(ofBusiness: business.id) { return .alreadyOpen(open) }
        let missing = try halalShortfalls(of: business, criteria: criteria, now: now)
        guard missing.isEmpty else { return .ineligible(missing) }
        let timestamp = Int64(now.timeIntervalSince1970)
        try db.cachedStatement(sql: """
            INSERT INTO halal_application (business_id, applicant_id, status, submitted_at, updated_at) VALUES (?, ?, 'submitted', ?, ?)
            """).execute(arguments: [business.id, applicant, timestamp, timestamp])
        guard let stored = try halalApplication(id: db.lastInsertedRowID) else { throw RegistryError.noSuchBusiness(business.id) }
        return .submitted(stored)
    }

    /// The application with this id.
    public func halalApplication(id: Int64) throws -> HalalApplication? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT \(Self.applicationColumns) FROM halal_application WHERE id = ?"), arguments: [id])
            .map(Self.application(from:))
    }

    /// The application of business `id` still in progress, if any.
    public func openHalalApplication(ofBusiness id: Int64) throws -> HalalApplication? {
        try Row.fetchOne(db.cachedStatement(sql: """
            SELECT \(Self.applicationColumns) FROM halal_application
            WHERE business_id = ? AND status IN ('submitted', 'accepted', 'audit_scheduled')
            """), arguments: [id]).map(Self.application(from:))
    }

    /// The applications staff can still move on, in order of arrival, `limit` from `offset`.
    public func halalQueue(limit: Int = 20, offset: Int = 0) throws -> (applications: [HalalApplication], total: Int) {
        let total = try Int.fetchOne(db, sql: "SELECT count(*) FROM halal_application WHERE status IN ('submitted', 'accepted', 'audit_scheduled')") ?? 0
        let page = try Row.fetchAll(db.cachedStatement(sql: """
            SELECT \(Self.applicationColumns) FROM halal_application WHERE status IN ('submitted', 'accepted', 'audit_scheduled')
            ORDER BY submitted_at, id LIMIT ? OFFSET ?
            """), arguments: [limit, offset]).map(Self.application(from:))
        return (page, total)
    }

    /// Acceptances counted against `year`'s quota (accepted, audit scheduled or issued that year).
    public func halalQuotaUsed(year: Int) throws -> Int {
        try Int.fetchOne(db.cachedStatement(sql: """
            SELECT count(*) FROM halal_application WHERE quota_year = ? AND status IN ('accepted', 'audit_scheduled', 'issued')
            """), arguments: [year]) ?? 0
    }

    /// Accepts a submitted application within this year's quota. The count and the change are one
    /// statement inside the caller's write transaction, and SQLite has one writer: two staff pressing at
    /// once are serialised, and the second sees the first's acceptance.
    public func acceptHalal(_ id: Int64, quota: Int, now: Date) throws -> HalalDecision {
        guard let application = try halalApplication(id: id), application.status == .submitted else { return .stale }
        let year = localYear(of: now)
        try db.cachedStatement(sql: """
            UPDATE halal_application SET status = 'accepted', quota_year = ?1, updated_at = ?2
            WHERE id = ?3 AND status = 'submitted'
              AND (SELECT count(*) FROM halal_application WHERE quota_year = ?1 AND status IN ('accepted', 'audit_scheduled', 'issued')) < ?4
            """).execute(arguments: [year, Int64(now.timeIntervalSince1970), id, quota])
        guard db.changesCount == 1 else { return .quotaFull(used: try halalQuotaUsed(year: year), quota: quota) }
        return try halalApplication(id: id).map(HalalDecision.changed) ?? .stale
    }

    /// Moves an application from `from` to `to` (audit scheduled, rejected); stale when it is no longer in `from`.
    public func moveHalal(_ id: Int64, from: HalalStatus, to: HalalStatus, now: Date) throws -> HalalDecision {
        try db.cachedStatement(sql: "UPDATE halal_application SET status = ?, updated_at = ? WHERE id = ? AND status = ?")
            .execute(arguments: [to.rawValue, Int64(now.timeIntervalSince1970), id, from.rawValue])
        guard db.changesCount == 1 else { return .stale }
        return try halalApplication(id: id).map(HalalDecision.changed) ?? .stale
    }

    /// Issues the certificate of an application whose audit was scheduled: its number and last valid day
    /// are kept, and the business is marked halal certified for citizens' searches.
    public func issueHalal(_ id: Int64, number: String, expiresOn day: DateComponents, now: Date) throws -> HalalDecision {
        guard let lastDay = calendar.date(from: day), let expiresAt = calendar.date(byAdding: .day, value: 1, to: lastDay),
              let year = day.year, let month = day.month, let date = day.day else { return .stale }
        let text = String(format: "%04d-%02d-%02d", year, month, date)
        try db.cachedStatement(sql: """
            UPDATE halal_application SET status = 'issued', certificate_number = ?, expires_on = ?, expires_at = ?, updated_at = ?
            WHERE id = ? AND status = 'audit_scheduled'
            """).execute(arguments: [number, text, Int64(expiresAt.timeIntervalSince1970), Int64(now.timeIntervalSince1970), id])
        guard db.changesCount == 1, let application = try halalApplication(id: id) else { return .stale }
        try certifyHalal(true, ofBusiness: application.businessID, now: now)
        return .changed(application)
    }

    /// Issued certificates due for their expiry reminder (`daysBefore` days ahead of expiry), marked
    /// reminded in the caller's transaction: the caller writes the reminders into the reply outbox in the
    /// same transaction, so a crash loses both or keeps both, and none is sent twice.
    public func claimDueHalalReminders(now: Date, daysBefore: Int, limit: Int = 500) throws -> [HalalApplication] {
        let timestamp = Int64(now.timeIntervalSince1970)
        let horizon = timestamp + Int64(daysBefore) * 86_400
        let due = try Row.fetchAll(db.cachedStatement(sql: """
            SELECT \(Self.applicationColumns) FROM halal_application
            WHERE status = 'issued' AND reminded_at IS NULL AND expires_at <= ? AND expires_at > ?
            ORDER BY expires_at, id LIMIT ?
            """), arguments: [horizon, timestamp, limit]).map(Self.application(from:))
        let mark = try db.cachedStatement(sql: "UPDATE halal_application SET reminded_at = ? WHERE id = ? AND reminded_at IS NULL")
        for application in due { try mark.execute(arguments: [timestamp, application.id]) }
        return due
    }

    /// Applications by status (all years), and this year's quota use, for /statistik.
    public func halalTotals(year: Int) throws -> (byStatus: [HalalStatus: Int], quotaUsed: Int) {
        var byStatus: [HalalStatus: Int] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT status, count(*) FROM halal_application GROUP BY status") {
            if let status = HalalStatus(rawValue: row[0]) { byStatus[status] = row[1] }
        }
        return (byStatus, try halalQuotaUsed(year: year))
    }

    private var calendar: Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        return calendar
    }

    static func application(from row: Row) -> HalalApplication {
        HalalApplication(id: row[0], businessID: row[1], applicantID: row[2], status: HalalStatus(rawValue: row[3]) ?? .submitted,
                         submittedAt: Date(timeIntervalSince1970: TimeInterval(row[4] as Int64)),
                         updatedAt: Date(timeIntervalSince1970: TimeInterval(row[5] as Int64)),
                         quotaYear: row[6], certificateNumber: row[7], expiresOn: row[8])
    }
}
