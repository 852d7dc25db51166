import Foundation
import LapakRegistry
import PostgresNIO

/// The coaching programme on PostgreSQL: the store the bot's coaching handlers use in one update's transaction.
extension PostgresSession: CoachingStore {}

/// Apprenticeships on PostgreSQL, answering as SQLite's `Registry+Apprenticeships.swift`.
///
/// SQLite has one writer, so its "check, then write" steps cannot interleave; here two staff or the two
/// sides of a proposal may act at the same moment on different workers, so each decision locks the rows it
/// rests on (`FOR UPDATE`) or is taken in the writing statement itself.
extension PostgresSession {
    /// Proposes apprenticing `beginnerID` to `mentorID` for `weeks` weeks; staff `staffID` asks. Throws
    /// `CoachingRoleError` when the beginner already has an open apprenticeship or the mentor has no room.
    ///
    /// The mentor's role row is locked before its room is counted, so two proposals to one mentor take
    /// turns and the second counts the first (a mentor with room for one never gets two). The beginner's
    /// "one open apprenticeship" is the partial unique index: a proposal racing another for the same
    /// beginner inserts nothing (`ON CONFLICT DO NOTHING`) and is refused like the early check.
    public func proposeApprenticeship(beginner beginnerID: Int64, mentor mentorID: Int64, weeks: Int, by staffID: Int64,
                                      now: Date) throws -> Apprenticeship {
        guard beginnerID != mentorID else { throw CoachingRoleError("a business cannot be apprenticed to itself") }
        let beginnerBusy = CoachingRoleError("the beginner already has an apprenticeship in progress")
        guard try openApprenticeship(ofBeginner: beginnerID) == nil else { throw beginnerBusy }
        try execute("SELECT business_id FROM coaching_role WHERE business_id = \(mentorID) AND role = 'mentor' FOR UPDATE")
        guard try mentorRoom(mentorID) > 0 else { throw CoachingRoleError("the senior has no room for another apprentice") }
        guard let row = try rows("""
            INSERT INTO apprenticeship (beginner_id, mentor_id, status, weeks, proposed_by, created_at)
            VALUES (\(beginnerID), \(mentorID), 'proposed', \(weeks), \(staffID), \(CoachingRows.seconds(now)))
            ON CONFLICT (beginner_id) WHERE status IN ('proposed', 'active') DO NOTHING
            RETURNING \(unescaped: CoachingRows.apprenticeshipColumns)
            """).first else { throw beginnerBusy }
        return try CoachingRows.apprenticeship(from: row)
    }

    /// How many more apprentices a mentor can take: its capacity minus proposed and active apprenticeships.
    public func mentorRoom(_ mentorID: Int64) throws -> Int {
        try one("""
            SELECT c.capacity - (SELECT count(*) FROM apprenticeship a WHERE a.mentor_id = c.business_id AND a.status IN ('proposed', 'active'))
            FROM coaching_role c WHERE c.business_id = \(mentorID) AND c.role = 'mentor'
            """, as: Int.self) ?? 0
    }

    /// The apprenticeship with this id.
    public func apprenticeship(_ id: Int64) throws -> Apprenticeship? {
        try rows("SELECT \(unescaped: CoachingRows.apprenticeshipColumns) FROM apprenticeship WHERE id = \(id) FOR UPDATE").first
            .map(CoachingRows.apprenticeship(from:))
    }

    /// The beginner's proposed or active apprenticeship, if any.
    public func openApprenticeship(ofBeginner id: Int64) throws -> Apprenticeship? {
        try rows("""
            SELECT \(unescaped: CoachingRows.apprenticeshipColumns) FROM apprenticeship
            WHERE beginner_id = \(id) AND status IN ('proposed', 'active')
            """).first.map(CoachingRows.apprenticeship(from:))
    }

    /// The active apprenticeships in which `mentorID` coaches, oldest first (its apprentices).
    public func activeApprenticeships(ofMentor mentorID: Int64) throws -> [Apprenticeship] {
        try rows("""
            SELECT \(unescaped: CoachingRows.apprenticeshipColumns) FROM apprenticeship
            WHERE mentor_id = \(mentorID) AND status = 'active' ORDER BY id
            """).map(CoachingRows.apprenticeship(from:))
    }

