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
/// each request it would cost tens of milliseconds of CPU. The registry's version (one point read) tells
/// whether the cached document still holds: a check-in, a verification, a halal mark or a suspension moves
/// it, and so does the end of the next check-in; the next request then makes it anew.
final class CityDocument: Sendable {
    struct Made: Sendable {
        var freshness: Registry.Freshness
        var base: String
        var plain: [UInt8]
        var gzip: ByteBuffer
        var lastModified: Date
        /// Hashed once when made: hashing 7 MB for every request would cost more than sending it.
        var etag: String

        /// Whether the document still shows the registry at `version` at time `now`.
        func holds(version: Int64, base: String, now: Date) -> Bool {
            freshness.version == version && self.base == base && freshness.nextExpiry.map { now < $0 } ?? true
        }
    }

    let made = Mutex<Made?>(nil)
}

extension PublicSite {
    /// `/api/kota.geojson`: every public business, RFC 7946, gzipped once and served from memory until the registry changes.
    func cityGeoJSON(_ request: Request) -> Response {
        let base = baseURL(request)
        let now = now()
        do {
            let version = try versions.version()
            let cached = city.made.withLock { made in made.flatMap { $0.holds(version: version, base: base, now: now) ? $0 : nil } }
            let document: CityDocument.Made
            if let cached {
                document = cached
            } else {
                // Read before the document's data: a change in between leaves it under an older version, never a newer one.
                let freshness = try registry.freshness(at: now)
                let page = try registry.directory(DirectoryQuery(limit: 1_000_000), at: now)
                var writer = GeoJSONWriter(features: page.entries.count)
                writer.collection(page.entries, total: page.total, next: nil, base: base, taxonomy: registry.taxonomy)
                let plain = writer.bytes
                var buffer = ByteBuffer(bytes: plain)
                let gzip = try buffer.compress(with: .gzip())
                document = CityDocument.Made(freshness: freshness, base: base, plain: plain, gzip: gzip,
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
