import Foundation
import LapakRegistry
import PostgresNIO

extension PostgresSession {
    /// Distinct business names sharing a trigram with `term`, those sharing the most first, for correcting a
    /// typo in a name (SQLite ranks its FTS5 trigram matches the same way, by how much of the term they share).
    public func namesSharingTrigrams(with term: String, limit: Int) throws -> [String] {
        let letters = Array(term.lowercased())
        guard letters.count >= 3 else { return [] }
        let pieces = Set((0...(letters.count - 3)).map { String(letters[$0..<($0 + 3)]) }).filter { !$0.contains(" ") }
        guard !pieces.isEmpty else { return [] }
        // LIKE's own characters are matched literally; the GIN trigram index on lower(name) serves the patterns.
        let patterns = pieces.sorted().map { piece in
            "%" + piece.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_") + "%"
        }
        return try all("""
            SELECT name FROM (
                SELECT b.name, (SELECT count(*) FROM unnest(\(patterns)::text[]) p WHERE lower(b.name) LIKE p) AS shared
                FROM business b WHERE lower(b.name) LIKE ANY(\(patterns)::text[])
            ) matches
            GROUP BY name ORDER BY max(shared) DESC, name LIMIT \(limit)
            """, as: String.self)
    }
}
