import Foundation

/// How a business operates.
public enum OperatingMode: String, Sendable, Hashable, CaseIterable {
    /// A fixed shop, searchable at its address.
    case menetap
    /// Mobile (carts, vegetable sellers), searchable only while checked in.
    case berkeliling

    /// Reads the CSV spelling: menetap/berkeliling, also fixed/mobile, keliling, tetap.
    public init?(spelling: String) {
        switch spelling.trimmingCharacters(in: .whitespaces).lowercased() {
        case "menetap", "tetap", "fixed": self = .menetap
        case "berkeliling", "keliling", "mobile": self = .berkeliling
        default: return nil
        }
    }
}

/// Whether a business is shown to citizens.
public enum BusinessStatus: String, Sendable, Hashable {
    case active, suspended
    /// Deleted by its owner: kept for the agency, never shown.
    case inactive
}

/// Where a business record came from; kept through export and import.
public enum BusinessSource: String, Sendable, Hashable, CaseIterable {
    /// From the agency's spreadsheet (`lapak import`).
    case imported
    /// Registered by its owner with /daftar.
    case selfEnrolled = "self-enrolled"
}

/// One UMKM of the registry.
public struct Business: Sendable, Hashable {
    /// The database row id (0 until stored).
    public var id: Int64
    /// The agency's registry id, unique.
    public var registryID: String
    public var name: String
    /// A category slug from `intents/categories.yml`.
    public var category: String
    public var mode: OperatingMode
    /// The shop (menetap) or an optional home base (berkeliling).
    public var location: GeoPoint?
    public var kelurahan: String
    public var address: String
    /// Normalised `+62…`, or empty.
    public var phone: String
    public var ownerTelegramID: Int64?
    public var halal: Bool
    public var status: BusinessStatus
    /// Imported by the agency (true) or self-enrolled and not yet checked (false).
    public var verified: Bool
    /// The agency's sheet or the owner's own enrolment.
    public var source: BusinessSource

    public init(id: Int64 = 0, registryID: String, name: String, category: String, mode: OperatingMode, location: GeoPoint?,
                kelurahan: String = "", address: String = "", phone: String = "", ownerTelegramID: Int64? = nil,
                halal: Bool = false, status: BusinessStatus = .active, verified: Bool = true,
                source: BusinessSource = .imported) {
        self.id = id
        self.registryID = registryID
        self.name = name
        self.category = category
        self.mode = mode
        self.location = location
        self.kelurahan = kelurahan
        self.address = address
        self.phone = phone
        self.ownerTelegramID = ownerTelegramID
        self.halal = halal
        self.status = status
        self.verified = verified
        self.source = source
    }

    /// Whether the agency's eleven columns equal `other`'s (ignoring row id, status, verification and source).
    func sameRecord(as other: Business) -> Bool {
        registryID == other.registryID && name == other.name && category == other.category && mode == other.mode
            && location == other.location && kelurahan == other.kelurahan && address == other.address && phone == other.phone
            && ownerTelegramID == other.ownerTelegramID && halal == other.halal
    }
}

/// Indonesian phone numbers in the one form the registry stores and searches: `+62…`.
public enum PhoneNumber {
    /// `0812-3456-7890`, `62 812 3456 7890`, `+62 (812) 34567890`, `812…` → `+6281234567890`; nil when not a number.
    public static func normalise(_ text: String) -> String? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { return nil }
        let allowed = CharacterSet(charactersIn: "+0123456789 -.()/")
        guard trimmed.unicodeScalars.allSatisfy(allowed.contains) else { return nil }
        var digits = trimmed.filter(\.isNumber)
        if trimmed.hasPrefix("+") && !digits.hasPrefix("62") { return nil }  // a foreign number
        if digits.hasPrefix("62") {
            digits.removeFirst(2)
        } else if digits.hasPrefix("0") {
            digits.removeFirst()
        }
        // Mobile numbers (8…) have 9-12 digits after 62; landlines (e.g. 548 for Bontang) 8-11.
        guard let first = digits.first, first != "0", (8...12).contains(digits.count) else { return nil }
        return "+62" + digits
    }
}
