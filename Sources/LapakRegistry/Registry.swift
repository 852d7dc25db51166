import Foundation
import GRDB
import LapakDatabase

/// The registry of UMKM: storage, check-ins and the nearest-business search.
///
/// Every change to a business or a check-in also updates its searchable `place` and the R*Tree row
/// in the same transaction, so the search index can never disagree with the registry.
public struct Registry: Sendable {
    public let database: AppDatabase
    public let taxonomy: CategoryTaxonomy
    /// "Today" ends at local midnight in this zone (check-ins, closed-today).
    public let timeZone: TimeZone

    public init(database: AppDatabase, taxonomy: CategoryTaxonomy, timeZone: TimeZone) {
        self.database = database
        self.taxonomy = taxonomy
        self.timeZone = timeZone
    }

    /// What an upsert did.
    public enum UpsertOutcome: Sendable, Hashable {
        case inserted
        case updated
        case unchanged
    }

    /// The registry's operations bound to `db`, to run inside the caller's transaction.
    public func session(_ db: Database) -> Session { Session(registry: self, db: db) }

    /// Runs `body` on a session in one read transaction (a consistent snapshot while the bot writes).
    public func read<T: Sendable>(_ body: @escaping @Sendable (Session) throws -> T) async throws -> T {
        try await database.writer.read { [self] db in try body(session(db)) }
    }

    /// The registry inside one transaction: synchronous mirrors of the async methods, on the caller's `Database`.
    ///
    /// Deliberately not Sendable: it lives only as long as the `write { db in … }` or `read { db in … }` closure
    /// that made it, so changes of several stores (and marking the update handled) commit together.
    public struct Session {
        /// The registry this session works for.
        public let registry: Registry
        /// The caller's connection, inside its transaction.
        public let db: Database

        /// A session of `registry` on `db` (see `Registry.session(_:)`).
        public init(registry: Registry, db: Database) {
            self.registry = registry
            self.db = db
        }

        /// The registry's category taxonomy.
        public var taxonomy: CategoryTaxonomy { registry.taxonomy }
        /// The registry's time zone ("today" ends at local midnight here).
        public var timeZone: TimeZone { registry.timeZone }
    }

    /// Inserts a new business or updates the one with the same registry id.
    @discardableResult
    public func upsert(_ business: Business, at now: Date = Date()) async throws -> (Business, UpsertOutcome) {
        try await database.writer.write { try session($0).upsert(business, at: now) }
    }

    /// Upserts many businesses in one transaction (imports, samples, benchmarks); `progress(done, total)` as it goes.
    public func upsertAll(_ businesses: [Business], now: Date = Date(), progress: @Sendable (Int, Int) -> Void = { _, _ in }) async throws -> ImportSummary {
        try await database.writer.write { try session($0).upsertAll(businesses, now: now, progress: progress) }
    }

    /// The business with this registry id.
    public func business(registryID: String) async throws -> Business? {
        try await database.writer.read { try session($0).business(registryID: registryID) }
    }

    /// The business with this row id.
    public func business(id: Int64) async throws -> Business? {
        try await database.writer.read { try session($0).business(id: id) }
    }

    /// Where the business can be found now (its shop, or today's check-in), if it is searchable.
    public func currentPosition(ofBusiness id: Int64) async throws -> GeoPoint? {
        try await database.writer.read { try session($0).currentPosition(ofBusiness: id) }
    }

    /// Every business, in registry id order (export, tests).
    public func allBusinesses() async throws -> [Business] {
        try await database.writer.read { try session($0).allBusinesses() }
    }

    /// How many businesses the registry holds.
    public func count() async throws -> Int {
        try await database.writer.read { try session($0).count() }
    }

    /// Changes whether a business is shown (suspend, reactivate, delete for the agency).
    public func setStatus(_ status: BusinessStatus, ofBusiness id: Int64, at now: Date = Date()) async throws {
        try await database.writer.write { try session($0).setStatus(status, ofBusiness: id, at: now) }
    }

    // MARK: - Internals shared with the importer and check-ins

