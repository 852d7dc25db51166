import Foundation
import Yams

/// One kind of business, as `intents/categories.yml` describes it.
public struct BusinessCategory: Sendable, Hashable {
    public var slug: String
    public var emoji: String
    public var indonesianName: String
    public var englishName: String
    /// The agency's grouping (kuliner, industri-kecil, jasa, pedagang).
    public var group: String
    public var kbli: [String]
    /// Words people use for it, both languages together, lowercased.
    public var synonyms: [String]
}

/// The business taxonomy loaded from `intents/categories.yml`.
public struct CategoryTaxonomy: Sendable {
    /// The categories in file order.
    public let categories: [BusinessCategory]
    private let bySlug: [String: Int]
    /// Every spelling a sheet may use (slug, names, synonyms), lowercased, to its slug.
    private let bySpelling: [String: String]

    /// The slugs the registry relies on; the file may add more.
    public static let requiredSlugs = ["katering", "warung-makan", "kue", "minuman", "bakso-mie", "sayur", "ikan", "kelontong",
                                       "jahit", "laundry", "bengkel", "salon", "kerajinan", "elektronik", "pertanian", "jasa"]

    /// A taxonomy of `categories`, in this order.
    public init(categories: [BusinessCategory]) {
        self.categories = categories
        self.bySlug = Dictionary(categories.enumerated().map { ($1.slug, $0) }, uniquingKeysWith: { first, _ in first })
        var spellings: [String: String] = [:]
        // A synonym two categories share names neither: that cell is refused rather than guessed.
        var ambiguous: Set<String> = []
        for category in categories {
            for synonym in Set(category.synonyms) {
                if let other = spellings[synonym], other != category.slug { ambiguous.insert(synonym) } else { spellings[synonym] = category.slug }
            }
        }
        for word in ambiguous { spellings[word] = nil }
        // Names over synonyms and slugs over names, so a category's own name or slug always wins.
        for category in categories.reversed() {
            spellings[category.indonesianName.lowercased()] = category.slug
            spellings[category.englishName.lowercased()] = category.slug
        }
        for category in categories { spellings[category.slug] = category.slug }
        self.bySpelling = spellings
    }

    /// The category with this slug.
    public func category(_ slug: String) -> BusinessCategory? { bySlug[slug].map { categories[$0] } }

    /// The slug a CSV cell names: the slug itself, a category's name in either language, or one of its
    /// synonyms (`bakso` → `bakso-mie`), in any case and with any spacing.
    public func slug(forSpelling spelling: String) -> String? {
        bySpelling[spelling.lowercased().split(whereSeparator: \.isWhitespace).joined(separator: " ")]
    }

    /// Loads and validates the taxonomy file.
    public static func load(from file: URL) throws(LanguageDataError) -> CategoryTaxonomy {
        let root = try LanguageDataFile.load(file)
        guard root.sequence != nil else { throw LanguageDataError(file: file.path, line: 1, reason: "expected a list of categories") }
        var categories: [BusinessCategory] = []
        var seen: Set<String> = []
        for entry in root.array() {
            let line = entry.line
            guard let slug = entry["slug"]?.string, slug.range(of: "^[a-z][a-z0-9-]{1,31}$", options: .regularExpression) != nil else {
                throw LanguageDataError(file: file.path, line: line, reason: "a category needs a slug of lowercase letters, digits and -")
            }
            guard seen.insert(slug).inserted else { throw LanguageDataError(file: file.path, line: line, reason: "the slug '\(slug)' appears twice") }
            guard let indonesian = entry["id"]?.string, !indonesian.isEmpty, let english = entry["en"]?.string, !english.isEmpty else {
                throw LanguageDataError(file: file.path, line: line, reason: "category '\(slug)' needs an 'id' and an 'en' name")
            }
            guard let emoji = entry["emoji"]?.string, !emoji.isEmpty else {
                throw LanguageDataError(file: file.path, line: line, reason: "category '\(slug)' needs an emoji")
            }
            let synonyms = ["id", "en"].flatMap { language in
                entry["synonyms"]?[language]?.array().compactMap { $0.string?.lowercased() } ?? []
            }
            categories.append(BusinessCategory(
                slug: slug, emoji: emoji, indonesianName: indonesian, englishName: english,
                group: entry["group"]?.string ?? "", kbli: entry["kbli"]?.array().compactMap(\.string) ?? [], synonyms: synonyms))
        }
        for slug in requiredSlugs where !seen.contains(slug) {
            throw LanguageDataError(file: file.path, line: nil, reason: "the category '\(slug)' is missing; the registry relies on it")
        }
        return CategoryTaxonomy(categories: categories)
    }
}
