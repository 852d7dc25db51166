import Foundation
import LapakBroadcast
import LapakRegistry
import TelegramBotAPI

/// Where a user is in a conversation, stored as JSON in SQLite so a restart continues the dialog.
enum DialogState: Equatable {
    /// A search waiting for the user's location.
    case awaitingSearchLocation(PendingSearch)
    /// A vendor enrolling a business, step by step.
    case enrolling(EnrollmentDraft)
    /// A vendor's /jualan waiting for today's location of one business.
    case awaitingCheckInLocation(businessID: Int64)
    /// A vendor (or staff) changing one field of a business from /usahaku.
    case editing(businessID: Int64, field: EditableField)
    /// A shared contact matched unowned businesses: waiting for "yes, that's mine".
    case linking(phone: String, candidates: [Int64])
    /// A vendor's location was answered as a search; a button may make it today's selling spot.
    /// Passive: it does not capture the next message.
    case offeredCheckIn(latitude: Double, longitude: Double, liveMessageID: Int?, liveUntil: Int64?)
    /// Staff writing an announcement: its text, audience and options.
    case composingBroadcast(BroadcastDraft)
    /// Staff creating a business group: name, kind, kelurahan, members.
    case creatingGroup(GroupDraft)
    /// Staff recording support given to a group: waiting for the date and description.
    case recordingSupport(groupID: Int64, kind: SupportKind)
    /// Staff issuing a halal certificate: waiting for its number and expiry date.
    case issuingHalal(applicationID: Int64)
    /// A vendor describing an order to pass on (/limpahkan), step by step.
    case passingOrder(OrderDraft)
    /// One side of an apprenticeship writing the note or comment of a report (optional: Lewati skips it).
    case writingReportNote(reportID: Int64)

    /// Which dialog this is, without its data: the key the router finds the dialog's route by.
    enum Kind: Hashable {
        case awaitingSearchLocation, enrolling, awaitingCheckInLocation, editing, linking, offeredCheckIn, composingBroadcast
        case creatingGroup, recordingSupport, issuingHalal
        case passingOrder, writingReportNote
    }

    /// The dialog's kind.
    var kind: Kind {
        switch self {
        case .awaitingSearchLocation: return .awaitingSearchLocation
        case .enrolling: return .enrolling
        case .awaitingCheckInLocation: return .awaitingCheckInLocation
        case .editing: return .editing
        case .linking: return .linking
        case .offeredCheckIn: return .offeredCheckIn
        case .composingBroadcast: return .composingBroadcast
        case .creatingGroup: return .creatingGroup
        case .recordingSupport: return .recordingSupport
        case .issuingHalal: return .issuingHalal
        case .passingOrder: return .passingOrder
        case .writingReportNote: return .writingReportNote
        }
    }

    /// Whether the state expects the user's next message (a passive state does not).
    var capturesInput: Bool {
        if case .offeredCheckIn = self { return false }
        return true
    }

    var json: String {
        let value: JSONValue
        switch self {
        case .awaitingSearchLocation(let search):
            value = ["step": "awaiting_location", "category": search.category.map(JSONValue.string) ?? .null, "halal": .bool(search.halalOnly),
                     "names": .string(search.names.encoded)]
        case .enrolling(let draft):
            value = ["step": "enrolling", "draft": draft.json]
        case .awaitingCheckInLocation(let id):
            value = ["step": "checkin_location", "business": .int(id)]
        case .editing(let id, let field):
            value = ["step": "editing", "business": .int(id), "field": .string(field.rawValue)]
        case .linking(let phone, let candidates):
            value = ["step": "linking", "phone": .string(phone), "candidates": .array(candidates.map(JSONValue.int))]
        case .composingBroadcast(let draft):
            value = ["step": "composing_broadcast", "draft": draft.json]
        case .creatingGroup(let draft):
            value = ["step": "creating_group", "draft": draft.json]
        case .recordingSupport(let groupID, let kind):
            value = ["step": "recording_support", "group": .int(groupID), "kind": .string(kind.rawValue)]
        case .issuingHalal(let applicationID):
            value = ["step": "issuing_halal", "application": .int(applicationID)]
        case .passingOrder(let draft):
            value = ["step": "passing_order", "draft": draft.json]
        case .writingReportNote(let reportID):
            value = ["step": "report_note", "report": .int(reportID)]
        case .offeredCheckIn(let latitude, let longitude, let messageID, let liveUntil):
            value = ["step": "offered_checkin", "latitude": .double(latitude), "longitude": .double(longitude),
                     "live_message": messageID.map { .int(Int64($0)) } ?? .null, "live_until": liveUntil.map(JSONValue.int) ?? .null]
        }
        return value.serializedString()
    }

