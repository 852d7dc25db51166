import Foundation
import GRDB
import LapakDatabase

/// Business names to look for: any of the alternatives, each a list of terms that must all occur in the name.
///
/// A term is a substring of three letters or more ("fotokopi", "servis ac"); the trigram index cannot look
/// up anything shorter, so shorter terms are left out rather than matching every name.
public struct NameQuery: Sendable, Hashable {
    /// Alternatives (any matches), each of terms (all must occur).
    public var alternatives: [[String]]

    /// A query of `alternatives`, keeping only terms long enough to look up.
    public init(_ alternatives: [[String]] = []) {
        self.alternatives = alternatives
            .map { terms in terms.map { $0.lowercased().trimmingCharacters(in: .whitespaces) }.filter { $0.count >= 3 } }
            .filter { !$0.isEmpty }
    }

    /// The first alternative as people would write it ("Fotokopi", "Bakso Mas Joko"), for headers.
    public var display: String {
        (alternatives.first ?? []).joined(separator: " ").capitalized
    }

    /// Whether there is nothing to look for.
    public var isEmpty: Bool { alternatives.isEmpty }

    /// One line per alternative, terms separated by tabs (normalised words hold neither), for a search session.
    public var encoded: String {
        alternatives.map { $0.joined(separator: "\t") }.joined(separator: "\n")
    }

    /// The query `encoded` was made from.
    public init(encoded: String) {
        self.init(encoded.split(separator: "\n").map { $0.split(separator: "\t").map(String.init) })
    }

    /// The FTS5 expression: each term a quoted string, terms joined by AND, alternatives by OR.
    var matchExpression: String {
        alternatives.map { terms in
            "(" + terms.map { "\"" + $0.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }.joined(separator: " AND ") + ")"
        }.joined(separator: " OR ")
    }
}

extension Registry {
    /// The ids of the businesses whose names match `names` (the condition `directory` puts on names), from
    /// the same FTS5 index; empty for an empty query.
    public func businessIDs(matching names: NameQuery) throws -> Set<Int64> {
        guard !names.isEmpty else { return [] }
        return try database.writer.read { db in try session(db).businessIDs(matching: names) }
    }

    /// How many name matches a search considers. Every match is measured, so that the nearest are never left
    /// out ("Mas Joko" is on some 640 of the 16,000 sample names); a word on more names than this is a kind,
    /// not a name, and bounding it keeps one query from reading a national registry's worth of places.
    static let nameMatchLimit = 5_000

    /// The businesses whose names match, nearest first, then the rest of the kind (nearest first), paged.
    static func namesThenKind(_ query: NearestQuery, now: Date, in db: Database) throws -> [SearchResult] {
        guard query.limit > 0, query.offset >= 0 else { return [] }
        let page = try query.namesThenKind(named: try namedHits(query, now: now, in: db), id: \.id) { kind in
            try nearest(kind, now: now, in: db).map { ($0.business.id, $0.position, $0.distance) }
        }
        return try results(for: page, in: db)
    }

    /// Every searchable business whose name matches, within the maximum distance, nearest first.
    ///
    /// The FTS index finds the names; their places give the exact distance. A check-in that has ended, or
    /// a shop closed today, is not found, as in the nearest search.
    static func namedHits(_ query: NearestQuery, now: Date, in db: Database) throws -> [(id: Int64, position: GeoPoint, distance: Double)] {
        let statement = try db.cachedStatement(sql: """
            SELECT p.business_id, p.latitude, p.longitude FROM business_name n
            JOIN place p ON p.business_id = n.rowid JOIN business b ON b.id = n.rowid
            WHERE business_name MATCH ? AND (p.expires_at IS NULL OR p.expires_at > ?) AND (p.opens_at IS NULL OR p.opens_at <= ?)
                AND (b.halal = 1 OR ? = 0)
            LIMIT ?
            """)
        let nowSeconds = Int64(now.timeIntervalSince1970)
        var hits: [(id: Int64, position: GeoPoint, distance: Double)] = []
        try statement.forEachRow(arguments: [query.names.matchExpression, nowSeconds, nowSeconds, query.halalOnly, nameMatchLimit]) { row in
            let position = GeoPoint(latitude: row.double(1), longitude: row.double(2))
            let distance = query.origin.distance(to: position)
            if distance <= query.maxDistance { hits.append((row.int64(0), position, distance)) }
            return true
        }
        hits.sort { $0.distance != $1.distance ? $0.distance < $1.distance : $0.id < $1.id }
        return hits
    }
}

extension Registry.Session {
    /// The ids of the businesses whose names match `names`, in the caller's transaction (see `Registry.businessIDs`).
    public func businessIDs(matching names: NameQuery) throws -> Set<Int64> {
        guard !names.isEmpty else { return [] }
        return try Set(Int64.fetchCursor(db.cachedStatement(sql: "SELECT rowid FROM business_name WHERE business_name MATCH ?"),
                                         arguments: [names.matchExpression]))
    }

    /// Whether any business has a name that `names` matches (so that a message can be taken for a name).
    public func hasBusinessNamed(_ names: NameQuery) throws -> Bool {
        guard !names.isEmpty else { return false }
        return try Bool.fetchOne(db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM business_name WHERE business_name MATCH ?)"),
                                 arguments: [names.matchExpression]) ?? false
    }

    /// Names that share three-letter pieces with `term`, those sharing the most (and rarest) first: where a
    /// mistyped word ("jokko") finds the word it stands for ("Joko"). FTS5's bm25 rank orders them.
    public func namesSharingTrigrams(with term: String, limit: Int = 20) throws -> [String] {
        let letters = Array(term.lowercased())
        guard letters.count >= 3 else { return [] }
        let pieces = Set((0...(letters.count - 3)).map { String(letters[$0..<($0 + 3)]) }).filter { !$0.contains(" ") }
        guard !pieces.isEmpty else { return [] }
        let expression = pieces.sorted().map { "\"" + $0.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }.joined(separator: " OR ")
        return try String.fetchAll(db.cachedStatement(sql: "SELECT name FROM business_name WHERE business_name MATCH ? ORDER BY rank LIMIT ?"),
                                   arguments: [expression, limit])
    }
}

extension NearestQuery {
    /// The page of a search by names, for either store: the named hits (nearest first) first, then with a
    /// category the kind's nearest not already listed, as many as fill the page; `offset` and `limit` applied.
    ///
    /// - Parameter kindNearest: answers a plain nearest question (no names) of the store, nearest first.
    public func namesThenKind<Hit>(named: [Hit], id: (Hit) -> Int64, kindNearest: (NearestQuery) throws -> [Hit]) rethrows -> ArraySlice<Hit> {
        let needed = offset + limit
        var hits = Array(named.prefix(needed))
        if hits.count < needed, category != nil {
            // The kind's nearest, without the names already listed: enough of them to fill the page.
            let shown = Set(named.map(id))
            var kind = self
            kind.names = NameQuery()
            kind.offset = 0
            kind.limit = needed - hits.count + named.count
            hits += try kindNearest(kind).filter { !shown.contains(id($0)) }.prefix(needed - hits.count)
        }
        return hits.dropFirst(offset).prefix(limit)
    }
}
