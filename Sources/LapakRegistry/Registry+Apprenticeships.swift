import Foundation
import GRDB
import LapakDatabase

/// Where an apprenticeship (magang) stands: proposed → active → finished / cancelled.
public enum ApprenticeshipStatus: String, Sendable, Hashable, CaseIterable {
    case proposed, active, finished, cancelled
}

/// One side of an apprenticeship.
public enum ApprenticeshipSide: String, Sendable, Hashable, CaseIterable {
    case beginner, mentor
}

/// A beginner apprenticed to a senior business of the same kind.
public struct Apprenticeship: Sendable, Hashable {
    public var id: Int64
    public var beginnerID: Int64
    public var mentorID: Int64
    public var status: ApprenticeshipStatus
    public var beginnerAccepted: Bool
    public var mentorAccepted: Bool
    /// The @usernames seen when each side accepted (for the contacts), if they have one.
    public var beginnerUsername: String?
    public var mentorUsername: String?
    public var weeks: Int
    /// The staff member who proposed it.
    public var proposedBy: Int64
    public var createdAt: Date
    /// Set once both sides accepted.
    public var startsAt: Date?
    public var endsAt: Date?
    public var closedAt: Date?

    /// An apprenticeship as stored (the PostgreSQL store builds these too).
    public init(id: Int64, beginnerID: Int64, mentorID: Int64, status: ApprenticeshipStatus, beginnerAccepted: Bool, mentorAccepted: Bool,
                beginnerUsername: String?, mentorUsername: String?, weeks: Int, proposedBy: Int64, createdAt: Date, startsAt: Date?,
                endsAt: Date?, closedAt: Date?) {
        self.id = id
        self.beginnerID = beginnerID
        self.mentorID = mentorID
        self.status = status
        self.beginnerAccepted = beginnerAccepted
        self.mentorAccepted = mentorAccepted
        self.beginnerUsername = beginnerUsername
        self.mentorUsername = mentorUsername
        self.weeks = weeks
        self.proposedBy = proposedBy
        self.createdAt = createdAt
        self.startsAt = startsAt
        self.endsAt = endsAt
        self.closedAt = closedAt
    }

    /// The business on `side`.
    public func business(on side: ApprenticeshipSide) -> Int64 { side == .beginner ? beginnerID : mentorID }
}

/// What a consent press did.
public enum ConsentOutcome: Sendable, Hashable {
    /// This side accepted; the other has not yet.
    case waitingForOther(Apprenticeship)
    /// Both accepted: the apprenticeship is active and the contacts may be exchanged.
    case activated(Apprenticeship)
    /// This side declined: the apprenticeship is cancelled.
    case declined(Apprenticeship)
    /// The apprenticeship is no longer waiting for this answer (already answered, cancelled, active).
    case notPending
}

extension Registry.Session {
    /// Proposes apprenticing `beginnerID` to `mentorID` for `weeks` weeks; staff `staffID` asks. Throws
    /// `CoachingRoleError` when the beginner already has an open apprenticeship or the mentor has no room.
    public func proposeApprenticeship(beginner beginnerID: Int64, mentor mentorID: Int64, weeks: Int, by staffID: Int64,
                                      now: Date) throws -> Apprenticeship {
        guard beginnerID != mentorID else { throw CoachingRoleError("a business cannot be apprenticed to itself") }
        guard try openApprenticeship(ofBeginner: beginnerID) == nil else {
            throw CoachingRoleError("the beginner already has an apprenticeship in progress")
        }
        guard try mentorRoom(mentorID) > 0 else { throw CoachingRoleError("the senior has no room for another apprentice") }
        try db.cachedStatement(sql: """
            INSERT INTO apprenticeship (beginner_id, mentor_id, status, weeks, proposed_by, created_at) VALUES (?, ?, 'proposed', ?, ?, ?)
            """).execute(arguments: [beginnerID, mentorID, weeks, staffID, Int64(now.timeIntervalSince1970)])
        return try apprenticeship(db.lastInsertedRowID)!
    }

    /// How many more apprentices a mentor can take: its capacity minus proposed and active apprenticeships.
    public func mentorRoom(_ mentorID: Int64) throws -> Int {
        try Int.fetchOne(db.cachedStatement(sql: """
            SELECT c.capacity - (SELECT count(*) FROM apprenticeship a WHERE a.mentor_id = c.business_id AND a.status IN ('proposed', 'active'))
            FROM coaching_role c WHERE c.business_id = ? AND c.role = 'mentor'
            """), arguments: [mentorID]) ?? 0
    }

