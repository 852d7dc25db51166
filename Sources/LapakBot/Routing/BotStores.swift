import Foundation
import GRDB
import LapakBroadcast
import LapakDatabase
import LapakRegistry
import TelegramBotAPI

/// The stores one update's handlers read and write, all inside the update's one transaction.
///
/// Handlers see only these protocols, so the same routes run on SQLite (`sqlite(_:registry:)`, every store
/// on one GRDB connection) and on PostgreSQL (one `PostgresSession`, which implements them all). What a
/// handler changes, the replies it writes and the update's "handled" mark commit together on either.
public struct BotStores {
    /// The registry: businesses, check-ins, the coaching programme, overflow orders, halal applications.
    public var registry: any RegistryStore
    /// Dialog steps, remembered locations, search sessions.
    public var dialogs: any DialogStore
    /// Users' language choices.
    public var preferences: any PreferenceStore
    /// Staff announcements, RSVPs and subscriptions.
    public var announcements: any AnnouncementStore
    /// The reply outbox.
    public var replies: any ReplyWriter

    /// The stores from their parts.
    public init(registry: any RegistryStore, dialogs: any DialogStore, preferences: any PreferenceStore,
                announcements: any AnnouncementStore, replies: any ReplyWriter) {
        self.registry = registry
        self.dialogs = dialogs
        self.preferences = preferences
        self.announcements = announcements
        self.replies = replies
    }

    /// Every store on SQLite connection `db`, inside its transaction.
    public static func sqlite(_ db: Database, registry: Registry) -> BotStores {
        BotStores(registry: registry.session(db), dialogs: ConversationStore.Session(db: db), preferences: UserPreferenceStore.Session(db: db),
                  announcements: Outbox.Session(db: db), replies: SQLiteReplyWriter(db: db))
    }
}