    /// Records one side's answer to a proposal. Accepting on both sides makes it active: it starts now,
    /// ends after its weeks, and the first weekly check-in and the closing rating are scheduled.
    ///
    /// The apprenticeship's row is read `FOR UPDATE`, so answers given at once are decided one after the
    /// other on the current row: a press delivered twice (two workers) is answered once, the second finding
    /// it `notPending`; an accept racing a decline finds it cancelled; and when both sides accept at once
    /// exactly one of them activates it (and schedules the reminders), the other answering `waitingForOther`.
    public func answerApprenticeship(_ id: Int64, side: ApprenticeshipSide, accept: Bool, username: String?, now: Date) throws -> ConsentOutcome {
        guard let row = try rows("SELECT \(unescaped: CoachingRows.apprenticeshipColumns) FROM apprenticeship WHERE id = \(id) FOR UPDATE").first
        else { return .notPending }
        let current = try CoachingRows.apprenticeship(from: row)
        guard current.status == .proposed else { return .notPending }
        guard !(side == .beginner ? current.beginnerAccepted : current.mentorAccepted) else { return .notPending }
        let seconds = CoachingRows.seconds(now)
        guard accept else {
            try execute("UPDATE apprenticeship SET status = 'cancelled', closed_at = \(seconds) WHERE id = \(id) AND status = 'proposed'")
            return .declined(try lockedApprenticeship(id))
        }
        switch side {
        case .beginner: try execute("UPDATE apprenticeship SET beginner_accepted = true, beginner_username = \(username) WHERE id = \(id)")
        case .mentor: try execute("UPDATE apprenticeship SET mentor_accepted = true, mentor_username = \(username) WHERE id = \(id)")
        }
        let updated = try lockedApprenticeship(id)
        guard updated.beginnerAccepted && updated.mentorAccepted else { return .waitingForOther(updated) }
        let ends = seconds + Int64(updated.weeks) * CoachingRows.week
        try execute("UPDATE apprenticeship SET status = 'active', starts_at = \(seconds), ends_at = \(ends) WHERE id = \(id)")
        try scheduleCheckIn(of: id, week: 1, due: seconds + CoachingRows.week, endsAt: ends)
        try execute("""
            INSERT INTO apprenticeship_reminder (apprenticeship_id, kind, week, side, due_at)
            SELECT \(id), 'rating', 0, side, \(ends) FROM unnest(ARRAY['beginner', 'mentor']) AS side
            ON CONFLICT DO NOTHING
            """)
        return .activated(try lockedApprenticeship(id))
    }

    /// Staff end an apprenticeship early (cancelled) or an ended one is closed (finished). True when it changed.
    ///
    /// The status test is in the UPDATE itself, so of two closes at once only one changes the row.
    @discardableResult
    public func closeApprenticeship(_ id: Int64, as status: ApprenticeshipStatus, now: Date) throws -> Bool {
        precondition(status == .finished || status == .cancelled, "only finished or cancelled close an apprenticeship")
        let changed = try execute("""
            UPDATE apprenticeship SET status = \(status.rawValue), closed_at = \(CoachingRows.seconds(now))
            WHERE id = \(id) AND status IN ('proposed', 'active')
            """)
        guard changed > 0 else { return false }
        // Reminders not yet sent are dropped with it, so a cancelled one asks nothing more.
        if status == .cancelled {
            try execute("DELETE FROM apprenticeship_reminder WHERE apprenticeship_id = \(id) AND sent_at IS NULL")
        }
        return true
    }

    /// The weekly check-in of both sides for `week`, unless it would fall after the end. A reminder already
    /// scheduled stays as it is (the unique (apprenticeship, kind, week, side) key).
    func scheduleCheckIn(of id: Int64, week: Int, due: Int64, endsAt: Int64) throws {
        guard due < endsAt else { return }
        try execute("""
            INSERT INTO apprenticeship_reminder (apprenticeship_id, kind, week, side, due_at)
            SELECT \(id), 'checkin', \(week), side, \(due) FROM unnest(ARRAY['beginner', 'mentor']) AS side
            ON CONFLICT DO NOTHING
            """)
    }

    /// The apprenticeship this transaction holds locked (or just changed), which therefore exists.
    private func lockedApprenticeship(_ id: Int64) throws -> Apprenticeship {
        guard let apprenticeship = try apprenticeship(id) else { throw CoachingRoleError("apprenticeship \(id) vanished") }
        return apprenticeship
    }
}
