import Foundation
import LapakRegistry

/// The public directory in memory as it stood at one registry version: every public business in the
/// directory's order, its GeoJSON feature already written, and a grid over positions for boxes.
///
/// A bbox answer from SQLite cost about 1.3 ms of CPU (the R*Tree, the joins, decoding a hundred rows) and
/// the registry changes far less often than it is read. The snapshot is made from the very query the site
/// used (`Registry.directory` with no filter), so its entries, their order (name without case as SQLite's
/// NOCASE folds it, then id) and their features are that query's; `matches` applies the filters of
/// `Registry.directory` to them. It holds while `freshness` does: the same registry version, and no
/// check-in ended since it was made (`PublicSite.snapshotDirectory` checks both on every request).
final class DirectorySnapshot: Sendable {
    /// The registry version and next check-in expiry the snapshot was made at.
    let freshness: Registry.Freshness
    /// When it was made: positions of check-ins are those running then.
    let madeAt: Date
    /// Every public business, in the directory's order.
    let entries: [DirectoryEntry]
    /// Each entry's feature, cut around what a request changes.
    let features: [GeoJSONWriter.FeatureParts]
    /// What the filters read of each entry, in a plain array: no strings to retain while scanning.
    private let traits: [Traits]
    private let categoryCodes: [[UInt8]: Int32]
    private let kelurahanCodes: [[UInt8]: Int32]
    /// Entry index by business id, for name matches.
    private let indexOfID: [Int64: Int32]
    /// Each entry's `updatedAt`, read without copying the entry (and retaining its texts) for `Last-Modified`.
    private let updated: [Date]
    let grid: DirectoryGrid
    /// The result cards rendered from this snapshot so far (see `CardCache`).
    let cards = CardCache()

    private struct Traits {
        var category: Int32
        var kelurahan: Int32
        var mode: OperatingMode
        var halal: Bool
        var checkedIn: Bool
        var placed: Bool
        var latitude: Double
        var longitude: Double
        var id: Int64
    }

    /// A snapshot of `page` (the whole directory, as `Registry.directory` lists it), read at `freshness`.
    init(_ page: DirectoryPage, freshness: Registry.Freshness, madeAt: Date, taxonomy: CategoryTaxonomy) {
        self.freshness = freshness
        self.madeAt = madeAt
        entries = page.entries
        features = page.entries.map { GeoJSONWriter.FeatureParts($0, taxonomy: taxonomy) }
        var categories: [[UInt8]: Int32] = [:], kelurahans: [[UInt8]: Int32] = [:], ids: [Int64: Int32] = [:]
        var traits: [Traits] = []
        traits.reserveCapacity(entries.count)
        for (index, entry) in entries.enumerated() {
            let business = entry.business
            // SQL compares these columns byte for byte; Swift's `==` on strings would take canonically
            // equivalent spellings as equal, so the codes are keyed by the UTF-8 bytes.
            traits.append(Traits(
                category: Self.code(Array(business.category.utf8), in: &categories),
                kelurahan: Self.code(Array(business.kelurahan.utf8), in: &kelurahans),
                mode: business.mode, halal: business.halal,
                // A place with a check-in always has its check-in row (ON DELETE CASCADE), so lastSeen is set
                // exactly when the SQL's `p.checkin_id IS NOT NULL` holds.
                checkedIn: entry.lastSeen != nil, placed: entry.position != nil,
                latitude: entry.position?.latitude ?? 0, longitude: entry.position?.longitude ?? 0, id: business.id))
            ids[business.id] = Int32(index)
        }
        self.traits = traits
        categoryCodes = categories
        kelurahanCodes = kelurahans
        indexOfID = ids
        updated = entries.map(\.updatedAt)
        grid = DirectoryGrid(entries.map(\.position))
    }

    /// Whether the snapshot still shows the registry at `version` at time `now`.
    func holds(version: Int64, now: Date) -> Bool {
        freshness.version == version && now >= madeAt && freshness.nextExpiry.map { now < $0 } ?? true
    }

