import ArgumentParser
import Foundation
import LapakBot
import LapakDatabase
import LapakRegistry

/// Opens the configured registry (no token needed).
///
/// `mustExist`: for commands that only read. Opening creates a missing database, and an export of that
/// empty file would succeed with a header and nothing else, hiding a wrong path or configuration.
func openRegistry(configFile: String?, mustExist: Bool = false) async throws -> Registry {
    let settings = try await LapakConfiguration.load(configFile: configFile, requireToken: false)
    let taxonomy = try CategoryTaxonomy.load(from: settings.intentsDirectory.appendingPathComponent("categories.yml"))
    if mustExist && !FileManager.default.fileExists(atPath: settings.databasePath) {
        throw ConfigurationError(setting: "database.path",
                                 message: "no database at \(settings.databasePath) (check database.path or LAPAK_DATABASE_PATH; `lapak import` creates one)")
    }
    let database: AppDatabase
    do { database = try AppDatabase.open(path: settings.databasePath) } catch {
        throw ConfigurationError(setting: "database.path", message: "cannot open \(settings.databasePath): \(error)")
    }
    return Registry(database: database, taxonomy: taxonomy, timeZone: settings.timeZone)
}

extension Lapak {
    /// `lapak import FILE.csv`: the agency's spreadsheet into the registry.
    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import the agency's CSV (id,name,category,mode,latitude,longitude,kelurahan,address,phone,telegram_id,halal[,status,verified,source,created_at,updated_at]).",
            discussion: "Rows are upserted by id in one transaction. Bad rows are listed with their line and reason and skipped; the exit status is non-zero when any row was rejected. Comma- or semicolon-separated; a file that is not UTF-8 is read as Windows-1252 with a warning.")

        @Argument(help: "The CSV file (header row, RFC 4180 quoting; UTF-8, else read as Windows-1252).")
        var file: String

        @Option(name: .long, help: "A YAML configuration file whose settings override the shipped defaults.")
        var config: String?

        func run() async throws {
            let summary: ImportSummary
            do {
                // Read before opening the database: a mistyped file name must not leave an empty database behind.
                let (text, warnings) = try RegistryImporter.readFile(atPath: file)
                let settings = try await LapakConfiguration.load(configFile: config, requireToken: false)
                let bar = ProgressBar(label: "Importing", enabled: isatty(STDERR_FILENO) == 1)
                let started = ContinuousClock.now
                if settings.databaseURL.isEmpty {
                    let registry = try await openRegistry(configFile: config)
                    summary = try await RegistryImporter(registry: registry).importCSV(text, progress: { done, total in bar.update(done, of: total) })
                } else {
                    summary = try await PostgresCommands.importCSV(text, settings: settings, progress: { done, total in bar.update(done, of: total) })
                }
                bar.finish()
                let elapsed = ContinuousClock.now - started
                for warning in warnings + summary.warnings { FileHandle.standardError.write(Data("\(file): warning: \(warning)\n".utf8)) }
                for row in summary.rejected { FileHandle.standardError.write(Data("\(file):\(row.line): \(row.reason)\n".utf8)) }
                print("\(summary) in \(elapsed.formatted(.units(allowed: [.seconds, .milliseconds], width: .abbreviated)))")
            } catch {
                throw fail("\(error)")
            }
            if !summary.rejected.isEmpty { throw ExitCode(2) }
        }
    }

    /// `lapak export`: the registry as CSV or GeoJSON.
    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Export the registry as the import CSV or as GeoJSON for QGIS and web maps, or the coaching programme's records as CSV.",
            discussion: "--table groups: one row per business group member, with the group's support entries. --table halal: one row per halal certificate application. --table apprenticeships: one row per apprenticeship. --table orders: one row per overflow order handover. All CSV only.")

        @Option(name: .long, help: "registry (the default), or a record of the coaching programme: groups, halal, apprenticeships or orders (CSV only).")
        var table: Table = .registry

        @Option(name: .long, help: "csv or geojson.")
        var format: Format = .csv

        @Option(name: [.short, .long], help: "Write to this file instead of standard output.")
        var output: String?

        @Option(name: .long, help: "A YAML configuration file whose settings override the shipped defaults.")
        var config: String?

        enum Format: String, ExpressibleByArgument, CaseIterable { case csv, geojson }

        /// What to export: the registry, or a record of the coaching programme (issue 13).
        enum Table: String, ExpressibleByArgument, CaseIterable { case registry, groups, halal, apprenticeships, orders }

        func validate() throws {
            if table != .registry && format != .csv {
                throw ValidationError("--table \(table.rawValue) is written as CSV only; leave out --format or use --format csv")
            }
        }

        func run() async throws {
            do {
                let settings = try await LapakConfiguration.load(configFile: config, requireToken: false)
                let export: RegistryExport
                if settings.databaseURL.isEmpty {
                    let registry = try await openRegistry(configFile: config, mustExist: true)
                    export = try await registry.read { [table, format] session in
                        try RegistryExport.make(table, format: format, from: session, taxonomy: registry.taxonomy, timeZone: registry.timeZone)
                    }
                } else {
                    export = try await PostgresCommands.export(table, format: format, settings: settings)
                }
                try write(export.text, to: output)
                // On stderr, so that a file or a pipe of GeoJSON stays valid; a map short of rows must say why.
                if let geoJSON = export.geoJSON, geoJSON.withoutLocation > 0 {
                    FileHandle.standardError.write(Data(("lapak: exported \(geoJSON.features) of \(geoJSON.features + geoJSON.withoutLocation) businesses; "
                        + "\(geoJSON.withoutLocation) left out: they have no location, and a GeoJSON feature needs a point (`--format csv` has every row)\n").utf8))
                }
            } catch {
                throw fail("\(error)")
            }
        }
    }

    /// `lapak sample`: a synthetic Bontang registry as import CSV.
    struct Sample: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a deterministic synthetic Bontang registry (ids SYN-…) as import CSV.",
            discussion: "Synthetic data for demos and tests, built from the 15 kelurahan of Bontang; not real businesses.")

        @Option(name: .long, help: "How many businesses.")
        var count: Int = 16_000

        @Option(name: .long, help: "The seed: the same seed gives the same registry.")
        var seed: UInt64 = 2026

        @Option(name: [.short, .long], help: "Write to this file instead of standard output.")
        var output: String?

        func validate() throws {
            guard (1...5_000_000).contains(count) else { throw ValidationError("--count must be between 1 and 5000000") }
        }

        func run() async throws {
            do { try write(SampleRegistry(count: count, seed: seed).csv(), to: output) } catch { throw fail("\(error)") }
        }
    }
}

/// Writes `text` to a file, or to standard output.
func write(_ text: String, to path: String?) throws {
    if let path {
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    } else {
        FileHandle.standardOutput.write(Data(text.utf8))
    }
}

/// A one-line progress bar on standard error, only on a terminal.
final class ProgressBar: Sendable {
    let label: String
    let enabled: Bool

    init(label: String, enabled: Bool) {
        self.label = label
        self.enabled = enabled
    }

    func update(_ done: Int, of total: Int) {
        guard enabled, total > 0 else { return }
        let width = 30
        let filled = done * width / total
        let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
        FileHandle.standardError.write(Data("\r\(label) \(bar) \(done * 100 / total)% (\(done)/\(total))".utf8))
    }

    func finish() {
        if enabled { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
