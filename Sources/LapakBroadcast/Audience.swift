import Foundation
import GRDB
import LapakRegistry
import TelegramBotAPI

/// Who an announcement goes to: vendors (Telegram accounts owning a business) whose businesses match
/// every chosen filter. No filter chosen: every vendor.
public struct Audience: Sendable, Hashable {
    /// A category slug.
    public var category: String?
    /// A kelurahan name as stored in the registry.
    public var kelurahan: String?
    public var mode: OperatingMode?
    /// Halal certified (true) or not (false).
    public var halal: Bool?
    /// Members of one business group (kelompok usaha) only.
    public var groupID: Int64?
    /// The group's name when it was chosen, to describe the audience without a lookup.
    public var groupName: String?

    /// An audience; every filter left nil matches everyone.
    public init(category: String? = nil, kelurahan: String? = nil, mode: OperatingMode? = nil, halal: Bool? = nil,
                groupID: Int64? = nil, groupName: String? = nil) {
        self.category = category
        self.kelurahan = kelurahan
        self.mode = mode
        self.halal = halal
        self.groupID = groupID
        self.groupName = groupName
    }

    /// Whether no filter is chosen.
    public var isEveryone: Bool { category == nil && kelurahan == nil && mode == nil && halal == nil && groupID == nil }

    /// The filters as stored with a broadcast.
    public var json: JSONValue {
        ["category": category.map(JSONValue.string) ?? .null, "kelurahan": kelurahan.map(JSONValue.string) ?? .null,
         "mode": mode.map { .string($0.rawValue) } ?? .null, "halal": halal.map(JSONValue.bool) ?? .null,
         "group": groupID.map(JSONValue.int) ?? .null, "group_name": groupName.map(JSONValue.string) ?? .null]
    }

    /// Reads the filters stored with a broadcast; unknown values read as "any".
    public init(json: JSONValue) {
        category = json["category"]?.stringValue
        kelurahan = json["kelurahan"]?.stringValue
        mode = json["mode"]?.stringValue.flatMap { OperatingMode(rawValue: $0) }
        halal = json["halal"]?.boolValue
        groupID = json["group"]?.int64Value
        groupName = json["group_name"]?.stringValue
    }

    /// The distinct chats of this audience that want and can get announcements, in a stable order.
    ///
    /// Vendors of deleted businesses are left out; suspended ones still hear from the agency.
    func recipientsQuery() -> (sql: String, arguments: StatementArguments) {
        var conditions = ["b.owner_telegram_id IS NOT NULL", "b.status <> 'inactive'"]
        var arguments: StatementArguments = []
        if let category { conditions.append("b.category = ?"); arguments += [category] }
        if let kelurahan { conditions.append("b.kelurahan = ? COLLATE NOCASE"); arguments += [kelurahan] }
        if let mode { conditions.append("b.mode = ?"); arguments += [mode.rawValue] }
        if let halal { conditions.append("b.halal = ?"); arguments += [halal] }
        if let groupID {
            conditions.append("b.id IN (SELECT business_id FROM business_group_member WHERE group_id = ?)")
            arguments += [groupID]
        }
        let sql = """
            SELECT DISTINCT b.owner_telegram_id FROM business b
            LEFT JOIN subscription s ON s.user_id = b.owner_telegram_id
            WHERE \(conditions.joined(separator: " AND "))
              AND (s.user_id IS NULL OR (s.subscribed = 1 AND s.unreachable_at IS NULL))
            ORDER BY b.owner_telegram_id
            """
        return (sql, arguments)
    }
}
