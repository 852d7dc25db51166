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
