import Foundation

/// One row of the sheet into a business: every check, with a reason a clerk can act on.
extension RegistryImporter {
    /// Reads one row into a business and what it says beyond the agency's columns, or the reason it is refused.
    func validate(_ fields: [String], layout: Layout) -> Result<(Business, SheetFields), RowFault> {
        guard fields.count == layout.width else {
            return .failure(RowFault("expected \(layout.width) fields, found \(fields.count)"))
        }
        let value = { (index: Int) in fields[index].trimmingCharacters(in: .whitespacesAndNewlines) }
        // Free text comes back as the export wrote it: the apostrophe that kept a spreadsheet from running it is dropped.
        let text = { (index: Int) in CSV.unguardFormula(value(index)) }
        let id = text(0), name = text(1)
        guard !id.isEmpty else { return .failure(RowFault("missing id")) }
        guard !name.isEmpty else { return .failure(RowFault("missing name (id \(id))")) }
        guard name.count <= 120 else { return .failure(RowFault("name longer than 120 characters (id \(id))")) }
        guard let category = taxonomy.slug(forSpelling: value(2)) else {
            return .failure(RowFault("unknown category '\(value(2))' (id \(id)); known: \(taxonomy.categories.map(\.slug).joined(separator: ", "))"))
        }
        guard let mode = OperatingMode(spelling: value(3)) else {
            return .failure(RowFault("unknown mode '\(value(3))' (id \(id)); use menetap or berkeliling (fixed or mobile)"))
        }
        let location: GeoPoint?
        switch self.location(latitude: value(4), longitude: value(5), id: id) {
        case .success(let point): location = point
        case .failure(let fault): return .failure(fault)
        }
        if mode == .menetap && location == nil {
            return .failure(RowFault("a menetap (fixed) business needs latitude and longitude (id \(id))"))
        }
        var kelurahan = ""
        if !value(6).isEmpty {
            guard let known = Kelurahan.named(value(6)) else {
                let hint = Kelurahan.suggestion(for: value(6)).map { "did you mean \($0.name)?" }
                    ?? "use one of \(Kelurahan.bontang.map(\.name).joined(separator: ", "))"
                return .failure(RowFault("unknown kelurahan '\(value(6))' (id \(id)): not one of Bontang's 15; \(hint)"))
            }
            kelurahan = known.name
        }
        var phone = ""
        if !value(8).isEmpty {
            if Self.isScientific(value(8)) {
                return .failure(RowFault("phone '\(value(8))' was turned into a number by the spreadsheet and lost its digits (id \(id)); format the phone column as text and type the numbers again"))
            }
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
        let business = Business(registryID: id, name: name, category: category, mode: mode, location: location, kelurahan: kelurahan,
                                address: text(7), phone: phone, ownerTelegramID: owner, halal: halal, verified: true)
        let extra = { (name: String) in layout.extras[name].map(value) ?? "" }
        return history(of: business, status: extra("status"), verified: extra("verified"), source: extra("source"),
                       createdAt: extra("created_at"), updatedAt: extra("updated_at"), id: id)
    }

    /// The extra columns of an export: an empty cell (or no column) keeps the agency's meaning —
    /// verified, imported, and the stored status (active for a new row).
    private func history(of business: Business, status: String, verified: String, source: String, createdAt: String,
                         updatedAt: String, id: String) -> Result<(Business, SheetFields), RowFault> {
        var business = business
        var sheet = SheetFields()
        if !status.isEmpty {
            guard let value = BusinessStatus(rawValue: status.lowercased()) else {
                return .failure(RowFault("status '\(status)' is not active, suspended or inactive (id \(id))"))
            }
            business.status = value
            sheet.setsStatus = true
        }
        if !verified.isEmpty {
            guard let value = Self.flag(verified) else { return .failure(RowFault("verified '\(verified)' is not ya/tidak, true/false or 1/0 (id \(id))")) }
            business.verified = value
        }
        if !source.isEmpty {
            let folded = source.lowercased().filter(\.isLetter)
            guard let value = BusinessSource.allCases.first(where: { $0.rawValue.filter(\.isLetter) == folded }) else {
                return .failure(RowFault("source '\(source)' is not imported or self-enrolled (id \(id))"))
            }
            business.source = value
            sheet.setsSource = true
        }
        for (column, cell) in [("created_at", createdAt), ("updated_at", updatedAt)] where !cell.isEmpty {
            guard let time = try? Date(cell, strategy: .iso8601) else {
                return .failure(RowFault("\(column) '\(cell)' is not a time like 2026-11-29T12:00:00+08:00 (id \(id))"))
            }
            if column == "created_at" { sheet.createdAt = time } else { sheet.updatedAt = time }
        }
        return .success((business, sheet))
    }

    /// The point in the two coordinate cells: none when both are empty, else it must be a sane point in the region.
    private func location(latitude latitudeText: String, longitude longitudeText: String, id: String) -> Result<GeoPoint?, RowFault> {
        guard !latitudeText.isEmpty || !longitudeText.isEmpty else { return .success(nil) }
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
        return .success(point)
    }

    /// A decimal number, also with a decimal comma ("0,1335") as Indonesian spreadsheets write it.
    static func number(_ text: String) -> Double? {
        if let value = Double(text), value.isFinite { return value }
        if !text.contains("."), text.filter({ $0 == "," }).count == 1, let value = Double(text.replacingOccurrences(of: ",", with: ".")) {
            return value
        }
        return nil
    }

    /// Whether a cell looks like a spreadsheet's scientific notation (`6.28123E+12`, `6,28E+12`).
    static func isScientific(_ text: String) -> Bool {
        text.range(of: "^[0-9]+([.,][0-9]+)?[eE][+]?[0-9]+$", options: .regularExpression) != nil
    }

    /// A yes/no cell: ya/tidak, y/t, true/false, yes/no, 1/0, halal; empty is no.
    static func flag(_ text: String) -> Bool? {
        switch text.lowercased() {
        case "ya", "y", "true", "1", "yes", "halal": return true
        case "tidak", "t", "false", "0", "no", "": return false
        default: return nil
        }
    }
}
