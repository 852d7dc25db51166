import GRDB
import GRDBSQLite

/// One result row read straight from SQLite, valid only inside `forEachRow`'s closure.
struct RawRow {
    let statement: OpaquePointer

    func double(_ column: Int32) -> Double { sqlite3_column_double(statement, column) }
    func int64(_ column: Int32) -> Int64 { sqlite3_column_int64(statement, column) }
    func isNull(_ column: Int32) -> Bool { sqlite3_column_type(statement, column) == SQLITE_NULL }
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
