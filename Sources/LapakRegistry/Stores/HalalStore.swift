import Foundation

/// The free halal certificate programme inside one update's transaction: applications, the yearly quota, certificates and their reminders.
///
/// Every method runs inside the caller's transaction and throws what the store throws; the caller's commit
/// makes it durable.
public protocol HalalStore {
    /// The criteria business `business` misses, in a fixed order; empty when it may apply.
    func halalShortfalls(of business: Business, criteria: HalalCriteria, now: Date) throws -> [HalalShortfall]
    /// Applies for business `business`, when it meets every criterion and has no application in progress.
    func applyForHalal(_ business: Business, applicant: Int64, criteria: HalalCriteria, now: Date) throws -> HalalApplyOutcome
    /// The application with this id.
    func halalApplication(id: Int64) throws -> HalalApplication?
    /// The application of business `id` still in progress, if any.
    func openHalalApplication(ofBusiness id: Int64) throws -> HalalApplication?
    /// The applications staff can still move on, in order of arrival, `limit` from `offset`.
    func halalQueue(limit: Int, offset: Int) throws -> (applications: [HalalApplication], total: Int)
    /// Acceptances counted against `year`'s quota (accepted, audit scheduled or issued that year).
    func halalQuotaUsed(year: Int) throws -> Int
    /// Accepts a submitted application within this year's quota. The count and the change must be one
    /// step that two staff pressing at once cannot both pass: the second sees the first's acceptance.
    func acceptHalal(_ id: Int64, quota: Int, now: Date) throws -> HalalDecision
    /// Moves an application from `from` to `to` (audit scheduled, rejected); stale when it is no longer in `from`.
    func moveHalal(_ id: Int64, from: HalalStatus, to: HalalStatus, now: Date) throws -> HalalDecision
    /// Issues the certificate of an application whose audit was scheduled: its number and last valid day
    /// are kept, and the business is marked halal certified for citizens' searches.
    func issueHalal(_ id: Int64, number: String, expiresOn day: DateComponents, now: Date) throws -> HalalDecision
    /// Issued certificates due for their expiry reminder (`daysBefore` days ahead of expiry), marked
    /// reminded in the caller's transaction: the caller writes the reminders into the reply outbox in the
    /// same transaction, so a crash loses both or keeps both, and none is sent twice.
    func claimDueHalalReminders(now: Date, daysBefore: Int, limit: Int) throws -> [HalalApplication]
    /// Applications by status (all years), and this year's quota use, for /statistik.
    func halalTotals(year: Int) throws -> (byStatus: [HalalStatus: Int], quotaUsed: Int)
}
