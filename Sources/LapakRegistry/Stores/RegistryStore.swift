import Foundation

/// Everything a handler may ask of the registry inside one update's transaction, on either store.
public typealias RegistryStore = BusinessStore & CheckInStore & CoachingStore & OverflowOrderStore & HalalStore

extension Registry.Session: BusinessStore, CheckInStore, CoachingStore, OverflowOrderStore, HalalStore {}

/// Local days in the registry's time zone: "today" for check-ins and closed-today, years for the halal quota.
public struct LocalDays: Sendable {
    /// The zone whose midnight ends a day.
    public let timeZone: TimeZone

    /// Days in `timeZone`.
    public init(timeZone: TimeZone) { self.timeZone = timeZone }

    private var calendar: Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        return calendar
    }

    /// Local midnight at the start of the day containing `now`.
    public func startOfDay(containing now: Date) -> Date { calendar.startOfDay(for: now) }

    /// The next local midnight after `now`: when a check-in of today ends.
    public func endOfDay(after now: Date) -> Date {
        calendar.date(byAdding: .day, value: 1, to: startOfDay(containing: now)) ?? now.addingTimeInterval(86_400)
    }

    /// The local calendar year of `date`.
    public func year(of date: Date) -> Int { calendar.component(.year, from: date) }
}

extension BusinessStore {
    /// The next local midnight after `now`: when a check-in of today ends.
    public func endOfDay(after now: Date) -> Date { LocalDays(timeZone: timeZone).endOfDay(after: now) }
    /// Local midnight at the start of the day containing `now`.
    public func startOfDay(containing now: Date) -> Date { LocalDays(timeZone: timeZone).startOfDay(containing: now) }
    /// The local calendar year of `date` (the halal quota's year).
    public func localYear(of date: Date) -> Int { LocalDays(timeZone: timeZone).year(of: date) }
}
