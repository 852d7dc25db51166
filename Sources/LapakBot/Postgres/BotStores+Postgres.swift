import LapakPostgres

extension BotStores {
    /// Every store on one PostgreSQL session, inside the update's transaction.
    public static func postgres(_ session: PostgresSession) -> BotStores {
        BotStores(registry: session, dialogs: session, preferences: session, announcements: session, replies: session)
    }
}
