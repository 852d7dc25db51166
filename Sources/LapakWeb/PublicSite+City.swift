import CompressNIO
import Foundation
import GRDB
import Hummingbird
import LapakDatabase
import LapakRegistry
import Logging
import NIOCore
import Synchronization
import TelegramBotAPI

/// The whole city as one GeoJSON document (`/api/kota.geojson`), made once per change of the registry.
///
/// Every public business in one file is what a newsroom, a QGIS user or an offline map wants; made for
/// each request it would cost tens of milliseconds of CPU. A fingerprint of the tables (a few cheap
/// aggregate reads) tells whether the cached document still holds: a check-in, a verification, a halal
/// mark or a suspension changes it, and the next request makes it anew.
final class CityDocument: Sendable {
    struct Made: Sendable {
        var fingerprint: [Int64]
        var base: String
        var plain: [UInt8]
        var gzip: ByteBuffer
        var lastModified: Date
        /// Hashed once when made: hashing 7 MB for every request would cost more than sending it.
        var etag: String
    }

    let made = Mutex<Made?>(nil)
}

extension PublicSite {
    /// What changes when anything public changes: row counts and the newest change times of the tables.
    func cityFingerprint(now: Date) throws -> [Int64] {
        try registry.database.writer.read { db in
            let row = try Row.fetchOne(db, sql: """
                SELECT (SELECT max(updated_at) FROM business), (SELECT count(*) FROM business WHERE status = 'active'),
                       (SELECT max(updated_at) FROM checkin), (SELECT count(*) FROM checkin),
                       (SELECT count(*) FROM place WHERE expires_at IS NULL OR expires_at > ?)
                """, arguments: [Int64(now.timeIntervalSince1970)])
            return (0..<5).map { (row?[$0] as Int64?) ?? 0 }
        }
    }

    /// `/api/kota.geojson`: every public business, RFC 7946, gzipped once and served from memory until the registry changes.
    func cityGeoJSON(_ request: Request) -> Response {
        let base = baseURL(request)
        let now = now()
        do {
            let fingerprint = try cityFingerprint(now: now)
            let cached = city.made.withLock { made in made.flatMap { $0.fingerprint == fingerprint && $0.base == base ? $0 : nil } }
            let document: CityDocument.Made
            if let cached {
                document = cached
            } else {
                let page = try registry.directory(DirectoryQuery(limit: 1_000_000), at: now)
                let plain = JSONValue.object([
                    "type": "FeatureCollection", "features": .array(page.entries.map { feature($0, base: base) }),
                    "numberMatched": .int(Int64(page.total)), "numberReturned": .int(Int64(page.entries.count)),
                ]).serialized(realPrecision: 15, sortedKeys: true)
                var buffer = ByteBuffer(bytes: plain)
                let gzip = try buffer.compress(with: .gzip())
                document = CityDocument.Made(fingerprint: fingerprint, base: base, plain: plain, gzip: gzip,
                                             lastModified: page.entries.map(\.updatedAt).max() ?? now,
                                             etag: "\"" + String(SiteResponse.fnv1a(plain), radix: 16) + "\"")
                city.made.withLock { $0 = document }
            }
            return SiteResponse.make(document.plain, contentType: "application/geo+json", request: request, lastModified: document.lastModified,
                                     extra: [.accessControlAllowOrigin: "*"], precompressed: document.gzip, etag: document.etag)
        } catch {
            logger.error("The city's GeoJSON could not be made", metadata: ["error": "\(error)"])
            return apiError(request, status: .internalServerError, message: "internal error")
        }
    }
}
