import Foundation
import GRDB
import LapakDatabase
import LapakPostgres
import LapakRegistry

/// Runs work in one transaction of the bot's store, with every store of it: what the schedulers (halal
/// reminders, apprenticeship check-ins, overflow waves) use, on SQLite and on PostgreSQL alike.
public protocol BotTransactions: Sendable {
    /// Runs `body` in one transaction and commits it (rolls back when it throws).
    func write<T: Sendable>(_ body: @escaping @Sendable (BotStores) throws -> T) async throws -> T
}

/// Transactions on SQLite: GRDB's writer, every store on its connection.
public struct SQLiteBotTransactions: BotTransactions {
    let registry: Registry

    /// Transactions on `registry`'s database.
    public init(registry: Registry) { self.registry = registry }

    public func write<T: Sendable>(_ body: @escaping @Sendable (BotStores) throws -> T) async throws -> T {
        let registry = registry
        return try await registry.database.writer.write { db in try body(.sqlite(db, registry: registry)) }
    }
}

/// Transactions on PostgreSQL: a `PostgresSession` on a thread of the pool.
public struct PostgresBotTransactions: BotTransactions {
    let transactions: PostgresTransactions

    /// Transactions through `transactions`.
    public init(_ transactions: PostgresTransactions) { self.transactions = transactions }

    public func write<T: Sendable>(_ body: @escaping @Sendable (BotStores) throws -> T) async throws -> T {
        try await transactions.write { session in try body(.postgres(session)) }
    }
}
