import Foundation
import LapakRegistry

/// What `lapak export` writes: the text, and for GeoJSON what it had to leave out.
struct RegistryExport: Sendable {
    var text: String
    /// The GeoJSON export's counts; nil for CSV.
    var geoJSON: GeoJSONExport?

    /// The export of `table` in `format` from `store`, inside the caller's transaction: the same bytes from SQLite and PostgreSQL.
    static func make(_ table: Lapak.Export.Table, format: Lapak.Export.Format, from store: some RegistryStore & ExportStore,
                     taxonomy: CategoryTaxonomy, timeZone: TimeZone) throws -> RegistryExport {
        switch (table, format) {
        case (.groups, _): return RegistryExport(text: try ProgrammeExporter.groupsCSV(from: store, timeZone: timeZone))
        case (.halal, _): return RegistryExport(text: try ProgrammeExporter.halalCSV(from: store, timeZone: timeZone))
        case (.apprenticeships, _): return RegistryExport(text: try CoachingExporter.apprenticeshipsCSV(from: store, timeZone: timeZone))
        case (.orders, _): return RegistryExport(text: try CoachingExporter.ordersCSV(from: store, timeZone: timeZone))
        case (.registry, .csv): return RegistryExport(text: try RegistryExporter.csv(from: store, timeZone: timeZone))
        case (.registry, .geojson):
            let export = try RegistryExporter.geoJSONExport(from: store, taxonomy: taxonomy)
            return RegistryExport(text: export.text + "\n", geoJSON: export)
        }
    }
}
