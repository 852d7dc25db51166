import Foundation
import LapakRegistry
import TelegramBotAPI

/// A business group being created by staff, stored with the dialog so a restart continues it.
struct GroupDraft: Equatable {
    /// The steps of creating a group, in order.
    enum Step: String {
        case name, category, kelurahan, members
    }

    /// Where the member candidates come from.
    enum Source: String {
        /// Self-enrolled businesses marked as beginners, of the group's kind (any kelurahan).
        case beginners
        /// Active businesses of the group's kind in its kelurahan.
        case kindAndKelurahan = "kind"
    }

    /// The most members one group takes: a coaching group, not a mailing list.
    static let maxMembers = 60

    var step: Step = .name
    var name: String?
    var category: String?
    var kelurahan: String?
    var source: Source = .beginners
    var page = 0
    /// Chosen member businesses, in the order they were chosen.
    var members: [Int64] = []
    /// The group whose members are being changed; nil while creating a new one.
    var groupID: Int64?

    init() {}

    /// Adds or removes a member; false when the group is full.
    mutating func toggle(_ id: Int64) -> Bool {
        if let index = members.firstIndex(of: id) {
            members.remove(at: index)
            return true
        }
        guard members.count < Self.maxMembers else { return false }
        members.append(id)
        return true
    }

    var json: JSONValue {
        ["step": .string(step.rawValue), "name": name.map(JSONValue.string) ?? .null, "category": category.map(JSONValue.string) ?? .null,
         "kelurahan": kelurahan.map(JSONValue.string) ?? .null, "source": .string(source.rawValue), "page": .int(Int64(page)),
         "members": .array(members.map(JSONValue.int)), "group": groupID.map(JSONValue.int) ?? .null]
    }

    init?(json: JSONValue) {
        guard let step = json["step"]?.stringValue.flatMap(Step.init(rawValue:)) else { return nil }
        self.step = step
        name = json["name"]?.stringValue
        category = json["category"]?.stringValue
        kelurahan = json["kelurahan"]?.stringValue
        source = json["source"]?.stringValue.flatMap(Source.init(rawValue:)) ?? .beginners
        page = Int(json["page"]?.int64Value ?? 0)
        members = json["members"]?.arrayValue?.compactMap(\.int64Value) ?? []
        groupID = json["group"]?.int64Value
    }
}

/// Dates as staff type them: `2026-12-10`, `10/12/2026`, `10-12-2026`, or `hari ini` / `today`.
enum TypedDate {
    /// The date at the start of `text` and the rest of the text; nil date when `text` does not start with one.
    static func leading(_ text: String, today: DateComponents) -> (date: DateComponents?, rest: String) {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        for word in ["hari ini", "today"] where trimmed.lowercased().hasPrefix(word) {
            return (today, String(trimmed.dropFirst(word.count)).trimmingCharacters(in: .whitespaces))
        }
        let first = trimmed.prefix { !$0.isWhitespace }
        guard let date = parse(String(first)) else { return (nil, trimmed) }
        return (date, String(trimmed.dropFirst(first.count)).trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// `YYYY-MM-DD`, `DD/MM/YYYY` or `DD-MM-YYYY` as a valid Gregorian date; nil otherwise.
    static func parse(_ text: String) -> DateComponents? {
        let parts = text.split(whereSeparator: { $0 == "-" || $0 == "/" || $0 == "." }).map(String.init)
        guard parts.count == 3, let a = Int(parts[0]), let b = Int(parts[1]), let c = Int(parts[2]) else { return nil }
        let (year, month, day) = parts[0].count == 4 ? (a, b, c) : (c, b, a)
        guard (2000...2100).contains(year), (1...12).contains(month), (1...31).contains(day) else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = .gmt
        let components = DateComponents(year: year, month: month, day: day)
        // 31/02 would roll over to March: refuse a day the month does not have.
        guard let date = calendar.date(from: components), calendar.component(.day, from: date) == day else { return nil }
        return components
    }

    /// `2026-12-10`.
    static func iso(_ date: DateComponents) -> String {
        String(format: "%04d-%02d-%02d", date.year ?? 0, date.month ?? 0, date.day ?? 0)
    }

    /// `10/12/2026`, as dates are written in Indonesia (and by the agency in English too).
    static func display(_ iso: String) -> String {
        let parts = iso.split(separator: "-")
        guard parts.count == 3 else { return iso }
        return "\(parts[2])/\(parts[1])/\(parts[0])"
    }

    /// Today's local date in `timeZone`.
    static func today(_ now: Date, timeZone: TimeZone) -> DateComponents {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        return calendar.dateComponents([.year, .month, .day], from: now)
    }
}
