@testable import LapakBot
import LapakRegistry
import Testing

@Suite("What vendors type is checked before it reaches the registry")
struct VendorInputTests {
    @Test("Business names: tidied, or refused with the reason the vendor is told", arguments: [
        ("  Bakso   Mas Joko ", nil as String?),
        ("Kue & Roti \"Bu Sri\" 🍰", nil),
        ("Es Teh 2000", nil),
        ("K", "name_too_short"),
        (String(repeating: "a", count: 81), "name_too_long"),
        ("Warung\nBu Rina", "name_control_characters"),
        ("Warung\u{202E}anir", "name_control_characters"),
        ("<b>Bold</b>", "name_markup"),
        ("Toko &amp; Co", "name_markup"),
        ("12345", "name_no_letters"),
    ])
    func businessNames(text: String, problem: String?) {
        switch VendorInput.businessName(text) {
        case .success(let name):
            #expect(problem == nil, "accepted \(name)")
            #expect(!name.hasPrefix(" ") && !name.contains("  "))
        case .failure(let refused):
            #expect(refused.rawValue == problem)
        }
    }

    @Test("Similar names are the same business; different ones are not", arguments: [
        ("Bakso Mas Joko", "bakso mas joko 2", true),
        ("Bakso Mas Joko", "Baksho Mas Joko", true),
        ("Kue Bu Sri", "Kue Bu Sri", true),
        ("Bakso Mas Joko", "Sayur Keliling Joko", false),
        ("Laundry Bersih", "Katering Bu Ani", false),
    ])
    func similarNames(first: String, second: String, similar: Bool) {
        #expect(VendorInput.similarNames(first, second) == similar)
    }

    @Test("Dialog states survive the round trip through SQLite's JSON, and unknown ones read as none")
    func dialogStateRoundTrip() {
        var draft = EnrollmentDraft()
        draft.step = .phone
        draft.name = "Kue \"Bu\" Sri"
        draft.category = "kue"
        draft.mode = .berkeliling
        draft.location = GeoPoint(latitude: 0.1443, longitude: 117.4938)
        draft.halal = .unknown
        draft.returnToReview = true
        let states: [DialogState] = [
            .enrolling(draft), .awaitingCheckInLocation(businessID: 42), .editing(businessID: 7, field: .phone),
            .linking(phone: "+6281234567890", candidates: [1, 2]), .awaitingSearchLocation(PendingSearch(category: "kue", halalOnly: true)),
            .offeredCheckIn(latitude: 0.1, longitude: 117.5, liveMessageID: 12, liveUntil: 1_800_000_000),
        ]
        for state in states {
            #expect(DialogState(json: state.json) == state)
        }
        #expect(DialogState(json: #"{"step":"from_a_future_version"}"#) == nil)
        #expect(DialogState(json: "not json") == nil)
    }

    @Test("After “Ubah”, a changed answer returns to the summary, unless a fixed shop still needs its location")
    func returnToReview() {
        var draft = EnrollmentDraft()
        draft.step = .mode
        draft.mode = .menetap
        draft.returnToReview = true
        draft.advance()
        #expect(draft.step == .location)
        draft.location = GeoPoint(latitude: 0.14, longitude: 117.49)
        draft.advance()
        #expect(draft.step == .review && !draft.returnToReview)
    }
}
