import Foundation
import LapakRegistry

/// A uniform grid over the directory's positions: which entries lie in each cell of about 550 m.
///
/// A map's box (a kilometre or so a side) covers a handful of cells, so finding its businesses reads a few
/// hundred candidates instead of the whole registry; the exact comparison with the box's edges is the
/// caller's (`DirectorySnapshot.matches`), as the R*Tree only prefilters for SQLite.
struct DirectoryGrid: Sendable {
    /// The side of a cell in degrees: 0.005° is about 550 m at Bontang's latitude.
    static let cellSize = 0.005

    private let south: Double
    private let west: Double
    private let rows: Int
    private let columns: Int
    /// Entry indices per cell (row-major), each list ascending.
    private let cells: [[Int32]]

    /// A grid over `positions` (an entry's index is its place in the array; nil: not on the map).
    init(_ positions: [GeoPoint?]) {
        let placed = positions.compactMap { $0 }
        south = placed.map(\.latitude).min() ?? 0
        west = placed.map(\.longitude).min() ?? 0
        let north = placed.map(\.latitude).max() ?? 0
        let east = placed.map(\.longitude).max() ?? 0
        // A registry with a stray far-off coordinate must not allocate a world of cells: past a bound the
        // cells grow instead.
        let span = max(north - south, east - west)
        let size = max(Self.cellSize, span / 1_000)
        rows = Int((north - south) / size) + 1
        columns = Int((east - west) / size) + 1
        var cells = [[Int32]](repeating: [], count: rows * columns)
        for (index, position) in positions.enumerated() {
            guard let position else { continue }
            cells[Self.cell(position.latitude, south, size, rows) * columns + Self.cell(position.longitude, west, size, columns)]
                .append(Int32(index))
        }
        self.cells = cells
        self.size = size
    }

    private let size: Double

    /// The entries of every cell that `box` touches, ascending: a superset of those inside it.
    func indices(in box: GeoBox) -> [Int32] {
        guard !cells.isEmpty, box.south <= box.north, box.west <= box.east else { return [] }
        let firstRow = Self.cell(box.south, south, size, rows), lastRow = Self.cell(box.north, south, size, rows)
        let firstColumn = Self.cell(box.west, west, size, columns), lastColumn = Self.cell(box.east, west, size, columns)
        var found: [Int32] = []
        for row in firstRow...lastRow {
            for column in firstColumn...lastColumn {
                found.append(contentsOf: cells[row * columns + column])
            }
        }
        // Cells are ascending each; merged, the candidates keep the directory's order.
        if firstRow != lastRow || firstColumn != lastColumn { found.sort() }
        return found
    }

    /// The cell along one axis of `value`, clamped to the grid: a box beyond the edge reads the edge cells,
    /// where the exact comparison then finds nothing of it.
    private static func cell(_ value: Double, _ origin: Double, _ size: Double, _ count: Int) -> Int {
        let raw = ((value - origin) / size).rounded(.down)
        guard raw.isFinite else { return 0 }
        return Int(min(max(raw, 0), Double(count - 1)))
    }
}
