import Foundation

/// A user's conversation inside one update's transaction: the dialog step, the last shared location and
/// the search sessions behind result buttons.
///
/// Both stores implement it (`ConversationStore.Session` on SQLite, the PostgreSQL session); a handler sees
/// only this protocol, so its dialog changes commit with its replies on either store.
public protocol DialogStore {
    /// The dialog state of `userID` in `chatID`, if a dialog is open.
    func state(of userID: Int64, inChat chatID: Int64) throws -> String?
    /// Sets (or, with nil, ends) the dialog state of `userID` in `chatID`.
    func setState(_ state: String?, of userID: Int64, inChat chatID: Int64, now: Date) throws
    /// Remembers where the user is, and forgets locations older than `window`.
    func rememberLocation(of userID: Int64, latitude: Double, longitude: Double, now: Date, window: TimeInterval) throws
    /// The user's location if it was shared within `window`.
    func recentLocation(of userID: Int64, now: Date, window: TimeInterval) throws -> (latitude: Double, longitude: Double)?
    /// The user's last shared location however old, with when it was shared, so an answer can say why it is not used.
    func lastLocation(of userID: Int64) throws -> (latitude: Double, longitude: Double, recordedAt: Date)?
    /// Stores a search behind result buttons (sessions older than `keep` go); marks `updateID` handled too.
    func saveSearch(_ session: ConversationStore.SearchSession, keep: TimeInterval, handling updateID: Int64?) throws -> Int64
    /// The user's search `id` if it is younger than `maxAge`.
    func search(_ id: Int64, of userID: Int64, now: Date, maxAge: TimeInterval) throws -> ConversationStore.SearchSession?
}

/// Users' choices inside one update's transaction: the language a user picked.
public protocol PreferenceStore {
    /// The language code `userID` chose, if any.
    func language(of userID: Int64) throws -> String?
    /// Records the language `userID` chose; marks `updateID` handled too.
    func setLanguage(_ language: String, of userID: Int64, handling updateID: Int64?) throws
}

extension ConversationStore.Session: DialogStore {}
extension UserPreferenceStore.Session: PreferenceStore {}