    /// The apprenticeship with this id.
    public func apprenticeship(_ id: Int64) throws -> Apprenticeship? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM apprenticeship WHERE id = ?"), arguments: [id]).map(Self.apprenticeship(from:))
    }

    /// The beginner's proposed or active apprenticeship, if any.
    public func openApprenticeship(ofBeginner id: Int64) throws -> Apprenticeship? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM apprenticeship WHERE beginner_id = ? AND status IN ('proposed', 'active')"),
                         arguments: [id]).map(Self.apprenticeship(from:))
    }

    /// The active apprenticeships in which `mentorID` coaches, oldest first (its apprentices).
    public func activeApprenticeships(ofMentor mentorID: Int64) throws -> [Apprenticeship] {
        try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM apprenticeship WHERE mentor_id = ? AND status = 'active' ORDER BY id"),
                         arguments: [mentorID]).map(Self.apprenticeship(from:))
    }

    /// Records one side's answer to a proposal. Accepting on both sides makes it active: it starts now,
    /// ends after its weeks, and the first weekly check-in and the closing rating are scheduled.
    public func answerApprenticeship(_ id: Int64, side: ApprenticeshipSide, accept: Bool, username: String?, now: Date) throws -> ConsentOutcome {
        guard let current = try apprenticeship(id), current.status == .proposed else { return .notPending }
        let already = side == .beginner ? current.beginnerAccepted : current.mentorAccepted
        guard !already else { return .notPending }
        let seconds = Int64(now.timeIntervalSince1970)
        guard accept else {
            try db.cachedStatement(sql: "UPDATE apprenticeship SET status = 'cancelled', closed_at = ? WHERE id = ? AND status = 'proposed'")
                .execute(arguments: [seconds, id])
            return .declined(try apprenticeship(id)!)
        }
        try db.execute(sql: "UPDATE apprenticeship SET \(side.rawValue)_accepted = 1, \(side.rawValue)_username = ? WHERE id = ?",
                       arguments: [username, id])
        let updated = try apprenticeship(id)!
        guard updated.beginnerAccepted && updated.mentorAccepted else { return .waitingForOther(updated) }
        let ends = seconds + Int64(updated.weeks) * Self.week
        try db.cachedStatement(sql: "UPDATE apprenticeship SET status = 'active', starts_at = ?, ends_at = ? WHERE id = ?")
            .execute(arguments: [seconds, ends, id])
        try scheduleCheckIn(of: id, week: 1, due: seconds + Self.week, endsAt: ends)
        for side in ApprenticeshipSide.allCases {
            try db.cachedStatement(sql: """
                INSERT OR IGNORE INTO apprenticeship_reminder (apprenticeship_id, kind, week, side, due_at) VALUES (?, 'rating', 0, ?, ?)
                """).execute(arguments: [id, side.rawValue, ends])
        }
        return .activated(try apprenticeship(id)!)
    }

    /// Staff end an apprenticeship early (cancelled) or an ended one is closed (finished). True when it changed.
    @discardableResult
    public func closeApprenticeship(_ id: Int64, as status: ApprenticeshipStatus, now: Date) throws -> Bool {
        precondition(status == .finished || status == .cancelled, "only finished or cancelled close an apprenticeship")
        try db.cachedStatement(sql: "UPDATE apprenticeship SET status = ?, closed_at = ? WHERE id = ? AND status IN ('proposed', 'active')")
            .execute(arguments: [status.rawValue, Int64(now.timeIntervalSince1970), id])
        guard db.changesCount > 0 else { return false }
        // Reminders not yet sent are dropped with it, so a cancelled one asks nothing more.
        if status == .cancelled {
            try db.cachedStatement(sql: "DELETE FROM apprenticeship_reminder WHERE apprenticeship_id = ? AND sent_at IS NULL").execute(arguments: [id])
        }
        return true
    }

    /// A week in seconds.
    static let week: Int64 = 7 * 24 * 3600

    /// The weekly check-in of both sides for `week`, unless it would fall after the end.
    func scheduleCheckIn(of id: Int64, week: Int, due: Int64, endsAt: Int64) throws {
        guard due < endsAt else { return }
        for side in ApprenticeshipSide.allCases {
            try db.cachedStatement(sql: """
                INSERT OR IGNORE INTO apprenticeship_reminder (apprenticeship_id, kind, week, side, due_at) VALUES (?, 'checkin', ?, ?, ?)
                """).execute(arguments: [id, week, side.rawValue, due])
        }
    }

    static func apprenticeship(from row: Row) -> Apprenticeship {
        func date(_ column: String) -> Date? { (row[column] as Int64?).map { Date(timeIntervalSince1970: TimeInterval($0)) } }
        return Apprenticeship(id: row["id"], beginnerID: row["beginner_id"], mentorID: row["mentor_id"],
                              status: ApprenticeshipStatus(rawValue: row["status"]) ?? .cancelled,
                              beginnerAccepted: row["beginner_accepted"], mentorAccepted: row["mentor_accepted"],
                              beginnerUsername: row["beginner_username"], mentorUsername: row["mentor_username"], weeks: row["weeks"],
                              proposedBy: row["proposed_by"], createdAt: date("created_at")!, startsAt: date("starts_at"),
                              endsAt: date("ends_at"), closedAt: date("closed_at"))
    }
}
