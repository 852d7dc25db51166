import GRDB
import GRDBSQLite

/// One result row read straight from SQLite, valid only inside `forEachRow`'s closure.
struct RawRow {
    let statement: OpaquePointer

    func double(_ column: Int32) -> Double { sqlite3_column_double(statement, column) }
    func int64(_ column: Int32) -> Int64 { sqlite3_column_int64(statement, column) }
    func isNull(_ column: Int32) -> Bool { sqlite3_column_type(statement, column) == SQLITE_NULL }

    func text(_ column: Int32) -> String {
        guard let bytes = sqlite3_column_text(statement, column) else { return "" }
        return String(cString: bytes)
    }

    func optionalDouble(_ column: Int32) -> Double? { isNull(column) ? nil : double(column) }
    func optionalInt64(_ column: Int32) -> Int64? { isNull(column) ? nil : int64(column) }
    func optionalText(_ column: Int32) -> String? { isNull(column) ? nil : text(column) }

    /// A business from a row that starts with the business table's columns (see `Registry.business(from:)`).
    func business() -> Business {
        let latitude = optionalDouble(5), longitude = optionalDouble(6)
        return Business(
            id: int64(0), registryID: text(1), name: text(2), category: text(3), mode: OperatingMode(rawValue: text(4)) ?? .menetap,
            location: latitude.flatMap { lat in longitude.map { GeoPoint(latitude: lat, longitude: $0) } },
            kelurahan: text(7), address: text(8), phone: text(9), ownerTelegramID: optionalInt64(10), halal: int64(11) != 0,
            status: BusinessStatus(rawValue: text(12)) ?? .active, verified: int64(13) != 0,
            source: BusinessSource(rawValue: text(16)) ?? .imported)
    }
}

extension Statement {
    /// Steps through the rows with plain SQLite column reads; `body` returns false to stop early.
    ///
    /// Why: the search reads a few numbers from hundreds of candidate rows per question, and GRDB's
    /// `Row` (column name tables, value boxing) cost more than the SQLite work itself there.
    func forEachRow(arguments: StatementArguments, _ body: (RawRow) throws -> Bool) throws {
        setUncheckedArguments(arguments)
        let handle = sqliteStatement
        defer { sqlite3_reset(handle) }
        while true {
            let code = sqlite3_step(handle)
            if code == SQLITE_DONE { return }
            guard code == SQLITE_ROW else {
                throw DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(sqlite3_db_handle(handle))), sql: sql)
            }
            if try !body(RawRow(statement: handle)) { return }
        }
    }
}
