import Foundation
import GRDB
import LapakDatabase

/// A reminder whose time has come: a weekly check-in question or the closing rating, for one side.
public struct DueReminder: Sendable, Hashable {
    /// What a reminder asks.
    public enum Kind: String, Sendable, Hashable {
        /// "Sudah bertemu minggu ini?"
        case checkIn = "checkin"
        /// A 1-5 rating and a comment at the end.
        case rating
    }

    public var id: Int64
    public var apprenticeshipID: Int64
    public var kind: Kind
    /// The week of a check-in (1, 2, …); 0 for the rating.
    public var week: Int
    public var side: ApprenticeshipSide
    public var dueAt: Date

    /// A reminder as stored (the PostgreSQL store builds these too).
    public init(id: Int64, apprenticeshipID: Int64, kind: Kind, week: Int, side: ApprenticeshipSide, dueAt: Date) {
        self.id = id
        self.apprenticeshipID = apprenticeshipID
        self.kind = kind
        self.week = week
        self.side = side
        self.dueAt = dueAt
    }
}

/// What the staff's overview counts of the apprenticeships.
public struct ApprenticeshipTotals: Sendable, Hashable {
    public var proposed = 0
    public var active = 0
    public var finished = 0
    public var cancelled = 0
    /// Weekly check-ins answered "yes, we met".
    public var meetingsReported = 0
    /// The average of the closing ratings, nil before the first.
    public var averageRating: Double?
    public var ratings = 0

    public init() {}
}

extension Registry.Session {
    /// Reminders due at `now` and not yet sent, oldest first.
    public func dueReminders(now: Date, limit: Int = 100) throws -> [DueReminder] {
        try Row.fetchAll(db.cachedStatement(sql: """
            SELECT id, apprenticeship_id, kind, week, side, due_at FROM apprenticeship_reminder
            WHERE sent_at IS NULL AND due_at <= ? ORDER BY due_at, id LIMIT ?
            """), arguments: [Int64(now.timeIntervalSince1970), limit]).map { row in
            DueReminder(id: row[0], apprenticeshipID: row[1], kind: DueReminder.Kind(rawValue: row[2]) ?? .checkIn, week: row[3],
                        side: ApprenticeshipSide(rawValue: row[4]) ?? .beginner, dueAt: Date(timeIntervalSince1970: TimeInterval(row[5] as Int64)))
        }
    }

    /// When the next unsent reminder falls due, if any (so the scheduler can sleep until then).
    public func nextReminderDue() throws -> Date? {
        try Int64.fetchOne(db.cachedStatement(sql: "SELECT min(due_at) FROM apprenticeship_reminder WHERE sent_at IS NULL"))
            .map { Date(timeIntervalSince1970: TimeInterval($0)) }
    }

    /// Claims a due reminder: marks it sent (false when it already was) and schedules what follows it —
    /// next week's check-in, or, for the rating, the apprenticeship becomes finished. Call it in the same
    /// transaction that writes the reminder's message to the reply outbox, so it can go only once.
    public func claimReminder(_ reminder: DueReminder, now: Date) throws -> Bool {
        try db.cachedStatement(sql: "UPDATE apprenticeship_reminder SET sent_at = ? WHERE id = ? AND sent_at IS NULL")
            .execute(arguments: [Int64(now.timeIntervalSince1970), reminder.id])
        guard db.changesCount > 0 else { return false }
        guard let apprenticeship = try apprenticeship(reminder.apprenticeshipID), let starts = apprenticeship.startsAt,
              let ends = apprenticeship.endsAt else { return true }
        switch reminder.kind {
        case .checkIn:
            // After a long stop the next check-in is the coming week's, not a backlog of past weeks.
            let start = Int64(starts.timeIntervalSince1970)
            let elapsedWeeks = Int((Int64(now.timeIntervalSince1970) - start) / Self.week)
            let week = max(reminder.week + 1, elapsedWeeks + 1)
            try scheduleCheckIn(of: apprenticeship.id, week: week, due: start + Int64(week) * Self.week, endsAt: Int64(ends.timeIntervalSince1970))
        case .rating:
            try closeApprenticeship(apprenticeship.id, as: .finished, now: now)
        }
        return true
    }

