import Foundation
import GRDB
import LapakDatabase

/// What the agency's public website reads of the registry: the directory, one business, the figures of
/// `/statistik`, and the version its caches are kept under.
///
/// Two stores answer it alike: `Registry` from SQLite on one machine, and the PostgreSQL directory that
/// workers sharing one database serve the site from. The methods are synchronous, like the rest of the
/// stores, and may block on I/O: the site calls them on threads of its own (`SiteWorkers`), never on an
/// event loop or Swift's cooperative pool. Only active businesses are public; the owner's Telegram id
/// never leaves through it.
public protocol PublicDirectory: Sendable {
    /// The category taxonomy the registry files businesses under.
    var taxonomy: CategoryTaxonomy { get }
    /// The active businesses matching `query` at `now`: by name without ASCII case (then row id), or nearest
    /// first from the query's origin (placed ones first, then row id); with how many match in all.
    func directory(_ query: DirectoryQuery, at now: Date) throws -> DirectoryPage
    /// One public business by its registry id; nil when unknown, suspended or deleted.
    func publicBusiness(registryID: String, at now: Date) throws -> DirectoryEntry?
    /// The registry's version and the end of the next check-in after `now`, read together.
    func freshness(at now: Date) throws -> Registry.Freshness
    /// The registry's version: different after any committed change of a business, a place or a check-in.
    /// Asked on every request, so it must stay one cheap read.
    func version() throws -> Int64
    /// Businesses per kind and kelurahan, vendors selling now, halal certificates (`/statistik`).
    func publicFigures(at now: Date) throws -> PublicFigures
    /// Runs `body` with the store's name index in one read, for understanding what was typed in the search
    /// box and finding the businesses it names (`IntentMatcher.registeredNames`, `businessIDs(matching:)`).
    func readNames<T>(_ body: (any BusinessNameIndex) throws -> T) throws -> T
}

extension Registry: PublicDirectory {
    /// Runs `body` with a session of one SQLite read: each read through GRDB costs tens of microseconds.
    public func readNames<T>(_ body: (any BusinessNameIndex) throws -> T) throws -> T {
        try database.writer.read { db in try body(session(db)) }
    }
}

// The figures made by either store (the directory's values have public initialisers of their own).

extension PublicFigures {
    /// The figures as counted; `businesses` is the sum of `perCategory`.
    public init(perCategory: [(slug: String, count: Int)], perKelurahan: [(name: String, count: Int)], sellingToday: Int,
                halalCertified: Int) {
        self.perCategory = perCategory
        self.perKelurahan = perKelurahan
        businesses = perCategory.reduce(0) { $0 + $1.count }
        self.sellingToday = sellingToday
        self.halalCertified = halalCertified
    }
}