    static func upsert(_ business: Business, existing: Business?, now: Date, codes: inout CategoryCodes,
                       in db: Database, sheet: SheetFields = SheetFields()) throws -> (Business, UpsertOutcome) {
        let timestamp = Int64(now.timeIntervalSince1970)
        var stored = business
        let outcome: UpsertOutcome
        if let existing {
            stored.id = existing.id
            // An owner's edit or a sheet without these columns says nothing about them: the stored ones stay.
            if !sheet.setsStatus { stored.status = existing.status }
            if !sheet.setsSource { stored.source = existing.source }
            // A re-import of the agency's sheet (no Telegram column) never unlinks a vendor who linked their account.
            if stored.ownerTelegramID == nil { stored.ownerTelegramID = existing.ownerTelegramID }
            let business = stored
            guard !existing.sameRecord(as: business) || existing.verified != business.verified || existing.status != business.status
                || existing.source != business.source else { return (existing, .unchanged) }
            try db.cachedStatement(
                sql: """
                    UPDATE business SET name = ?, category = ?, mode = ?, latitude = ?, longitude = ?, kelurahan = ?,
                        address = ?, phone = ?, owner_telegram_id = ?, halal = ?, status = ?, verified = ?, source = ?,
                        updated_at = ? WHERE id = ?
                    """).execute(
                arguments: [business.name, business.category, business.mode.rawValue, business.location?.latitude,
                            business.location?.longitude, business.kelurahan, business.address, business.phone,
                            business.ownerTelegramID, business.halal, business.status.rawValue, business.verified,
                            business.source.rawValue, timestamp, existing.id])
            outcome = .updated
        } else {
            // A restored export keeps its history; anything else starts now.
            let created = sheet.createdAt.map { Int64($0.timeIntervalSince1970) } ?? timestamp
            let updated = sheet.updatedAt.map { Int64($0.timeIntervalSince1970) } ?? timestamp
            try db.cachedStatement(
                sql: """
                    INSERT INTO business (registry_id, name, category, mode, latitude, longitude, kelurahan, address, phone,
                        owner_telegram_id, halal, status, verified, created_at, updated_at, source)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """).execute(
                arguments: [business.registryID, business.name, business.category, business.mode.rawValue,
                            business.location?.latitude, business.location?.longitude, business.kelurahan, business.address,
                            business.phone, business.ownerTelegramID, business.halal, business.status.rawValue,
                            business.verified, created, updated, business.source.rawValue])
            stored.id = db.lastInsertedRowID
            outcome = .inserted
        }
        try syncPlace(for: stored, now: now, codes: &codes, in: db)
        return (stored, outcome)
    }

    static func fetchBusiness(registryID: String, in db: Database) throws -> Business? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM business WHERE registry_id = ?"), arguments: [registryID]).map(business(from:))
    }

    /// Decodes a row that starts with the business table's columns (`SELECT *` or `SELECT b.*, …`).
    ///
    /// By position, not by name: name lookups cost a case-insensitive search per column, and this runs
    /// for every search result. Migrations only ever append columns, so these positions hold.
    static func business(from row: Row) -> Business {
        let latitude: Double? = row[5]
        let longitude: Double? = row[6]
        return Business(
            id: row[0], registryID: row[1], name: row[2], category: row[3],
            mode: OperatingMode(rawValue: row[4]) ?? .menetap,
            location: latitude.flatMap { lat in longitude.map { GeoPoint(latitude: lat, longitude: $0) } },
            kelurahan: row[7], address: row[8], phone: row[9], ownerTelegramID: row[10],
            halal: row[11], status: BusinessStatus(rawValue: row[12]) ?? .active, verified: row[13],
            source: BusinessSource(rawValue: row[16]) ?? .imported)
    }

    /// Re-derives where a business can be found now.
    static func syncPlace(businessID: Int64, now: Date, codes: inout CategoryCodes, in db: Database) throws {
        guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM business WHERE id = ?"), arguments: [businessID]) else {
            try removePlace(businessID, in: db)
            return
        }
        try syncPlace(for: business(from: row), now: now, codes: &codes, in: db)
    }

    /// Menetap: the shop. Berkeliling: today's check-in, if any. Suspended and inactive: nowhere.
    static func syncPlace(for business: Business, now: Date, codes: inout CategoryCodes, in db: Database) throws {
        guard business.status == .active else { return try removePlace(business.id, in: db) }
        var position: GeoPoint?
        var checkinID: Int64?
        var expiresAt: Int64?
        var opensAt: Int64?
        switch business.mode {
        case .menetap:
            position = business.location
            opensAt = try Int64.fetchOne(db.cachedStatement(sql: "SELECT until FROM closure WHERE business_id = ? AND until > ?"),
                                         arguments: [business.id, Int64(now.timeIntervalSince1970)])
        case .berkeliling:
            if let row = try Row.fetchOne(db.cachedStatement(sql: """
                SELECT id, latitude, longitude, ends_at FROM checkin
                WHERE business_id = ? AND ended_at IS NULL AND ends_at > ? ORDER BY started_at DESC LIMIT 1
                """), arguments: [business.id, Int64(now.timeIntervalSince1970)]) {
                position = GeoPoint(latitude: row["latitude"], longitude: row["longitude"])
                checkinID = row["id"]
                expiresAt = row["ends_at"]
            }
        }
        guard let position else { return try removePlace(business.id, in: db) }
        let code = try codes.code(for: business.category, in: db)
        try db.cachedStatement(sql: """
            INSERT INTO place (business_id, latitude, longitude, checkin_id, expires_at, opens_at) VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT(business_id) DO UPDATE SET latitude = excluded.latitude, longitude = excluded.longitude,
                checkin_id = excluded.checkin_id, expires_at = excluded.expires_at, opens_at = excluded.opens_at
            """).execute(arguments: [business.id, position.latitude, position.longitude, checkinID, expiresAt, opensAt])
        let category = Self.indexValue(ofCategoryCode: code)
        try db.cachedStatement(sql: "INSERT OR REPLACE INTO place_index VALUES (?, ?, ?, ?, ?, ?, ?, ?)").execute(
                       arguments: [business.id, position.latitude, position.latitude, position.longitude, position.longitude,
                                   category, category, business.halal])
    }

    /// The R*Tree coordinate of a category code.
    ///
    /// Why so small: the R*Tree splits its nodes along the dimensions with the widest spread. Stored as
    /// 1, 2, 3… a category spans far more than a city's 0.1° of latitude, and the tree ends up sorted by
    /// category first, so a search of all kinds visits almost every node. Scaled to millionths of a
    /// degree the tree stays spatial and the category still prunes near the leaves; float32 keeps the
    /// values distinct. (Measured at 1,000,000 with the sqlite3 shell: 41 ms per box query with a
    /// halal dimension and unscaled codes, 0.04 ms with scaled codes and halal as an auxiliary column.)
    static func indexValue(ofCategoryCode code: Int64) -> Double { Double(code) * 1e-6 }

    static func removePlace(_ businessID: Int64, in db: Database) throws {
        try db.cachedStatement(sql: "DELETE FROM place WHERE business_id = ?").execute(arguments: [businessID])
        try db.cachedStatement(sql: "DELETE FROM place_index WHERE id = ?").execute(arguments: [businessID])
    }
}

