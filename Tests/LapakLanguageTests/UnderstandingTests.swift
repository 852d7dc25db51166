import Foundation
import LapakLanguage
import LapakRegistry
import Testing

/// One way of naming a kind of business, and the slug it must resolve to.
struct KindSpelling: Sendable, CustomTestStringConvertible {
    let text: String
    let slug: String
    var testDescription: String { "“\(text)” → \(slug)" }
}

/// Every kind of `intents/categories.yml`, named the ways the agency's list and people name it: the slug as
/// copied from the spreadsheet, both display names, and free-text phrases built from each.
let kindSpellings: [KindSpelling] = ShippedLanguage.taxonomy.categories.flatMap { category -> [KindSpelling] in
    let indonesian = category.indonesianName.lowercased(), english = category.englishName.lowercased()
    return [
        category.slug, category.slug.uppercased(), "/cari \(category.slug)", "\(category.slug) terdekat",
        category.indonesianName, category.englishName,
        "\(indonesian) terdekat", "cari \(indonesian) dekat sini", "ada \(indonesian) gak?",
        "nearest \(english)", "\(english) near me", "where can I find \(english)",
    ].map { KindSpelling(text: $0, slug: category.slug) }
}

@Suite("Every kind the registry uses is understood")
struct CategoryTableTests {
    @Test("The table covers the sixteen kinds of the agency's list")
    func coversEveryKind() {
        #expect(Set(kindSpellings.map(\.slug)) == Set(CategoryTaxonomy.requiredSlugs))
        #expect(CategoryTaxonomy.requiredSlugs.count == 16)
    }

    @Test("Slugs, display names and phrases built from them resolve to their kind", arguments: kindSpellings)
    func spelling(_ row: KindSpelling) {
        let text = row.text.hasPrefix("/cari ") ? String(row.text.dropFirst(6)) : row.text
        #expect(ShippedLanguage.matcher.understand(text) == Understanding(intent: .findNearby, category: row.slug))
    }

    @Test("A hyphenated slug is two words; a reduplication is the plain word", arguments: [
        ("warung-makan", ["warung", "makan"]), ("Bakso-Mie", ["bakso", "mie"]), ("sayur-mayur", ["sayur", "mayur"]),
        ("kue-kue", ["kue"]), ("kue2", ["kue"]), ("Api-Api", ["api"]), ("bakso- mie", ["bakso", "mie"]), ("-", []),
    ])
    func compounds(text: String, words: [String]) {
        #expect(TextNormalizer(slang: [:]).words(text) == words)
    }
}

/// A message as long as Telegram allows, for the bounded reading of intent matching.
enum LongMessage {
    /// Filler that means nothing to the matcher: no phrase starts with "x", so no word is a typo of one.
    static func filler(characters: Int) -> String {
        String(repeating: "xqxq ", count: characters / 5 + 1).prefix(characters).trimmingCharacters(in: .whitespaces)
    }

    /// `head`, then filler up to about 4 KB, then `tail`.
    static func text(head: String, tail: String = "") -> String {
        head + " " + filler(characters: 4096 - head.count - tail.count - 2) + " " + tail
    }
}

@Suite("Long messages are read up to a bound")
struct LongMessageTests {
    let matcher = ShippedLanguage.matcher

    @Test("A 4 KB message whose request comes first is understood")
    func requestFirst() {
        let text = LongMessage.text(head: "cari bakso terdekat ya pak")
        #expect(text.count >= 4000)
        #expect(matcher.understand(text) == Understanding(intent: .findNearby, category: "bakso-mie"))
    }

    @Test("A keyword past the bound is not read, one just inside is")
    func keywordPastTheBound() {
        let bound = IntentMatcher.scannedLength
        let inside = LongMessage.filler(characters: bound - 8) + " bakso " + LongMessage.filler(characters: 4000)
        #expect(matcher.understand(inside).category == "bakso-mie")
        let outside = LongMessage.filler(characters: bound + 1) + " bakso " + LongMessage.filler(characters: 4000)
        #expect(matcher.understand(outside) == Understanding(intent: .fallback))
        // Its place decides, not the message's length.
        #expect(matcher.understand(LongMessage.filler(characters: bound + 1) + " bakso").category == nil)
        #expect(matcher.understand(LongMessage.filler(characters: 40) + " bakso").category == "bakso-mie")
    }

    @Test("A word cut by the bound is left out, not read as a shorter word")
    func cutWord() {
        // "ikanbakar…" would be cut to "ikan" and read as fish; it is one long word that means nothing.
        let text = LongMessage.filler(characters: IntentMatcher.scannedLength - 5) + " ikanbakarxxxx " + LongMessage.filler(characters: 100)
        #expect(matcher.understand(text).category == nil)
    }
}

@Suite("Names, trades and the language a message is written in")
struct NamesAndLanguageTests {
    @Test("A trade names its kind and its name words; a name says more than a kind; a kind alone is no name",
          arguments: [
            ("fotokopi dekat sini", [["fotokopi"], ["fotocopy"], ["foto kopi"], ["foto copy"], ["photocopy"], ["percetakan"]]),
            ("cari servis ac", [["servis ac"], ["service ac"], ["teknik ac"], ["cuci ac"]]),
            ("Bakso Mas Joko", [["bakso", "mas", "joko"]]),
            ("amplang bu ani", [["amplang", "bu", "ani"]]),
            ("bakso dekat sini", []),
            ("katering terdekat", []),
            ("ketring halal", []),
          ] as [(String, [[String]])])
    func names(text: String, expected: [[String]]) {
        let names = ShippedLanguage.matcher.names(in: text)
        #expect(Array(names.prefix(expected.count)) == expected)
        #expect(expected.isEmpty == names.isEmpty)
    }

    @Test("A message clearly in one language says so; a single word, or words of both, do not",
          arguments: [
            ("nearest laundry", WrittenLanguage.english), ("where is the nearest bakso", .english), ("thank you", .english),
            ("cari laundry terdekat", .indonesian), ("terima kasih", .indonesian), ("ada bakso dekat sini", .indonesian),
            ("thanks", nil), ("halo", nil), ("laundry", nil), ("makasih", nil), ("laundry 1", nil), ("cari laundry near me", nil),
          ] as [(String, WrittenLanguage?)])
    func writtenLanguage(text: String, expected: WrittenLanguage?) {
        #expect(ShippedLanguage.matcher.writtenLanguage(of: text) == expected)
    }
}
