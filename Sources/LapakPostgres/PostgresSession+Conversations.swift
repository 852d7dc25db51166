import Foundation
import LapakDatabase
import PostgresNIO

extension PostgresSession: DialogStore {
    public func state(of userID: Int64, inChat chatID: Int64) throws -> String? {
        if let prefetched = prefetchedDialog, prefetched.user == userID, prefetched.chat == chatID { return prefetched.state }
        return try one("SELECT state FROM dialog WHERE user_id = \(userID) AND chat_id = \(chatID)")
    }

    public func setState(_ state: String?, of userID: Int64, inChat chatID: Int64, now: Date) throws {
        if let prefetched = prefetchedDialog, prefetched.user == userID, prefetched.chat == chatID { prefetchedDialog = nil }
        if let state {
            try execute("""
                INSERT INTO dialog (user_id, chat_id, state, updated_at) VALUES (\(userID), \(chatID), \(state), \(Int64(now.timeIntervalSince1970)))
                ON CONFLICT (user_id, chat_id) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at
                """)
        } else {
            try execute("DELETE FROM dialog WHERE user_id = \(userID) AND chat_id = \(chatID)")
        }
    }

    public func rememberLocation(of userID: Int64, latitude: Double, longitude: Double, now: Date, window: TimeInterval) throws {
        let timestamp = Int64(now.timeIntervalSince1970)
        // One statement, one round trip. The expired rows exclude this user's, which the upsert overwrites:
        // one statement must not both delete and update a row.
        try execute("""
            WITH expired AS (DELETE FROM user_location WHERE recorded_at < \(timestamp - Int64(window)) AND user_id <> \(userID))
            INSERT INTO user_location (user_id, latitude, longitude, recorded_at) VALUES (\(userID), \(latitude), \(longitude), \(timestamp))
            ON CONFLICT (user_id) DO UPDATE SET latitude = excluded.latitude, longitude = excluded.longitude, recorded_at = excluded.recorded_at
            """)
    }

    public func recentLocation(of userID: Int64, now: Date, window: TimeInterval) throws -> (latitude: Double, longitude: Double)? {
        let since = Int64(now.timeIntervalSince1970) - Int64(window)
        return try one("SELECT latitude, longitude FROM user_location WHERE user_id = \(userID) AND recorded_at >= \(since)",
                       as: (Double, Double).self).map { (latitude: $0.0, longitude: $0.1) }
    }

    public func lastLocation(of userID: Int64) throws -> (latitude: Double, longitude: Double, recordedAt: Date)? {
        try one("SELECT latitude, longitude, recorded_at FROM user_location WHERE user_id = \(userID)", as: (Double, Double, Int64).self)
            .map { (latitude: $0.0, longitude: $0.1, recordedAt: Date(timeIntervalSince1970: TimeInterval($0.2))) }
    }

    public func saveSearch(_ session: ConversationStore.SearchSession, keep: TimeInterval, handling updateID: Int64?) throws -> Int64 {
        let created = Int64(session.createdAt.timeIntervalSince1970)
        let ids = session.resultIDs.map(String.init).joined(separator: ",")
        // The expired sessions go in the same statement (one round trip); the new row is not among them.
        guard let id = try one("""
            WITH expired AS (DELETE FROM search_session WHERE created_at < \(created - Int64(keep)))
            INSERT INTO search_session (user_id, latitude, longitude, category, halal, page_offset, result_ids, created_at, names)
            VALUES (\(session.userID), \(session.latitude), \(session.longitude), \(session.category), \(session.halalOnly), \(session.offset),
                    \(ids), \(created), \(session.names))
            RETURNING id
            """, as: Int64.self) else { throw PostgresStoreError("INSERT INTO search_session returned no id") }
        try markHandled(updateID)
        return id
    }

    public func search(_ id: Int64, of userID: Int64, now: Date, maxAge: TimeInterval) throws -> ConversationStore.SearchSession? {
        let since = Int64(now.timeIntervalSince1970) - Int64(maxAge)
        guard let row = try rows("""
            SELECT id, user_id, latitude, longitude, category, halal, page_offset, result_ids, created_at, names
            FROM search_session WHERE id = \(id) AND user_id = \(userID) AND created_at >= \(since)
            """).first else { return nil }
        let (rowID, user, latitude, longitude, category, halal, offset, resultIDs, created, names)
            = try row.decode((Int64, Int64, Double, Double, String?, Bool, Int, String, Int64, String).self)
        return ConversationStore.SearchSession(
            id: rowID, userID: user, latitude: latitude, longitude: longitude, category: category, halalOnly: halal, offset: offset,
            resultIDs: resultIDs.split(separator: ",").compactMap { Int64($0) }, createdAt: Date(timeIntervalSince1970: TimeInterval(created)),
            names: names)
    }

    /// Marks `updateID` handled inside this transaction, as SQLite's stores do for the methods that take one.
    ///
    /// On PostgreSQL the chat sequencer marks every update it handles in the same transaction anyway (then
    /// this does nothing); this keeps the two stores' contracts the same for callers outside the sequencer.
    func markHandled(_ updateID: Int64?) throws {
        guard let updateID, updateID != markedUpdate else { return }
        try execute("UPDATE update_inbox SET handled_at = \(Int64(Date().timeIntervalSince1970)) WHERE update_id = \(updateID) AND handled_at IS NULL")
    }
}

extension PostgresSession: PreferenceStore {
    public func language(of userID: Int64) throws -> String? {
        guard let chatID = updateChat, !dialogPrefetched else {
            return try one("SELECT language FROM user_preference WHERE user_id = \(userID)", as: String?.self) ?? nil
        }
        // Routing reads the sender's language, then their dialog state in the update's chat: both at once.
        dialogPrefetched = true
        let (language, state) = try one("""
            SELECT (SELECT language FROM user_preference WHERE user_id = \(userID)),
                   (SELECT state FROM dialog WHERE user_id = \(userID) AND chat_id = \(chatID))
            """, as: (String?, String?).self) ?? (nil, nil)
        prefetchedDialog = (userID, chatID, state)
        return language
    }

    public func setLanguage(_ language: String, of userID: Int64, handling updateID: Int64?) throws {
        try execute("""
            INSERT INTO user_preference (user_id, language, updated_at) VALUES (\(userID), \(language), \(Int64(Date().timeIntervalSince1970)))
            ON CONFLICT (user_id) DO UPDATE SET language = excluded.language, updated_at = excluded.updated_at
            """)
        try markHandled(updateID)
    }
}
