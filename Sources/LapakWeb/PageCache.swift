import Foundation
import LapakRegistry
import NIOCore
import Synchronization

/// Finished directory pages, kept while the registry stays the same.
///
/// A search page costs milliseconds of CPU to make (understanding the words, the name search, the query,
/// Mustache, gzip) and only changes when the registry does: a new business, an edit, a check-in, or the end
/// of a check-in. Pages are kept under the registry's version (`AppDatabase.registryVersion`, one point read
/// per request) until the next check-in ends, and all are dropped the moment either moves. The key is
/// everything else a page depends on: the query string, the language and the site's address.
final class PageCache: Sendable {
    /// A page as sent: its bytes, gzipped once, and its ETag hashed once.
    struct Page: Sendable {
        var body: [UInt8]
        var gzip: ByteBuffer?
        var etag: String
    }

    private struct State {
        var version: Int64 = -1
        var validUntil = Date.distantPast
        var pages: [String: Page] = [:]
    }

    /// Pages kept at most; past it the cache starts over (a few MB: a page is about 20 KB plus its gzip).
    static let capacity = 256

    private let state = Mutex(State())

    /// The page kept for `key`, if it was made at `version` and no check-in has ended since.
    func page(_ key: String, version: Int64, now: Date) -> Page? {
        state.withLock { state in
            guard state.version == version, now < state.validUntil else { return nil }
            return state.pages[key]
        }
    }

    /// Keeps `page`, made from the registry as it was at `freshness` (read before the page's data).
    func store(_ page: Page, key: String, freshness: Registry.Freshness, now: Date) {
        state.withLock { state in
            if state.version != freshness.version || now >= state.validUntil || state.pages.count >= Self.capacity {
                state = State(version: freshness.version, validUntil: freshness.nextExpiry ?? .distantFuture)
            }
            state.pages[key] = page
        }
    }
}
