import Foundation
import GRDB

/// Per-user dialog state, remembered locations and shown searches: everything a restart must not forget.
public struct ConversationStore: Sendable {
    private let database: AppDatabase

    public init(database: AppDatabase) { self.database = database }

    /// The store bound to `db`, to run inside the caller's transaction.
    public func session(_ db: Database) -> Session { Session(db: db) }

    /// The store inside one transaction: synchronous mirrors of the async methods, on the caller's `Database`.
    ///
    /// Deliberately not Sendable: it lives only as long as the `write { db in … }` or `read { db in … }` closure
    /// that made it, so changes of several stores (and marking the update handled) commit together.
    public struct Session {
        /// The caller's connection, inside its transaction.
        public let db: Database

        /// A session on `db` (see `ConversationStore.session(_:)`).
        public init(db: Database) { self.db = db }
    }

    // MARK: - Dialog state

    /// The user's pending dialog state in `chatID` (JSON written by the bot), if any.
    public func state(of userID: Int64, inChat chatID: Int64) async throws -> String? {
        try await database.writer.read { try session($0).state(of: userID, inChat: chatID) }
    }

    /// Sets (or with nil clears) the user's dialog state in `chatID`.
    public func setState(_ state: String?, of userID: Int64, inChat chatID: Int64, now: Date = Date()) async throws {
        try await database.writer.write { try session($0).setState(state, of: userID, inChat: chatID, now: now) }
    }

    // MARK: - Remembered locations

    /// Remembers where the user is, and forgets every location older than `window` (privacy).
    public func rememberLocation(of userID: Int64, latitude: Double, longitude: Double, now: Date = Date(), window: TimeInterval) async throws {
        try await database.writer.write {
            try session($0).rememberLocation(of: userID, latitude: latitude, longitude: longitude, now: now, window: window)
        }
    }

    /// The user's location if shared within `window`.
    public func recentLocation(of userID: Int64, now: Date = Date(), window: TimeInterval) async throws -> (latitude: Double, longitude: Double)? {
        try await database.writer.read { try session($0).recentLocation(of: userID, now: now, window: window) }
    }

    /// Forgets every location older than `window`; returns how many were forgotten.
    @discardableResult
    public func forgetOldLocations(now: Date = Date(), window: TimeInterval) async throws -> Int {
        try await database.writer.write { try session($0).forgetOldLocations(now: now, window: window) }
    }

    // MARK: - Search sessions

    /// A search as shown to a user.
    public struct SearchSession: Sendable, Hashable {
        public var id: Int64
        public var userID: Int64
        public var latitude: Double
        public var longitude: Double
        public var category: String?
        public var halalOnly: Bool
        public var offset: Int
        /// The business ids on the page shown, in order (venue buttons refer to them by position).
        public var resultIDs: [Int64]
        public var createdAt: Date
        /// The names asked for, as `NameQuery.encoded` gives them; empty for a search by kind alone.
        public var names: String

        public init(id: Int64 = 0, userID: Int64, latitude: Double, longitude: Double, category: String?, halalOnly: Bool, offset: Int,
                    resultIDs: [Int64], createdAt: Date, names: String = "") {
            self.names = names
            self.id = id
            self.userID = userID
            self.latitude = latitude
            self.longitude = longitude
            self.category = category
            self.halalOnly = halalOnly
            self.offset = offset
            self.resultIDs = resultIDs
            self.createdAt = createdAt
        }
    }

    /// Stores a search shown to a user (and forgets sessions older than `keep`); returns its id.
    public func saveSearch(_ session: SearchSession, keep: TimeInterval, handling updateID: Int64?) async throws -> Int64 {
        try await database.writer.write { try self.session($0).saveSearch(session, keep: keep, handling: updateID) }
    }

    /// The search with this id, only if it belongs to `userID` (buttons can be forged) and is younger than `maxAge`.
    public func search(_ id: Int64, of userID: Int64, now: Date = Date(), maxAge: TimeInterval) async throws -> SearchSession? {
        try await database.writer.read { try session($0).search(id, of: userID, now: now, maxAge: maxAge) }
    }
}

extension ConversationStore.Session {
    /// `state(of:inChat:)` inside the caller's transaction.
    public func state(of userID: Int64, inChat chatID: Int64) throws -> String? {
        try String.fetchOne(db.cachedStatement(sql: "SELECT state FROM dialog WHERE user_id = ? AND chat_id = ?"), arguments: [userID, chatID])
    }