    /// The snapshot itself when it `holds(version:now:)`.
    func holding(version: Int64, now: Date) -> DirectorySnapshot? {
        holds(version: version, now: now) ? self : nil
    }

    /// The entries `query` asks for, as indices into `entries`, in the order `Registry.directory` lists them
    /// (by name, or nearest first from the query's origin), with the number matching in all.
    /// `named` holds the ids of businesses whose names match `query.names` (read from the FTS index).
    func matches(_ query: DirectoryQuery, named: Set<Int64>) -> (page: [Int32], total: Int) {
        let category = query.category.map { categoryCodes[Array($0.utf8)] ?? -1 }
        let kelurahan = query.kelurahan.map { kelurahanCodes[Array($0.utf8)] ?? -1 }
        let byName = !query.names.isEmpty
        var namedIndex = [Bool](repeating: false, count: byName ? traits.count : 0)
        if byName { for id in named { if let index = indexOfID[id] { namedIndex[Int(index)] = true } } }
        let kindOrName = category != nil || byName
        let candidates: [Int32] = query.box.map { grid.indices(in: $0) } ?? Array(0..<Int32(traits.count))
        var found: [Int32] = []
        traits.withUnsafeBufferPointer { traits in
            for index in candidates {
                let i = Int(index)
                let entry = traits[i]
                if kindOrName, !(category == entry.category || (byName && namedIndex[i])) { continue }
                if let kelurahan, entry.kelurahan != kelurahan { continue }
                if let mode = query.mode, entry.mode != mode { continue }
                if query.halalOnly, !entry.halal { continue }
                if query.sellingToday, !entry.checkedIn { continue }
                if let box = query.box {
                    guard entry.placed, entry.latitude >= box.south, entry.latitude <= box.north,
                          entry.longitude >= box.west, entry.longitude <= box.east else { continue }
                }
                found.append(index)
            }
        }
        if let origin = query.origin { found = nearestFirst(found, from: origin) }
        let start = min(max(0, query.offset), found.count)
        let end = min(found.count, start + max(0, query.limit))
        return (Array(found[start..<end]), found.count)
    }

    /// `indices` in the SQL's nearest-first order: placed entries first, by the squared equirectangular
    /// distance computed as SQLite computes it (the same doubles, the same operations), then by id.
    private func nearestFirst(_ indices: [Int32], from origin: GeoPoint) -> [Int32] {
        let scale = cos(origin.latitude * .pi / 180)
        let scale2 = scale * scale
        let keyed = indices.map { index -> (index: Int32, placed: Bool, distance: Double, id: Int64) in
            let entry = traits[Int(index)]
            guard entry.placed else { return (index, false, 0, entry.id) }
            let dlat = entry.latitude - origin.latitude, dlon = entry.longitude - origin.longitude
            return (index, true, dlat * dlat + dlon * dlon * scale2, entry.id)
        }
        return keyed.sorted { a, b in
            if a.placed != b.placed { return a.placed }
            if a.distance != b.distance { return a.distance < b.distance }
            return a.id < b.id
        }.map(\.index)
    }

    /// When the entry at `index` last changed (its business or its check-in).
    func updatedAt(_ index: Int32) -> Date { updated[Int(index)] }

    /// The distance of the entry at `index` from `origin`, as `Registry.directory` gives it; nil when it is not on the map.
    func distance(_ index: Int32, from origin: GeoPoint) -> Double? {
        let entry = traits[Int(index)]
        return entry.placed ? origin.distance(to: GeoPoint(latitude: entry.latitude, longitude: entry.longitude)) : nil
    }

    /// The entry at `index` as `Registry.directory` returns it for `query` (with its distance from the origin).
    func entry(_ index: Int32, for query: DirectoryQuery) -> DirectoryEntry {
        var entry = entries[Int(index)]
        entry.distance = query.origin.flatMap { origin in entry.position.map { origin.distance(to: $0) } }
        return entry
    }

    private static func code(_ key: [UInt8], in codes: inout [[UInt8]: Int32]) -> Int32 {
        if let code = codes[key] { return code }
        let code = Int32(codes.count)
        codes[key] = code
        return code
    }
}