extension Registry.Session {
    /// `upsert(_:at:)` inside the caller's transaction.
    @discardableResult
    public func upsert(_ business: Business, at now: Date = Date()) throws -> (Business, Registry.UpsertOutcome) {
        var codes = CategoryCodes()
        return try Registry.upsert(business, existing: try Registry.fetchBusiness(registryID: business.registryID, in: db),
                                   now: now, codes: &codes, in: db)
    }

    /// `upsertAll(_:now:progress:)` inside the caller's transaction.
    public func upsertAll(_ businesses: [Business], now: Date = Date(), progress: (Int, Int) -> Void = { _, _ in }) throws -> ImportSummary {
        try upsertAll(businesses.map { ($0, SheetFields()) }, now: now, progress: progress)
    }

    /// `business(registryID:)` inside the caller's transaction.
    public func business(registryID: String) throws -> Business? {
        try Registry.fetchBusiness(registryID: registryID, in: db)
    }

    /// `business(id:)` inside the caller's transaction.
    public func business(id: Int64) throws -> Business? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM business WHERE id = ?"), arguments: [id]).map(Registry.business(from:))
    }

    /// `currentPosition(ofBusiness:)` inside the caller's transaction.
    public func currentPosition(ofBusiness id: Int64) throws -> GeoPoint? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT latitude, longitude FROM place WHERE business_id = ?"), arguments: [id])
            .map { GeoPoint(latitude: $0["latitude"], longitude: $0["longitude"]) }
    }

    /// `allBusinesses()` inside the caller's transaction.
    public func allBusinesses() throws -> [Business] {
        try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM business ORDER BY registry_id")).map(Registry.business(from:))
    }

    /// `count()` inside the caller's transaction.
    public func count() throws -> Int {
        try Int.fetchOne(db.cachedStatement(sql: "SELECT count(*) FROM business")) ?? 0
    }

    /// `setStatus(_:ofBusiness:at:)` inside the caller's transaction.
    public func setStatus(_ status: BusinessStatus, ofBusiness id: Int64, at now: Date = Date()) throws {
        try db.cachedStatement(sql: "UPDATE business SET status = ?, updated_at = ? WHERE id = ?").execute(arguments: [status.rawValue, Int64(now.timeIntervalSince1970), id])
        var codes = CategoryCodes()
        try Registry.syncPlace(businessID: id, now: now, codes: &codes, in: db)
    }
}

/// Small stable integers for category slugs (the R*Tree's third dimension), cached per transaction.
struct CategoryCodes {
    private var cache: [String: Int64] = [:]

    mutating func code(for slug: String, in db: Database) throws -> Int64 {
        if let code = cache[slug] { return code }
        let code: Int64
        if let existing = try Int64.fetchOne(db.cachedStatement(sql: "SELECT code FROM category_code WHERE slug = ?"), arguments: [slug]) {
            code = existing
        } else {
            code = (try Int64.fetchOne(db.cachedStatement(sql: "SELECT max(code) FROM category_code")) ?? 0) + 1
            try db.cachedStatement(sql: "INSERT INTO category_code (slug, code) VALUES (?, ?)").execute(arguments: [slug, code])
        }
        cache[slug] = code
        return code
    }

    /// The code of `slug` if any business of it was ever stored.
    static func existingCode(for slug: String, in db: Database) throws -> Int64? {
        try Int64.fetchOne(db.cachedStatement(sql: "SELECT code FROM category_code WHERE slug = ?"), arguments: [slug])
    }
}