    /// `setState(_:of:inChat:now:)` inside the caller's transaction.
    public func setState(_ state: String?, of userID: Int64, inChat chatID: Int64, now: Date = Date()) throws {
        if let state {
            try db.cachedStatement(sql: """
                INSERT INTO dialog (user_id, chat_id, state, updated_at) VALUES (?, ?, ?, ?)
                ON CONFLICT(user_id, chat_id) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at
                """).execute(arguments: [userID, chatID, state, Int64(now.timeIntervalSince1970)])
        } else {
            try db.cachedStatement(sql: "DELETE FROM dialog WHERE user_id = ? AND chat_id = ?").execute(arguments: [userID, chatID])
        }
    }

    /// `rememberLocation(of:latitude:longitude:now:window:)` inside the caller's transaction.
    public func rememberLocation(of userID: Int64, latitude: Double, longitude: Double, now: Date = Date(), window: TimeInterval) throws {
        let timestamp = Int64(now.timeIntervalSince1970)
        try db.cachedStatement(sql: """
            INSERT INTO user_location (user_id, latitude, longitude, recorded_at) VALUES (?, ?, ?, ?)
            ON CONFLICT(user_id) DO UPDATE SET latitude = excluded.latitude, longitude = excluded.longitude, recorded_at = excluded.recorded_at
            """).execute(arguments: [userID, latitude, longitude, timestamp])
        try forgetOldLocations(now: now, window: window)
    }

    /// `recentLocation(of:now:window:)` inside the caller's transaction.
    public func recentLocation(of userID: Int64, now: Date = Date(), window: TimeInterval) throws -> (latitude: Double, longitude: Double)? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT latitude, longitude FROM user_location WHERE user_id = ? AND recorded_at >= ?"),
                         arguments: [userID, Int64(now.timeIntervalSince1970) - Int64(window)])
            .map { ($0["latitude"], $0["longitude"]) }
    }

    /// The user's last shared location however old, with when it was shared (not yet forgotten: the sweep runs
    /// on the next shared location and at start), so that an answer can say why it is not used.
    public func lastLocation(of userID: Int64) throws -> (latitude: Double, longitude: Double, recordedAt: Date)? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT latitude, longitude, recorded_at FROM user_location WHERE user_id = ?"), arguments: [userID])
            .map { ($0["latitude"], $0["longitude"], Date(timeIntervalSince1970: TimeInterval($0["recorded_at"] as Int64))) }
    }

    /// `forgetOldLocations(now:window:)` inside the caller's transaction.
    @discardableResult
    public func forgetOldLocations(now: Date = Date(), window: TimeInterval) throws -> Int {
        try db.cachedStatement(sql: "DELETE FROM user_location WHERE recorded_at < ?").execute(arguments: [Int64(now.timeIntervalSince1970) - Int64(window)])
        return db.changesCount
    }

    /// `saveSearch(_:keep:handling:)` inside the caller's transaction (marks `updateID` handled in it too).
    public func saveSearch(_ session: ConversationStore.SearchSession, keep: TimeInterval, handling updateID: Int64?) throws -> Int64 {
        let created = Int64(session.createdAt.timeIntervalSince1970)
        try db.cachedStatement(sql: "DELETE FROM search_session WHERE created_at < ?").execute(arguments: [created - Int64(keep)])
        try db.cachedStatement(sql: """
            INSERT INTO search_session (user_id, latitude, longitude, category, halal, page_offset, result_ids, created_at, names)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [session.userID, session.latitude, session.longitude, session.category, session.halalOnly, session.offset,
                             session.resultIDs.map(String.init).joined(separator: ","), created, session.names])
        let id = db.lastInsertedRowID
        if let updateID { try SQLiteUpdateInbox.markHandled(updateID, in: db) }
        return id
    }

    /// `search(_:of:now:maxAge:)` inside the caller's transaction.
    public func search(_ id: Int64, of userID: Int64, now: Date = Date(), maxAge: TimeInterval) throws -> ConversationStore.SearchSession? {
        guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM search_session WHERE id = ? AND user_id = ? AND created_at >= ?"),
                                         arguments: [id, userID, Int64(now.timeIntervalSince1970) - Int64(maxAge)]) else { return nil }
        let ids = (row["result_ids"] as String).split(separator: ",").compactMap { Int64($0) }
        return ConversationStore.SearchSession(
            id: row["id"], userID: row["user_id"], latitude: row["latitude"], longitude: row["longitude"],
            category: row["category"], halalOnly: row["halal"], offset: row["page_offset"], resultIDs: ids,
            createdAt: Date(timeIntervalSince1970: TimeInterval(row["created_at"] as Int64)), names: row["names"])
    }
}
