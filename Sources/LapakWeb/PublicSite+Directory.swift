import Foundation
import LapakDatabase
import LapakRegistry
import Logging
import Synchronization

/// Keeps the current `DirectorySnapshot` and makes the next one off the request path.
///
/// When the registry changes, requests are answered from SQLite (exact and live, as before the snapshot)
/// while one site thread makes the new snapshot; then they are answered from it again. A registry that
/// changes faster than snapshots are made (many live locations at once) is served from SQLite; a build
/// starts at least four times the last one's time after it, so builds never take more than a quarter of a core.
final class SnapshotStore: Sendable {
    private struct State {
        var current: DirectorySnapshot?
        var building = false
        /// When the last build started and how long it took: the next waits four times that.
        var lastStart: ContinuousClock.Instant?
        var lastDuration: Duration = .zero
    }

    private let state = Mutex(State())

    /// The snapshot made last, whether or not it still holds.
    var current: DirectorySnapshot? { state.withLock { $0.current } }

    /// Whether the caller may build now: none is being built and the last started long enough ago.
    func claim(now: ContinuousClock.Instant) -> Bool {
        state.withLock { state in
            guard !state.building else { return false }
            if let last = state.lastStart, now < last + max(.milliseconds(200), state.lastDuration * 4) { return false }
            state.building = true
            state.lastStart = now
            return true
        }
    }

    /// Ends the claimed build, keeping `snapshot` when there is one.
    func finish(_ snapshot: DirectorySnapshot?, took duration: Duration) {
        state.withLock { state in
            if let snapshot { state.current = snapshot }
            state.building = false
            state.lastDuration = duration
        }
    }
}

/// A page of the directory, from the snapshot (indices into it) or from SQLite.
enum DirectoryAnswer {
    case snapshot(DirectorySnapshot, page: [Int32], total: Int)
    case database(DirectoryPage)

    /// The entries of the page as `Registry.directory` returns them, and how many match in all.
    func page(for query: DirectoryQuery) -> (entries: [DirectoryEntry], total: Int) {
        switch self {
        case .database(let page): return (page.entries, page.total)
        case .snapshot(let snapshot, let indices, let total): return (indices.map { snapshot.entry($0, for: query) }, total)
        }
    }
}

extension PublicSite {
    /// The directory's answer to `query` at `now`: from the snapshot when it shows the registry at `version`,
    /// otherwise from SQLite, starting a new snapshot. `named` holds the ids of the businesses whose names match
    /// `query.names` (read with the query, see `DirectoryRequest.query`).
    func directory(_ query: DirectoryQuery, named: Set<Int64>, version: Int64?, now: Date) throws -> DirectoryAnswer {
        if let version, let snapshot = snapshots.current?.holding(version: version, now: now) {
            let (page, total) = snapshot.matches(query, named: named)
            return .snapshot(snapshot, page: page, total: total)
        }
        refreshSnapshot()
        return .database(try registry.directory(query, at: now))
    }

    /// Starts making a snapshot of the registry on a site thread, unless one is being made or was just made.
    func refreshSnapshot() {
        guard snapshots.claim(now: .now) else { return }
        let site = self
        workers.submit {
            let clock = ContinuousClock()
            let started = clock.now
            var made: DirectorySnapshot?
            do {
                made = try site.makeSnapshot(at: site.now())
            } catch {
                site.logger.error("The directory snapshot could not be made", metadata: ["error": "\(error)"])
            }
            let took = clock.now - started
            if let made {
                site.logger.debug("Made the directory snapshot", metadata: [
                    "businesses": "\(made.entries.count)", "version": "\(made.freshness.version)", "took": "\(took)"])
            }
            site.snapshots.finish(made, took: took)
        }
    }

    /// A snapshot of the whole public directory as it stands at `now`.
    func makeSnapshot(at now: Date) throws -> DirectorySnapshot {
        // Read before the data: a change in between leaves the snapshot under an older version, never a newer one.
        let freshness = try registry.freshness(at: now)
        let all = try registry.directory(DirectoryQuery(limit: Int(Int32.max)), at: now)
        return DirectorySnapshot(all, freshness: freshness, madeAt: now, taxonomy: registry.taxonomy)
    }
}
