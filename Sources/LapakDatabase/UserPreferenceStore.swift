import Foundation
import GRDB

/// Per-user choices that must survive restarts, such as the reply language.
public struct UserPreferenceStore: Sendable {
    private let database: AppDatabase

    public init(database: AppDatabase) { self.database = database }

    /// The language code the user chose, or nil when they never chose.
    public func language(of userID: Int64) async throws -> String? {
        try await database.writer.read { db in
            try String.fetchOne(db, sql: "SELECT language FROM user_preference WHERE user_id = ?", arguments: [userID])
        }
    }

    /// Stores the user's language and marks `updateID` handled in the same transaction.
    ///
    /// Why together: if the process dies after the commit, the redelivered update is recognised as
    /// handled; if it dies before, neither happened and the update is simply handled again.
    public func setLanguage(_ language: String, of userID: Int64, handling updateID: Int64?) async throws {
        let now = Int64(Date().timeIntervalSince1970)
        try await database.writer.write { db in
            try db.execute(
                sql: """
                    INSERT INTO user_preference (user_id, language, updated_at) VALUES (?, ?, ?)
                    ON CONFLICT(user_id) DO UPDATE SET language = excluded.language, updated_at = excluded.updated_at
                    """,
                arguments: [userID, language, now])
            if let updateID { try SQLiteUpdateInbox.markHandled(updateID, at: now, in: db) }
        }
    }
}
