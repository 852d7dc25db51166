import Foundation

/// What `lapak export` reads, on either store: every business with its times, and one row per record of
/// the coaching programme (apprenticeships, overflow orders, halal applications).
///
/// The exporters turn these rows into CSV and GeoJSON; the stores only read them, so SQLite and
/// PostgreSQL export byte-identical files from the same records.
public protocol ExportStore {
    /// Every business with its timestamps, in registry id order (byte order, as SQLite compares TEXT).
    func allRecords() throws -> [BusinessRecord]
    /// Every apprenticeship with both sides' names and what was reported, oldest first.
    func apprenticeshipExportRows() throws -> [ApprenticeshipExportRow]
    /// Every overflow order with its sender, taker and number of offers, oldest first.
    func overflowOrderExportRows() throws -> [OverflowOrderExportRow]
    /// Every halal certificate application with its business, in order of arrival.
    func halalExportRows() throws -> [HalalExportRow]
}

/// One apprenticeship as the export lists it.
public struct ApprenticeshipExportRow: Sendable, Hashable {
    public var id: Int64
    public var status: String
    public var beginnerRegistryID: String
    public var beginnerName: String
    public var mentorRegistryID: String
    public var mentorName: String
    /// The beginner's kind (the mentor's is the same).
    public var category: String
    public var weeks: Int
    public var proposedAt: Date
    public var startsAt: Date?
    public var endsAt: Date?
    public var closedAt: Date?
    public var beginnerAccepted: Bool
    public var mentorAccepted: Bool
    /// Weekly check-ins answered "we met".
    public var meetingsReported: Int
    public var beginnerRating: Int?
    public var mentorRating: Int?

    /// A row of the apprenticeships export.
    public init(id: Int64, status: String, beginnerRegistryID: String, beginnerName: String, mentorRegistryID: String, mentorName: String,
                category: String, weeks: Int, proposedAt: Date, startsAt: Date?, endsAt: Date?, closedAt: Date?, beginnerAccepted: Bool,
                mentorAccepted: Bool, meetingsReported: Int, beginnerRating: Int?, mentorRating: Int?) {
        self.id = id
        self.status = status
        self.beginnerRegistryID = beginnerRegistryID
        self.beginnerName = beginnerName
        self.mentorRegistryID = mentorRegistryID
        self.mentorName = mentorName
        self.category = category
        self.weeks = weeks
        self.proposedAt = proposedAt
        self.startsAt = startsAt
        self.endsAt = endsAt
        self.closedAt = closedAt
        self.beginnerAccepted = beginnerAccepted
        self.mentorAccepted = mentorAccepted
        self.meetingsReported = meetingsReported
        self.beginnerRating = beginnerRating
        self.mentorRating = mentorRating
    }
}

/// One overflow order as the export lists it: from whom, to whom, when, and its final status.
public struct OverflowOrderExportRow: Sendable, Hashable {
    public var id: Int64
    public var status: String
    public var fromRegistryID: String
    public var fromName: String
    public var what: String
    public var quantity: Int
    public var neededAt: Date
    public var kelurahan: String
    public var createdAt: Date
    /// Waves of offers sent so far.
    public var waves: Int
    public var offers: Int
    /// The business that took it, when one did.
    public var toRegistryID: String?
    public var toName: String?
    /// Whether the taker was offered it as the sender's apprentice.
    public var viaApprenticeship: Bool
    public var closedAt: Date?

    /// A row of the orders export.
    public init(id: Int64, status: String, fromRegistryID: String, fromName: String, what: String, quantity: Int, neededAt: Date,
                kelurahan: String, createdAt: Date, waves: Int, offers: Int, toRegistryID: String?, toName: String?,
                viaApprenticeship: Bool, closedAt: Date?) {
        self.id = id
        self.status = status
        self.fromRegistryID = fromRegistryID
        self.fromName = fromName
        self.what = what
        self.quantity = quantity
        self.neededAt = neededAt
        self.kelurahan = kelurahan
        self.createdAt = createdAt
        self.waves = waves
        self.offers = offers
        self.toRegistryID = toRegistryID
        self.toName = toName
        self.viaApprenticeship = viaApprenticeship
        self.closedAt = closedAt
    }
}

/// One halal certificate application as the export lists it.
public struct HalalExportRow: Sendable, Hashable {
    public var id: Int64
    public var businessRegistryID: String
    public var businessName: String
    public var category: String
    public var kelurahan: String
    public var status: String
    public var submittedAt: Date
    public var updatedAt: Date
    public var quotaYear: Int?
    public var certificateNumber: String?
    /// The certificate's last valid day as stored (`2027-12-31`).
    public var expiresOn: String?
    public var remindedAt: Date?

    /// A row of the halal export.
    public init(id: Int64, businessRegistryID: String, businessName: String, category: String, kelurahan: String, status: String,
                submittedAt: Date, updatedAt: Date, quotaYear: Int?, certificateNumber: String?, expiresOn: String?, remindedAt: Date?) {
        self.id = id
        self.businessRegistryID = businessRegistryID
        self.businessName = businessName
        self.category = category
        self.kelurahan = kelurahan
        self.status = status
        self.submittedAt = submittedAt
        self.updatedAt = updatedAt
        self.quotaYear = quotaYear
        self.certificateNumber = certificateNumber
        self.expiresOn = expiresOn
        self.remindedAt = remindedAt
    }
}

extension Date {
    /// The date of a timestamp column (seconds since 1970).
    init(registrySeconds seconds: Int64) { self.init(timeIntervalSince1970: TimeInterval(seconds)) }
}
