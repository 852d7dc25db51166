import Foundation
import GRDB
import LapakDatabase

/// The registry's public figures: what `/statistik` draws.
public struct PublicFigures: Sendable, Hashable {
    /// Active businesses per category slug, most first.
    public var perCategory: [(slug: String, count: Int)]
    /// Active businesses per kelurahan, most first (an empty name is a business without one).
    public var perKelurahan: [(name: String, count: Int)]
    /// Active businesses in all.
    public var businesses: Int
    /// Mobile vendors checked in and selling now.
    public var sellingToday: Int
    /// Active businesses with a confirmed halal certificate.
    public var halalCertified: Int

    public static func == (a: PublicFigures, b: PublicFigures) -> Bool {
        a.perCategory.map(\.slug) == b.perCategory.map(\.slug) && a.perCategory.map(\.count) == b.perCategory.map(\.count)
            && a.perKelurahan.map(\.name) == b.perKelurahan.map(\.name) && a.perKelurahan.map(\.count) == b.perKelurahan.map(\.count)
            && a.businesses == b.businesses && a.sellingToday == b.sellingToday && a.halalCertified == b.halalCertified
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(businesses)
        hasher.combine(sellingToday)
        hasher.combine(halalCertified)
    }
}

extension Registry {
    /// The public figures as they stand at `now` (suspended and deleted businesses are not counted).
    public func publicFigures(at now: Date = Date()) throws -> PublicFigures {
        try database.writer.read { db in
            let nowSeconds = Int64(now.timeIntervalSince1970)
            let perCategory = try Row.fetchAll(db, sql: """
                SELECT category, count(*) AS n FROM business WHERE status = 'active' GROUP BY category ORDER BY n DESC, category
                """).map { (slug: $0["category"] as String, count: $0["n"] as Int) }
            let perKelurahan = try Row.fetchAll(db, sql: """
                SELECT kelurahan, count(*) AS n FROM business WHERE status = 'active' GROUP BY kelurahan ORDER BY n DESC, kelurahan
                """).map { (name: $0["kelurahan"] as String, count: $0["n"] as Int) }
            let selling = try Int.fetchOne(db, sql: """
                SELECT count(*) FROM place WHERE checkin_id IS NOT NULL AND (expires_at IS NULL OR expires_at > ?)
                """, arguments: [nowSeconds]) ?? 0
            let halal = try Int.fetchOne(db, sql: "SELECT count(*) FROM business WHERE status = 'active' AND halal = 1") ?? 0
            return PublicFigures(perCategory: perCategory, perKelurahan: perKelurahan,
                                 businesses: perCategory.reduce(0) { $0 + $1.count }, sellingToday: selling, halalCertified: halal)
        }
    }
}
