import Foundation

/// The coaching programme inside one update's transaction: business groups, coaching roles, senior proposals, apprenticeships and their weekly check-ins.
///
/// Every method runs inside the caller's transaction and throws what the store throws; the caller's commit
/// makes it durable.
public protocol CoachingStore {
    /// Every group, newest first.
    func businessGroups(limit: Int) throws -> [BusinessGroup]
    /// The group with this id.
    func businessGroup(id: Int64) throws -> BusinessGroup?
    /// The groups business `id` belongs to, oldest first.
    func groups(ofBusiness id: Int64) throws -> [BusinessGroup]
    /// Creates a group with its members (duplicates and unknown businesses are refused, nothing is stored then).
    func createGroup(name: String, category: String, kelurahan: String, members: [Int64], by staffID: Int64, now: Date) throws -> BusinessGroup
    /// Makes `members` the members of group `id`: new ones are added, the others removed.
    /// - Returns: the businesses that were added.
    @discardableResult
    func setMembers(ofGroup id: Int64, to members: [Int64], now: Date) throws -> [Int64]
    /// The member businesses of group `id`, by name.
    func members(ofGroup id: Int64) throws -> [Business]
    /// Records support given to group `id` on `date` (`YYYY-MM-DD`).
    @discardableResult
    func recordSupport(_ kind: SupportKind, description: String, on date: String, toGroup id: Int64, by staffID: Int64, now: Date) throws -> GroupSupport
    /// The support given to group `id`, newest date first.
    func support(ofGroup id: Int64, limit: Int) throws -> [GroupSupport]
    /// Active businesses of one kind in one kelurahan, by name: candidates for a new group.
    func businesses(category: String, kelurahan: String, limit: Int) throws -> [Business]
    /// Totals for /statistik: groups, memberships, and support entries by kind.
    func groupTotals() throws -> (groups: Int, members: Int, support: [SupportKind: Int])
    /// Declares (or changes) the coaching role of business `id`. A mentor states a capacity in
    /// `CoachingRoleError.capacityRange`; a beginner's capacity is ignored. Declaring again keeps the
    /// original `since` when the role is unchanged, so "beginner since" survives a capacity edit.
    func setCoachingRole(_ role: CoachingRole, capacity: Int, ofBusiness id: Int64, now: Date) throws
    /// Withdraws business `id` from the coaching programme (no role any more). True when it had one.
    @discardableResult
    func clearCoachingRole(ofBusiness id: Int64) throws -> Bool
    /// The coaching profile of business `id`, if it declared one.
    func coachingProfile(ofBusiness id: Int64) throws -> CoachingProfile?
    /// Active beginners wanting coaching, optionally of one kind (category slug) and kelurahan, oldest
    /// declaration first: staff building a business group (kelompok usaha) or starting a pairing pick from these.
    func beginners(category: String?, kelurahan: String?, limit: Int) throws -> [Business]
    /// When a business entered the registry (business.created_at).
    func registeredAt(ofBusiness id: Int64) throws -> Date?
    /// Where a business is for matching: where it can be found now, else its home base, else its kelurahan.
    func matchingPosition(of business: Business) throws -> GeoPoint?
    /// Seniors for `beginner`: the same kind, verified, active, linked to Telegram, declared willing to
    /// coach and with room, nearest first, by exact distance between their places in the search index.
    ///
    /// The willing seniors of a kind are few (one query over the `business_kind` index and `coaching_role`): up to `directLimit` of them
    /// are measured directly from their indexed places; more are found by walking the registry's R*Tree
    /// (lapak_nearest) of the kind nearest first, which stops once no later entry can enter the page. A
    /// walk alone costs a visit of every business of the kind when fewer than `limit` seniors exist.
    func proposeMentors(for beginner: Business, limit: Int, maxDistance: Double, directLimit: Int) throws -> [MentorCandidate]
    /// Proposes apprenticing `beginnerID` to `mentorID` for `weeks` weeks; staff `staffID` asks. Throws
    /// `CoachingRoleError` when the beginner already has an open apprenticeship or the mentor has no room.
    func proposeApprenticeship(beginner beginnerID: Int64, mentor mentorID: Int64, weeks: Int, by staffID: Int64, now: Date) throws -> Apprenticeship
    /// How many more apprentices a mentor can take: its capacity minus proposed and active apprenticeships.
    func mentorRoom(_ mentorID: Int64) throws -> Int
    /// The apprenticeship with this id.
    func apprenticeship(_ id: Int64) throws -> Apprenticeship?
    /// The beginner's proposed or active apprenticeship, if any.
    func openApprenticeship(ofBeginner id: Int64) throws -> Apprenticeship?
    /// The active apprenticeships in which `mentorID` coaches, oldest first (its apprentices).
    func activeApprenticeships(ofMentor mentorID: Int64) throws -> [Apprenticeship]
    /// Records one side's answer to a proposal. Accepting on both sides makes it active: it starts now,
    /// ends after its weeks, and the first weekly check-in and the closing rating are scheduled.
    func answerApprenticeship(_ id: Int64, side: ApprenticeshipSide, accept: Bool, username: String?, now: Date) throws -> ConsentOutcome
    /// Staff end an apprenticeship early (cancelled) or an ended one is closed (finished). True when it changed.
    @discardableResult
    func closeApprenticeship(_ id: Int64, as status: ApprenticeshipStatus, now: Date) throws -> Bool
    /// Reminders due at `now` and not yet sent, oldest first.
    func dueReminders(now: Date, limit: Int) throws -> [DueReminder]
    /// When the next unsent reminder falls due, if any (so the scheduler can sleep until then).
    func nextReminderDue() throws -> Date?
    /// Claims a due reminder: marks it sent (false when it already was) and schedules what follows it —
    /// next week's check-in, or, for the rating, the apprenticeship becomes finished. Call it in the same
    /// transaction that writes the reminder's message to the reply outbox, so it can go only once.
    func claimReminder(_ reminder: DueReminder, now: Date) throws -> Bool
    /// A side's answer to a week's check-in; answering again changes it. Returns the report's id.
    @discardableResult
    func reportMeeting(_ apprenticeshipID: Int64, week: Int, side: ApprenticeshipSide, met: Bool, now: Date) throws -> Int64
    /// A side's closing rating (1-5); rating again changes it. Returns the report's id.
    @discardableResult
    func rateApprenticeship(_ apprenticeshipID: Int64, side: ApprenticeshipSide, rating: Int, now: Date) throws -> Int64
    /// Sets the topic (business management, production, …) of a report.
    func setReportTopic(_ reportID: Int64, topic: String) throws
    /// Sets the note or comment of a report.
    func setReportNote(_ reportID: Int64, note: String) throws
    /// The apprenticeship and side a report belongs to.
    func reportOwner(_ reportID: Int64) throws -> (apprenticeshipID: Int64, side: ApprenticeshipSide)?
    /// Counts for staff: apprenticeships by status, meetings reported, the average closing rating.
    func apprenticeshipTotals() throws -> ApprenticeshipTotals
}

extension CoachingStore {
    /// Declares a coaching role without a capacity (a beginner's, which has none).
    public func setCoachingRole(_ role: CoachingRole, ofBusiness id: Int64, now: Date) throws {
        try setCoachingRole(role, capacity: 0, ofBusiness: id, now: now)
    }

    /// Active beginners wanting coaching, of every kind and kelurahan, oldest declaration first.
    public func beginners(limit: Int) throws -> [Business] {
        try beginners(category: nil, kelurahan: nil, limit: limit)
    }

    /// Seniors for `beginner` within 25 km, measuring up to 256 willing seniors directly before walking the index.
    public func proposeMentors(for beginner: Business, limit: Int) throws -> [MentorCandidate] {
        try proposeMentors(for: beginner, limit: limit, maxDistance: 25_000, directLimit: 256)
    }
}