    /// A side's answer to a week's check-in; answering again changes it. Returns the report's id.
    @discardableResult
    public func reportMeeting(_ apprenticeshipID: Int64, week: Int, side: ApprenticeshipSide, met: Bool, now: Date) throws -> Int64 {
        try db.cachedStatement(sql: """
            INSERT INTO apprenticeship_report (apprenticeship_id, kind, week, side, met, reported_at) VALUES (?, 'checkin', ?, ?, ?, ?)
            ON CONFLICT (apprenticeship_id, kind, week, side) DO UPDATE SET met = excluded.met, reported_at = excluded.reported_at
            """).execute(arguments: [apprenticeshipID, week, side.rawValue, met, Int64(now.timeIntervalSince1970)])
        return try reportID(apprenticeshipID, kind: "checkin", week: week, side: side)
    }

    /// A side's closing rating (1-5); rating again changes it. Returns the report's id.
    @discardableResult
    public func rateApprenticeship(_ apprenticeshipID: Int64, side: ApprenticeshipSide, rating: Int, now: Date) throws -> Int64 {
        guard (1...5).contains(rating) else { throw CoachingRoleError("a rating is 1 to 5, not \(rating)") }
        try db.cachedStatement(sql: """
            INSERT INTO apprenticeship_report (apprenticeship_id, kind, week, side, rating, reported_at) VALUES (?, 'rating', 0, ?, ?, ?)
            ON CONFLICT (apprenticeship_id, kind, week, side) DO UPDATE SET rating = excluded.rating, reported_at = excluded.reported_at
            """).execute(arguments: [apprenticeshipID, side.rawValue, rating, Int64(now.timeIntervalSince1970)])
        return try reportID(apprenticeshipID, kind: "rating", week: 0, side: side)
    }

    /// Sets the topic (business management, production, …) of a report.
    public func setReportTopic(_ reportID: Int64, topic: String) throws {
        try db.cachedStatement(sql: "UPDATE apprenticeship_report SET topic = ? WHERE id = ?").execute(arguments: [topic, reportID])
    }

    /// Sets the note or comment of a report.
    public func setReportNote(_ reportID: Int64, note: String) throws {
        try db.cachedStatement(sql: "UPDATE apprenticeship_report SET note = ? WHERE id = ?").execute(arguments: [note, reportID])
    }

    /// The apprenticeship and side a report belongs to.
    public func reportOwner(_ reportID: Int64) throws -> (apprenticeshipID: Int64, side: ApprenticeshipSide)? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT apprenticeship_id, side FROM apprenticeship_report WHERE id = ?"), arguments: [reportID])
            .map { ($0[0], ApprenticeshipSide(rawValue: $0[1]) ?? .beginner) }
    }

    /// Counts for staff: apprenticeships by status, meetings reported, the average closing rating.
    public func apprenticeshipTotals() throws -> ApprenticeshipTotals {
        var totals = ApprenticeshipTotals()
        for row in try Row.fetchAll(db, sql: "SELECT status, count(*) FROM apprenticeship GROUP BY status") {
            let count: Int = row[1]
            switch ApprenticeshipStatus(rawValue: row[0]) {
            case .proposed: totals.proposed = count
            case .active: totals.active = count
            case .finished: totals.finished = count
            case .cancelled: totals.cancelled = count
            case nil: break
            }
        }
        totals.meetingsReported = try Int.fetchOne(db, sql: "SELECT count(*) FROM apprenticeship_report WHERE kind = 'checkin' AND met = 1") ?? 0
        if let row = try Row.fetchOne(db, sql: "SELECT avg(rating), count(rating) FROM apprenticeship_report WHERE kind = 'rating'") {
            totals.averageRating = row[0]
            totals.ratings = row[1]
        }
        return totals
    }

    private func reportID(_ apprenticeshipID: Int64, kind: String, week: Int, side: ApprenticeshipSide) throws -> Int64 {
        try Int64.fetchOne(db.cachedStatement(sql: """
            SELECT id FROM apprenticeship_report WHERE apprenticeship_id = ? AND kind = ? AND week = ? AND side = ?
            """), arguments: [apprenticeshipID, kind, week, side.rawValue])!
    }
}
