import Foundation

/// Business names as a search box asks for them: whether a name is registered, names that look like a
/// mistyped word, and the businesses a name query matches.
///
/// The bot's search asks it inside an update's transaction (every `BusinessStore` is one), the public site
/// inside a read of its own; both stores answer from their trigram indexes (FTS5 on SQLite, pg_trgm on
/// PostgreSQL), so a word is understood alike wherever it is typed.
public protocol BusinessNameIndex {
    /// Whether any business has a name that `names` matches (so that a message can be taken for a name).
    func hasBusinessNamed(_ names: NameQuery) throws -> Bool
    /// Distinct business names sharing a trigram with `term`, for correcting a typo in a name (at most `limit`).
    func namesSharingTrigrams(with term: String, limit: Int) throws -> [String]
    /// The ids of the businesses whose names match `names` (the condition the directory puts on names); empty
    /// for an empty query.
    func businessIDs(matching names: NameQuery) throws -> Set<Int64>
}

extension BusinessNameIndex {
    /// Up to 20 distinct business names sharing a trigram with `term`.
    public func namesSharingTrigrams(with term: String) throws -> [String] {
        try namesSharingTrigrams(with: term, limit: 20)
    }
}
