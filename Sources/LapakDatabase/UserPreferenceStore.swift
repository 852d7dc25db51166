import Foundation
import GRDB

/// Per-user choices that must survive restarts, such as the reply language.
public struct UserPreferenceStore: Sendable {
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

        /// A session on `db` (see `UserPreferenceStore.session(_:)`).
        public init(db: Database) { self.db = db }
    }

    /// The language code the user chose, or nil when they never chose.
    public func language(of userID: Int64) async throws -> String? {
        try await database.writer.read { try session($0).language(of: userID) }
    }

    /// Stores the user's language and marks `updateID` handled in the same transaction.
    ///
    /// Why together: if the process dies after the commit, the redelivered update is recognised as
    /// handled; if it dies before, neither happened and the update is simply handled again.
    public func setLanguage(_ language: String, of userID: Int64, handling updateID: Int64?) async throws {
        try await database.writer.write { try session($0).setLanguage(language, of: userID, handling: updateID) }
    }
}

extension UserPreferenceStore.Session {
    /// `language(of:)` inside the caller's transaction.
    public func language(of userID: Int64) throws -> String? {
        try String.fetchOne(db.cachedStatement(sql: "SELECT language FROM user_preference WHERE user_id = ?"), arguments: [userID])
    }

    /// `setLanguage(_:of:handling:)` inside the caller's transaction (marks `updateID` handled in it too).
    public func setLanguage(_ language: String, of userID: Int64, handling updateID: Int64?) throws {
        let now = Int64(Date().timeIntervalSince1970)
        try db.cachedStatement(sql: """
                INSERT INTO user_preference (user_id, language, updated_at) VALUES (?, ?, ?)
                ON CONFLICT(user_id) DO UPDATE SET language = excluded.language, updated_at = excluded.updated_at
                """).execute(arguments: [userID, language, now])
        if let updateID { try SQLiteUpdateInbox.markHandled(updateID, at: now, in: db) }
    }
}
