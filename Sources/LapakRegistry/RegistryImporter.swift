import Foundation
import GRDB
import LapakDatabase

/// A CSV row the importer refused, with where and why.
public struct RejectedRow: Sendable, Hashable, CustomStringConvertible {
    /// The physical line the row starts on.
    public var line: Int
    public var reason: String
    public var description: String { "line \(line): \(reason)" }

    public init(line: Int, reason: String) {
        self.line = line
        self.reason = reason
    }
}

/// What an import did.
public struct ImportSummary: Sendable, Hashable, CustomStringConvertible {
    public var inserted = 0
    public var updated = 0
    public var unchanged = 0
    public var rejected: [RejectedRow] = []

    public init(inserted: Int = 0, updated: Int = 0, unchanged: Int = 0, rejected: [RejectedRow] = []) {
        self.inserted = inserted
        self.updated = updated
        self.unchanged = unchanged
        self.rejected = rejected
    }

    public var description: String {
        "\(inserted) inserted, \(updated) updated, \(unchanged) unchanged, \(rejected.count) rejected"
    }
}

/// A file that cannot be imported at all (no header, wrong columns, not UTF-8).
public struct ImportError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

/// Imports the agency's CSV: validates every row, upserts the good ones by registry id in one transaction.
public struct RegistryImporter: Sendable {
    /// The columns, in this order.
    public static let columns = ["id", "name", "category", "mode", "latitude", "longitude", "kelurahan", "address", "phone",
                                 "telegram_id", "halal"]

    let registry: Registry
    /// Points outside this box are refused (a swapped latitude and longitude lands far away).
    let region: GeoBox

    public init(registry: Registry, region: GeoBox = .bontang) {
        self.registry = registry
        self.region = region
    }

    /// Imports `text`; `progress(done, total)` is called as rows are stored (for a progress bar).
    ///
    /// All good rows commit together or not at all: an interrupted import leaves the registry as it was.
    public func importCSV(_ text: String, now: Date = Date(), progress: @Sendable (Int, Int) -> Void = { _, _ in }) async throws -> ImportSummary {
        var records = CSV.records(in: text)
        guard let header = records.first?.fields else {
            throw ImportError(message: records.isEmpty ? "the file is empty" : "the header row is malformed: \(records[0].fault ?? "")")
        }
        let names = header.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        guard names == Self.columns else {
            throw ImportError(message: "the header must be exactly: \(Self.columns.joined(separator: ",")) (found: \(header.joined(separator: ",")))")
        }
        records.removeFirst()

        var summary = ImportSummary()
        var rows: [(line: Int, business: Business)] = []
        var firstLine: [String: Int] = [:]
        for record in records {
            guard let fields = record.fields else {
                summary.rejected.append(RejectedRow(line: record.line, reason: record.fault ?? "malformed row"))
                continue
            }
            switch validate(fields) {
            case .failure(let fault):
                summary.rejected.append(RejectedRow(line: record.line, reason: fault.reason))
            case .success(let business):
                if let first = firstLine[business.registryID] {
                    summary.rejected.append(RejectedRow(line: record.line, reason: "duplicate id \(business.registryID) (first on line \(first))"))
                    continue
                }
                firstLine[business.registryID] = record.line
                rows.append((record.line, business))
            }
        }

        let stored = try await registry.upsertAll(rows.map(\.business), now: now, progress: progress)
        (summary.inserted, summary.updated, summary.unchanged) = (stored.inserted, stored.updated, stored.unchanged)
        summary.rejected.sort { $0.line < $1.line }
        return summary
    }