    /// Reads a stored state; nil for none, or for a state this version does not know (treated as no dialog).
    init?(json: String?) {
        guard let json, let value = try? JSONValue.parse(json), let step = value["step"]?.stringValue else { return nil }
        switch step {
        case "awaiting_location":
            self = .awaitingSearchLocation(PendingSearch(category: value["category"]?.stringValue, halalOnly: value["halal"]?.boolValue ?? false,
                                                         names: NameQuery(encoded: value["names"]?.stringValue ?? "")))
        case "enrolling":
            guard let draft = value["draft"].flatMap(EnrollmentDraft.init(json:)) else { return nil }
            self = .enrolling(draft)
        case "checkin_location":
            guard let id = value["business"]?.int64Value else { return nil }
            self = .awaitingCheckInLocation(businessID: id)
        case "editing":
            guard let id = value["business"]?.int64Value, let field = value["field"]?.stringValue.flatMap(EditableField.init) else { return nil }
            self = .editing(businessID: id, field: field)
        case "linking":
            guard let phone = value["phone"]?.stringValue, let ids = value["candidates"]?.arrayValue?.compactMap(\.int64Value) else { return nil }
            self = .linking(phone: phone, candidates: ids)
        case "offered_checkin":
            guard let latitude = value["latitude"]?.doubleValue, let longitude = value["longitude"]?.doubleValue else { return nil }
            self = .offeredCheckIn(latitude: latitude, longitude: longitude, liveMessageID: value["live_message"]?.int64Value.map { Int($0) },
                                   liveUntil: value["live_until"]?.int64Value)
        case "composing_broadcast":
            guard let draft = value["draft"].map(BroadcastDraft.init(json:)) else { return nil }
            self = .composingBroadcast(draft)
        case "creating_group":
            guard let draft = value["draft"].flatMap(GroupDraft.init(json:)) else { return nil }
            self = .creatingGroup(draft)
        case "recording_support":
            guard let id = value["group"]?.int64Value, let kind = value["kind"]?.stringValue.flatMap(SupportKind.init(rawValue:)) else { return nil }
            self = .recordingSupport(groupID: id, kind: kind)
        case "issuing_halal":
            guard let id = value["application"]?.int64Value else { return nil }
            self = .issuingHalal(applicationID: id)
        case "passing_order":
            guard let draft = value["draft"].flatMap(OrderDraft.init(json:)) else { return nil }
            self = .passingOrder(draft)
        case "report_note":
            guard let reportID = value["report"]?.int64Value else { return nil }
            self = .writingReportNote(reportID: reportID)
        default:
            return nil
        }
    }
}

/// An announcement being written by staff.
struct BroadcastDraft: Equatable {
    /// nil until staff wrote it.
    var text: String?
    /// Staff's text is Telegram HTML (true) or plain text to escape (false, the default).
    var html = false
    var audience = Audience()
    var rsvp = false

    init(text: String? = nil) { self.text = text }

    var json: JSONValue {
        ["text": text.map(JSONValue.string) ?? .null, "html": .bool(html), "audience": audience.json, "rsvp": .bool(rsvp)]
    }

    init(json: JSONValue) {
        text = json["text"]?.stringValue
        html = json["html"]?.boolValue ?? false
        audience = json["audience"].map(Audience.init(json:)) ?? Audience()
        rsvp = json["rsvp"]?.boolValue ?? false
    }
}

