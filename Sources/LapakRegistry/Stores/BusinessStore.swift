import Foundation

/// The registry's businesses inside one update's transaction: records, owners, vendors' own edits and the nearest search.
///
/// Every method runs inside the caller's transaction and throws what the store throws; the caller's commit
/// makes it durable.
///
/// Both stores implement it: `Registry.Session` on SQLite and the PostgreSQL session. A handler sees only this
/// protocol, so what it writes commits with its replies and the update's "handled" mark on either store.
public protocol BusinessStore: BusinessNameIndex {
    /// The category taxonomy the store files businesses under.
    var taxonomy: CategoryTaxonomy { get }
    /// "Today" ends at local midnight in this zone (check-ins, closed-today, quota years).
    var timeZone: TimeZone { get }
    /// Inserts a new business or updates the one with the same registry id.
    @discardableResult
    func upsert(_ business: Business, at now: Date) throws -> (Business, Registry.UpsertOutcome)
    /// Upserts many businesses in one transaction (imports, samples, benchmarks); `progress(done, total)` as it goes.
    func upsertAll(_ businesses: [Business], now: Date, progress: (Int, Int) -> Void) throws -> ImportSummary
    /// The business with this registry id.
    func business(registryID: String) throws -> Business?
    /// The business with this row id.
    func business(id: Int64) throws -> Business?
    /// Where the business can be found now (its shop, or today's check-in), if it is searchable.
    func currentPosition(ofBusiness id: Int64) throws -> GeoPoint?
    /// Every business, in registry id order (export, tests).
    func allBusinesses() throws -> [Business]
    /// How many businesses the registry holds.
    func count() throws -> Int
    /// Changes whether a business is shown (suspend, reactivate, delete for the agency).
    func setStatus(_ status: BusinessStatus, ofBusiness id: Int64, at now: Date) throws
    /// Stores a self-enrolled business: active at once, not yet verified, owned by `owner`.
    ///
    /// Its registry id is the next free `TG-000001`-style number, so the agency can tell self-enrolled
    /// records from its own imports at a glance. `halalClaimed` records the owner's word; the halal mark
    /// itself waits for staff.
    func enroll(_ business: Business, owner: Int64, halalClaimed: Bool, now: Date) throws -> Business
    /// The businesses an account owns (deleted ones excluded), oldest first.
    func businesses(ownedBy owner: Int64) throws -> [Business]
    /// Businesses registered with `phone` (normalised `+62…`), deleted ones excluded.
    func businesses(phone: String) throws -> [Business]
    /// Saves changed fields of an existing business (found by id); its status is kept.
    @discardableResult
    func update(_ business: Business, now: Date) throws -> Business
    /// Marks a business checked (or not) by the agency. Verifying confirms the owner's halal claim too:
    /// staff check the certificate with the rest of the record.
    func setVerified(_ verified: Bool, ofBusiness id: Int64, now: Date) throws
    /// Records (or withdraws) the owner's word that the business is halal certified, awaiting staff.
    func setHalalClaim(_ claimed: Bool, ofBusiness id: Int64, now: Date) throws
    /// Whether the owner claims a halal certificate that staff have not confirmed yet.
    func hasHalalClaim(_ id: Int64) throws -> Bool
    /// Staff set the certificate mark itself (/halal, or a card's button); any pending claim is settled.
    @discardableResult
    func certifyHalal(_ certified: Bool, ofBusiness id: Int64, now: Date) throws -> Business
    /// Self-enrolled businesses not yet checked by staff (active ones), oldest first, and how many there are.
    func unverified(limit: Int) throws -> (businesses: [Business], total: Int)
    /// Hides a fixed shop from searches until the next local midnight; returns when it shows again.
    @discardableResult
    func closeToday(businessID: Int64, now: Date) throws -> Date
    /// Shows a shop closed today again.
    func reopen(businessID: Int64, now: Date) throws
    /// When a shop closed today opens again, if it is closed at `now`.
    func closedUntil(businessID: Int64, now: Date) throws -> Date?
    /// Moves the check-in that follows `message` (an edit of a live location); returns its business, or
    /// nil when no active check-in follows that message (a citizen's live location, or one that ended).
    func moveLiveCheckIn(following message: LiveMessage, to position: GeoPoint, accuracy: Double?, now: Date) throws -> Business?
    /// Ends the check-in that follows `message` (the vendor stopped sharing); returns its business.
    func endLiveCheckIn(following message: LiveMessage, now: Date) throws -> Business?
    /// Links the business `id` to `owner` if it still has no owner, and writes the audit row.
    ///
    /// For `.contact` the business must carry `phone`, the number Telegram vouched for; the check is done
    /// again here because the id comes from a button and the record may have changed. Returns the linked
    /// business, or nil when nothing was linked.
    func link(_ id: Int64, to owner: Int64, proof: OwnershipProof, phone: String, approvedBy: Int64?, request: Int64?, now: Date) throws -> Business?
    /// The audit of a business's owners, oldest first.
    func ownershipHistory(of businessID: Int64) throws -> [OwnershipRecord]
    /// Records `user`'s request to link `businessID`; a second request while one is pending returns the first.
    /// - Returns: the request and whether it is new (only a new one is announced to staff).
    func requestLink(_ businessID: Int64, by user: Int64, userName: String, phone: String, now: Date) throws -> (request: LinkRequest, isNew: Bool)
    /// The link request with this id.
    func linkRequest(_ id: Int64) throws -> LinkRequest?
    /// Staff approve or refuse a pending request; an approval links the business (audited) if it is still unowned.
    func decideLinkRequest(_ id: Int64, approve: Bool, by staffID: Int64, now: Date) throws -> LinkDecision
    /// The businesses nearest to `query.origin`, by ascending distance (ties by registry row id).
    ///
    /// Menetap businesses are found at their shop, berkeliling ones only while checked in, suspended
    /// ones never. The R*Tree hands out its entries nearest first by a lower bound of their distance
    /// (its coordinates are float32); each entry's exact distance is computed from the stored doubles,
    /// and the walk stops once the bound passes the last distance the page needs, so the answer is
    /// exactly what a full scan would give.
    func nearest(_ query: NearestQuery, at now: Date) throws -> [SearchResult]
    // The name lookups (`hasBusinessNamed`, `namesSharingTrigrams`, `businessIDs`) are `BusinessNameIndex`'s.
}

extension BusinessStore {
    /// Links the business `id` to `owner` on the owner's own proof (no staff approval, no request).
    public func link(_ id: Int64, to owner: Int64, proof: OwnershipProof, phone: String, now: Date) throws -> Business? {
        try link(id, to: owner, proof: proof, phone: phone, approvedBy: nil, request: nil, now: now)
    }
}