    /// Reads one row into a business, or the reason it is refused.
    func validate(_ fields: [String]) -> Result<Business, RowFault> {
        guard fields.count == Self.columns.count else {
            return .failure(RowFault("expected \(Self.columns.count) fields, found \(fields.count)"))
        }
        let value = { (index: Int) in fields[index].trimmingCharacters(in: .whitespacesAndNewlines) }
        let id = value(0), name = value(1)
        guard !id.isEmpty else { return .failure(RowFault("missing id")) }
        guard !name.isEmpty else { return .failure(RowFault("missing name (id \(id))")) }
        guard name.count <= 120 else { return .failure(RowFault("name longer than 120 characters (id \(id))")) }
        guard let category = registry.taxonomy.slug(forSpelling: value(2)) else {
            return .failure(RowFault("unknown category '\(value(2))' (id \(id)); known: \(registry.taxonomy.categories.map(\.slug).joined(separator: ", "))"))
        }
        guard let mode = OperatingMode(spelling: value(3)) else {
            return .failure(RowFault("unknown mode '\(value(3))' (id \(id)); use menetap or berkeliling (fixed or mobile)"))
        }
        var location: GeoPoint?
        let latitudeText = value(4), longitudeText = value(5)
        if !latitudeText.isEmpty || !longitudeText.isEmpty {
            guard let latitude = Self.number(latitudeText) else { return .failure(RowFault("latitude '\(latitudeText)' is not a number (id \(id))")) }
            guard let longitude = Self.number(longitudeText) else { return .failure(RowFault("longitude '\(longitudeText)' is not a number (id \(id))")) }
            let point = GeoPoint(latitude: latitude, longitude: longitude)
            if !region.contains(point) && region.contains(GeoPoint(latitude: longitude, longitude: latitude)) {
                return .failure(RowFault("latitude \(latitudeText) and longitude \(longitudeText) look swapped (id \(id))"))
            }
            guard (-90...90).contains(latitude) else { return .failure(RowFault("latitude \(latitudeText) is outside -90..90 (id \(id))")) }
            guard (-180...180).contains(longitude) else { return .failure(RowFault("longitude \(longitudeText) is outside -180..180 (id \(id))")) }
            guard region.contains(point) else {
                return .failure(RowFault("location \(latitudeText),\(longitudeText) is outside the service region (id \(id))"))
            }
            location = point
        }
        if mode == .menetap && location == nil {
            return .failure(RowFault("a menetap (fixed) business needs latitude and longitude (id \(id))"))
        }
        var phone = ""
        if !value(8).isEmpty {
            guard let normalised = PhoneNumber.normalise(value(8)) else {
                return .failure(RowFault("phone '\(value(8))' is not an Indonesian number (id \(id))"))
            }
            phone = normalised
        }
        var owner: Int64?
        if !value(9).isEmpty {
            guard let telegramID = Int64(value(9)), telegramID > 0 else {
                return .failure(RowFault("telegram_id '\(value(9))' is not a Telegram user id (id \(id))"))
            }
            owner = telegramID
        }
        guard let halal = Self.flag(value(10)) else {
            return .failure(RowFault("halal '\(value(10))' is not ya/tidak, true/false or 1/0 (id \(id))"))
        }
        let kelurahan = Kelurahan.named(value(6))?.name ?? value(6)
        return .success(Business(registryID: id, name: name, category: category, mode: mode, location: location, kelurahan: kelurahan,
                                 address: value(7), phone: phone, ownerTelegramID: owner, halal: halal, verified: true))
    }

    /// A decimal number, also with a decimal comma ("0,1335") as Indonesian spreadsheets write it.
    static func number(_ text: String) -> Double? {
        if let value = Double(text), value.isFinite { return value }
        if !text.contains("."), text.filter({ $0 == "," }).count == 1, let value = Double(text.replacingOccurrences(of: ",", with: ".")) {
            return value
        }
        return nil
    }

    static func flag(_ text: String) -> Bool? {
        switch text.lowercased() {
        case "ya", "y", "true", "1", "yes", "halal": return true
        case "tidak", "t", "false", "0", "no", "": return false
        default: return nil
        }
    }
}

/// Why one row was refused.
public struct RowFault: Error, Sendable, Hashable {
    public var reason: String
    init(_ reason: String) { self.reason = reason }
}
