import Foundation
import LapakRegistry
import PostgresNIO

/// Apprenticeship reminders and reports on PostgreSQL, answering as SQLite's `Registry+ApprenticeshipReminders.swift`.
extension PostgresSession {
    /// Reminders due at `now` and not yet sent, oldest first.
    public func dueReminders(now: Date, limit: Int) throws -> [DueReminder] {
        try all("""
            SELECT id, apprenticeship_id, kind, week, side, due_at FROM apprenticeship_reminder
            WHERE sent_at IS NULL AND due_at <= \(CoachingRows.seconds(now)) ORDER BY due_at, id LIMIT \(limit)
            """, as: (Int64, Int64, String, Int, String, Int64).self).map { id, apprenticeship, kind, week, side, due in
            DueReminder(id: id, apprenticeshipID: apprenticeship, kind: DueReminder.Kind(rawValue: kind) ?? .checkIn, week: week,
                        side: ApprenticeshipSide(rawValue: side) ?? .beginner, dueAt: CoachingRows.date(fromSeconds: due))
        }
    }

    /// When the next unsent reminder falls due, if any (so the scheduler can sleep until then).
    public func nextReminderDue() throws -> Date? {
        try one("SELECT min(due_at) FROM apprenticeship_reminder WHERE sent_at IS NULL", as: Int64?.self)
            .flatMap { $0 }.map(CoachingRows.date(fromSeconds:))
    }

    /// Claims a due reminder: marks it sent (false when it already was) and schedules what follows it —
    /// next week's check-in, or, for the rating, the apprenticeship becomes finished. Call it in the same
    /// transaction that writes the reminder's message to the reply outbox, so it can go only once.
    ///
    /// The claim is one conditional UPDATE: two workers claiming the same reminder at once both reach its
    /// row, the second waits for the first's commit, then finds `sent_at` set, changes nothing and gets false.
    public func claimReminder(_ reminder: DueReminder, now: Date) throws -> Bool {
        let claimed = try execute("""
            UPDATE apprenticeship_reminder SET sent_at = \(CoachingRows.seconds(now)) WHERE id = \(reminder.id) AND sent_at IS NULL
            """)
        guard claimed > 0 else { return false }
        guard let apprenticeship = try apprenticeship(reminder.apprenticeshipID), let starts = apprenticeship.startsAt,
              let ends = apprenticeship.endsAt else { return true }
        switch reminder.kind {
        case .checkIn:
            // After a long stop the next check-in is the coming week's, not a backlog of past weeks.
            let start = CoachingRows.seconds(starts)
            let elapsedWeeks = Int((CoachingRows.seconds(now) - start) / CoachingRows.week)
            let week = max(reminder.week + 1, elapsedWeeks + 1)
            try scheduleCheckIn(of: apprenticeship.id, week: week, due: start + Int64(week) * CoachingRows.week, endsAt: CoachingRows.seconds(ends))
        case .rating:
            try closeApprenticeship(apprenticeship.id, as: .finished, now: now)
        }
        return true
    }

    /// A side's answer to a week's check-in; answering again changes it. Returns the report's id.
    @discardableResult
    public func reportMeeting(_ apprenticeshipID: Int64, week: Int, side: ApprenticeshipSide, met: Bool, now: Date) throws -> Int64 {
        try upsertedReportID(try one("""
            INSERT INTO apprenticeship_report (apprenticeship_id, kind, week, side, met, reported_at)
            VALUES (\(apprenticeshipID), 'checkin', \(week), \(side.rawValue), \(met), \(CoachingRows.seconds(now)))
            ON CONFLICT (apprenticeship_id, kind, week, side) DO UPDATE SET met = excluded.met, reported_at = excluded.reported_at
            RETURNING id
            """, as: Int64.self))
    }

    /// A side's closing rating (1-5); rating again changes it. Returns the report's id.
    @discardableResult
    public func rateApprenticeship(_ apprenticeshipID: Int64, side: ApprenticeshipSide, rating: Int, now: Date) throws -> Int64 {
        guard (1...5).contains(rating) else { throw CoachingRoleError("a rating is 1 to 5, not \(rating)") }
        return try upsertedReportID(try one("""
            INSERT INTO apprenticeship_report (apprenticeship_id, kind, week, side, rating, reported_at)
            VALUES (\(apprenticeshipID), 'rating', 0, \(side.rawValue), \(rating), \(CoachingRows.seconds(now)))
            ON CONFLICT (apprenticeship_id, kind, week, side) DO UPDATE SET rating = excluded.rating, reported_at = excluded.reported_at
            RETURNING id
            """, as: Int64.self))
    }

    /// Sets the topic (business management, production, …) of a report.
    public func setReportTopic(_ reportID: Int64, topic: String) throws {
        try execute("UPDATE apprenticeship_report SET topic = \(topic) WHERE id = \(reportID)")
    }

    /// Sets the note or comment of a report.
    public func setReportNote(_ reportID: Int64, note: String) throws {
        try execute("UPDATE apprenticeship_report SET note = \(note) WHERE id = \(reportID)")
    }

    /// The apprenticeship and side a report belongs to.
    public func reportOwner(_ reportID: Int64) throws -> (apprenticeshipID: Int64, side: ApprenticeshipSide)? {
        try one("SELECT apprenticeship_id, side FROM apprenticeship_report WHERE id = \(reportID)", as: (Int64, String).self)
            .map { ($0.0, ApprenticeshipSide(rawValue: $0.1) ?? .beginner) }
    }

    /// Counts for staff: apprenticeships by status, meetings reported, the average closing rating.
    ///
    /// The average is the float sum over the count, as SQLite's `avg` computes it, not PostgreSQL's
    /// numeric `avg`, whose rounding could differ in the last digit.
    public func apprenticeshipTotals() throws -> ApprenticeshipTotals {
        var totals = ApprenticeshipTotals()
        for (status, count) in try all("SELECT status, count(*) FROM apprenticeship GROUP BY status", as: (String, Int).self) {
            switch ApprenticeshipStatus(rawValue: status) {
            case .proposed: totals.proposed = count
            case .active: totals.active = count
            case .finished: totals.finished = count
            case .cancelled: totals.cancelled = count
            case nil: break
            }
        }
        totals.meetingsReported = try one("SELECT count(*) FROM apprenticeship_report WHERE kind = 'checkin' AND met", as: Int.self) ?? 0
        if let (average, ratings) = try one("""
            SELECT sum(rating)::float8 / count(rating), count(rating) FROM apprenticeship_report WHERE kind = 'rating'
            """, as: (Double?, Int).self) {
            totals.averageRating = average
            totals.ratings = ratings
        }
        return totals
    }

    /// The id an upsert of a report returned; an upsert always returns its row.
    private func upsertedReportID(_ id: Int64?) throws -> Int64 {
        guard let id else { throw CoachingRoleError("the report could not be stored") }
        return id
    }
}
