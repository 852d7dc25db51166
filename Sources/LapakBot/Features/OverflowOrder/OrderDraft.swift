import Foundation
import LapakRegistry
import TelegramBotAPI

/// An overflow order being described with /limpahkan: what the vendor has answered so far.
struct OrderDraft: Equatable {
    /// The steps of /limpahkan, in order.
    enum Step: String, CaseIterable {
        case business, what, when, place, note, contact
    }

    var step: Step = .what
    var businessID: Int64?
    var what: String?
    var quantity: Int?
    var neededAt: Date?
    var place: GeoPoint?
    var kelurahan: String?
    var note = ""

    init(businessID: Int64?) {
        self.businessID = businessID
        step = businessID == nil ? .business : .what
    }

    var json: JSONValue {
        [
            "step": .string(step.rawValue), "business": businessID.map(JSONValue.int) ?? .null, "what": what.map(JSONValue.string) ?? .null,
            "quantity": quantity.map { .int(Int64($0)) } ?? .null,
            "needed_at": neededAt.map { .int(Int64($0.timeIntervalSince1970)) } ?? .null,
            "latitude": place.map { .double($0.latitude) } ?? .null, "longitude": place.map { .double($0.longitude) } ?? .null,
            "kelurahan": kelurahan.map(JSONValue.string) ?? .null, "note": .string(note),
        ]
    }

    init?(json: JSONValue) {
        guard let step = json["step"]?.stringValue.flatMap(Step.init) else { return nil }
        self.step = step
        businessID = json["business"]?.int64Value
        what = json["what"]?.stringValue
        quantity = json["quantity"]?.int64Value.map { Int($0) }
        neededAt = json["needed_at"]?.int64Value.map { Date(timeIntervalSince1970: TimeInterval($0)) }
        if let latitude = json["latitude"]?.doubleValue, let longitude = json["longitude"]?.doubleValue {
            place = GeoPoint(latitude: latitude, longitude: longitude)
        }
        kelurahan = json["kelurahan"]?.stringValue
        note = json["note"]?.stringValue ?? ""
    }
}

/// Reading a vendor's typed answers to /limpahkan.
enum OrderInput {
    /// The most a vendor may pass on in one order, and the longest description.
    static let quantityRange = 1...100_000
    static let maxWhatLength = 120

    /// "200 nasi kotak" → (the text, 200); "1.000 kue" → 1000. Nil without a number, without words, or out of range.
    static func what(_ text: String) -> (what: String, quantity: Int)? {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty, trimmed.count <= maxWhatLength, trimmed.contains(where: \.isLetter),
              !trimmed.contains(where: { $0.isNewline || $0 == "<" || $0 == ">" }) else { return nil }
        // The first run of digits (with thousands dots or commas) is the quantity.
        guard let start = trimmed.firstIndex(where: \.isNumber) else { return nil }
        let run = trimmed[start...].prefix { $0.isNumber || $0 == "." || $0 == "," }
        let digits = run.filter(\.isNumber)
        guard digits.count <= 6, let quantity = Int(digits), quantityRange.contains(quantity) else { return nil }
        return (trimmed, quantity)
    }

    /// "12/12 10.00", "12/12/2026 10:00", "besok 07.30", "hari ini 16.00", "lusa 9", "tomorrow 7:30" in
    /// `timeZone`; nil when it cannot be read, has passed, or is more than a year ahead.
    static func when(_ text: String, now: Date, timeZone: TimeZone) -> Date? {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        var words = text.lowercased().replacingOccurrences(of: ",", with: " ").split(whereSeparator: \.isWhitespace).map(String.init)
        words.removeAll { ["pukul", "jam", "at", "pkl", "wita"].contains($0) }
        var dayOffset: Int?
        var date: (day: Int, month: Int, year: Int?)?
        var time: (hour: Int, minute: Int)?
        var index = 0
        while index < words.count {
            let word = words[index]
            if ["besok", "tomorrow", "bsk"].contains(word) {
                dayOffset = 1
            } else if word == "lusa" {
                dayOffset = 2
            } else if word == "today" || word == "ini" {
                dayOffset = dayOffset ?? 0
            } else if word == "hari" {
                // "hari ini": read by "ini".
            } else if word.contains("/") || (word.contains("-") && word.split(separator: "-").count >= 2) {
                let parts = word.split(whereSeparator: { $0 == "/" || $0 == "-" }).compactMap { Int($0) }
                guard parts.count == 2 || parts.count == 3 else { return nil }
                date = (parts[0], parts[1], parts.count == 3 ? (parts[2] < 100 ? 2000 + parts[2] : parts[2]) : nil)
            } else {
                let parts = word.split(whereSeparator: { $0 == "." || $0 == ":" }).map(String.init)
                guard (1...2).contains(parts.count), let hour = Int(parts[0]), (0...23).contains(hour) else { return nil }
                let minute = parts.count == 2 ? Int(parts[1]) : 0
                guard let minute, (0...59).contains(minute) else { return nil }
                time = (hour, minute)
            }
            index += 1
        }
        guard let time, date != nil || dayOffset != nil || !words.isEmpty else { return nil }
        let today = calendar.dateComponents([.year, .month, .day], from: now)
        var components = DateComponents(hour: time.hour, minute: time.minute)
        if let date {
            guard (1...31).contains(date.day), (1...12).contains(date.month) else { return nil }
            components.year = date.year ?? today.year
            components.month = date.month
            components.day = date.day
        } else {
            guard let day = calendar.date(byAdding: .day, value: dayOffset ?? 0, to: now) else { return nil }
            let parts = calendar.dateComponents([.year, .month, .day], from: day)
            (components.year, components.month, components.day) = (parts.year, parts.month, parts.day)
        }
        guard var result = calendar.date(from: components),
              calendar.component(.day, from: result) == components.day else { return nil }  // 31/02 is not a date
        // "5/1" written in December means next January.
        if date != nil, date?.year == nil, result < now.addingTimeInterval(-86_400), let next = calendar.date(byAdding: .year, value: 1, to: result) {
            result = next
        }
        guard result > now, result < now.addingTimeInterval(366 * 86_400) else { return nil }
        return result
    }
}
