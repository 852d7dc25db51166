import Foundation

/// Mobile vendors' check-ins inside one update's transaction: where a cart sells today.
///
/// Every method runs inside the caller's transaction and throws what the store throws; the caller's commit
/// makes it durable.
public protocol CheckInStore {
    /// Records where a mobile vendor sells now, ending any earlier check-in of today.
    ///
    /// - Parameter liveUntil: for a live location, when its sharing period ends.
    /// - Parameter liveMessage: the chat and message of a live location, whose edits move the check-in.
    @discardableResult
    func checkIn(businessID: Int64, at position: GeoPoint, accuracy: Double?, source: CheckIn.Source, liveUntil: Date?, liveMessage: LiveMessage?, now: Date) throws -> CheckIn
    /// Checks in many mobile vendors at once (one transaction), e.g. to stage a demo day; returns how many.
    /// Businesses that are not active mobile vendors are passed over.
    @discardableResult
    func checkIn(_ positions: [(businessID: Int64, position: GeoPoint)], now: Date) throws -> Int
    /// Moves the vendor's current check-in (a live location's edit); false when none is active.
    @discardableResult
    func moveCheckIn(businessID: Int64, to position: GeoPoint, accuracy: Double?, now: Date) throws -> Bool
    /// Ends today's check-in early (/tutup); false when there was none.
    @discardableResult
    func checkOut(businessID: Int64, now: Date) throws -> Bool
    /// The business's check-in that is active at `now`, if any.
    func activeCheckIn(businessID: Int64, now: Date) throws -> CheckIn?
    /// Whether the vendor ended a check-in of today before `now` (/tutup, or a live location that stopped).
    func checkedOutToday(businessID: Int64, now: Date) throws -> Bool
    /// Removes search entries of check-ins that have expired. The search skips them anyway; removing them
    /// keeps the R*Tree to today's vendors. Every check-in does it, so yesterday's carts go with today's first.
    @discardableResult
    func purgeExpiredPlaces(now: Date) throws -> Int
}

extension CheckInStore {
    /// Records where a mobile vendor sells now, when the position's accuracy is unknown.
    public func checkIn(businessID: Int64, at position: GeoPoint, source: CheckIn.Source, liveUntil: Date?, liveMessage: LiveMessage?,
                        now: Date) throws -> CheckIn {
        try checkIn(businessID: businessID, at: position, accuracy: nil, source: source, liveUntil: liveUntil, liveMessage: liveMessage, now: now)
    }
}
