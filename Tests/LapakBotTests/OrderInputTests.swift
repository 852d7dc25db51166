import Foundation
@testable import LapakBot
import Testing

/// What a vendor types in /limpahkan: the order with its quantity, and when it is needed.
@Suite("Overflow order input: what and how many, and when")
struct OrderInputTests {
    static let zone = TimeZone(identifier: "Asia/Makassar")!
    /// Tuesday 1 December 2026, 10.00 WITA.
    static let now = Date(timeIntervalSince1970: 1_796_090_400)

    static func wita(_ day: Int, _ month: Int, _ hour: Int, _ minute: Int, year: Int = 2026) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        return calendar.date(from: DateComponents(year: year, month: month, day: day, hour: hour, minute: minute))!
    }

    @Test("The first number is the quantity", arguments: [
        ("200 nasi kotak", 200), ("nasi kotak 150 porsi", 150), ("1.000 kue lapis", 1000), ("2,500 amplang", 2500),
    ])
    func quantities(text: String, quantity: Int) {
        #expect(OrderInput.what(text)?.quantity == quantity)
        #expect(OrderInput.what(text)?.what == text)
    }

    @Test("Without a number, without words, out of range or too long it is refused", arguments: [
        "nasi kotak", "200", "0 nasi kotak", "200000 nasi kotak", "", String(repeating: "a", count: 121) + " 5", "5 <b>kue</b>",
    ])
    func refusedWhat(text: String) {
        #expect(OrderInput.what(text) == nil)
    }

    @Test("Dates and times as vendors write them", arguments: [
        ("besok 07.30", wita(2, 12, 7, 30)), ("hari ini 16.00", wita(1, 12, 16, 0)), ("lusa jam 9", wita(3, 12, 9, 0)),
        ("12/12 10.00", wita(12, 12, 10, 0)), ("12/12/2026 pukul 10:00", wita(12, 12, 10, 0)), ("tomorrow 7:30", wita(2, 12, 7, 30)),
        ("5/1 08.00", wita(5, 1, 8, 0, year: 2027)), ("15.30", wita(1, 12, 15, 30)),
    ])
    func when(text: String, expected: Date) {
        #expect(OrderInput.when(text, now: Self.now, timeZone: Self.zone) == expected)
    }

    @Test("Past, impossible or unreadable times are refused", arguments: [
        "hari ini 08.00", "kemarin 10.00", "31/2 10.00", "12/13 10.00", "besok 25.00", "besok", "segera", "12/12/2028 10.00",
    ])
    func refusedWhen(text: String) {
        #expect(OrderInput.when(text, now: Self.now, timeZone: Self.zone) == nil)
    }
}