/// A search waiting for the user's location.
struct PendingSearch: Equatable {
    var category: String?
    var halalOnly: Bool
    /// Business names asked for (a state stored before names were searched has none).
    var names = NameQuery()
}

/// A field of a business a vendor can change from /usahaku.
enum EditableField: String, CaseIterable {
    case name, category, phone, location, halal, mode
}

/// What a vendor answered about halal certification.
enum HalalAnswer: String, CaseIterable {
    case yes, no, unknown
}

/// A business being enrolled: what the vendor has answered so far and which step is next.
struct EnrollmentDraft: Equatable {
    /// The steps of /daftar, in order; `review` is the summary with Simpan / Ubah / Batal.
    enum Step: String, CaseIterable {
        case name, category, mode, location, phone, halal, review
        /// The summary's "Ubah": which field to change.
        case choosingField = "choosing_field"
        /// A business with the same phone and a similar name exists: asked before saving.
        case confirmingDuplicate = "confirming_duplicate"
        /// The phone matched registered businesses without an owner: "is this yours?" after a shared contact,
        /// or the two ways to link after a typed number.
        case offeringLink = "offering_link"
    }

    var step: Step = .name
    var name: String?
    var category: String?
    var mode: OperatingMode?
    var location: GeoPoint?
    var phone: String?
    var halal: HalalAnswer?
    /// After "Ubah", one field is asked and then the summary comes back.
    var returnToReview = false
    /// Imported businesses with the draft's phone and no owner (for `offeringLink`).
    var linkCandidates: [Int64] = []
    /// Whether `phone` came from the user's own shared contact, the only number that may link a business.
    /// A draft saved before this field existed reads false, so its candidates can never be linked.
    var phoneFromContact = false

    /// The step after the current one has been answered.
    mutating func advance() {
        if returnToReview {
            // A changed mode may need a location the draft does not have yet.
            if mode == .menetap && location == nil {
                step = .location
                return
            }
            step = .review
            returnToReview = false
            return
        }
        switch step {
        case .name: step = .category
        case .category: step = .mode
        case .mode: step = .location
        case .location: step = .phone
        case .phone: step = .halal
        case .halal, .choosingField, .confirmingDuplicate, .offeringLink, .review: step = .review
        }
    }

    var json: JSONValue {
        [
            "step": .string(step.rawValue), "name": name.map(JSONValue.string) ?? .null, "category": category.map(JSONValue.string) ?? .null,
            "mode": mode.map { .string($0.rawValue) } ?? .null,
            "latitude": location.map { .double($0.latitude) } ?? .null, "longitude": location.map { .double($0.longitude) } ?? .null,
            "phone": phone.map(JSONValue.string) ?? .null, "halal": halal.map { .string($0.rawValue) } ?? .null,
            "return_to_review": .bool(returnToReview), "link_candidates": .array(linkCandidates.map(JSONValue.int)),
            "phone_from_contact": .bool(phoneFromContact),
        ]
    }

    init() {}

    init?(json: JSONValue) {
        guard let step = json["step"]?.stringValue.flatMap(Step.init) else { return nil }
        self.step = step
        name = json["name"]?.stringValue
        category = json["category"]?.stringValue
        mode = json["mode"]?.stringValue.flatMap(OperatingMode.init(rawValue:))
        if let latitude = json["latitude"]?.doubleValue, let longitude = json["longitude"]?.doubleValue {
            location = GeoPoint(latitude: latitude, longitude: longitude)
        }
        phone = json["phone"]?.stringValue
        halal = json["halal"]?.stringValue.flatMap { HalalAnswer(rawValue: $0) }
        returnToReview = json["return_to_review"]?.boolValue ?? false
        linkCandidates = json["link_candidates"]?.arrayValue?.compactMap(\.int64Value) ?? []
        phoneFromContact = json["phone_from_contact"]?.boolValue ?? false
    }
}
