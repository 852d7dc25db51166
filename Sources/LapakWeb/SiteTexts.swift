import Foundation
import LapakBot
import LapakRegistry
import Yams

/// The website's texts from `intents/web.yml`: every key in Indonesian and English.
///
/// Plain text, escaped where it is used (templates escape every `{{value}}`), so an editor cannot break a page.
public struct SiteTexts: Sendable {
    private let texts: [Language: [String: String]]

    /// Texts given directly (tests).
    public init(_ texts: [Language: [String: String]]) { self.texts = texts }

    /// Loads `web.yml` from the intents folder; a missing `id` or `en` text names its line.
    public static func load(from directory: URL) throws(LanguageDataError) -> SiteTexts {
        let file = directory.appendingPathComponent("web.yml")
        let root = try LanguageDataFile.load(file)
        guard let mapping = root.mapping else { throw LanguageDataError(file: file.path, line: 1, reason: "expected keys with id and en texts") }
        var texts: [Language: [String: String]] = [.indonesian: [:], .english: [:]]
        for (key, value) in mapping {
            guard let name = key.string else { continue }
            for (language, code) in [(Language.indonesian, "id"), (.english, "en")] {
                guard let text = value[code]?.string, !text.isEmpty else {
                    throw LanguageDataError(file: file.path, line: key.line, reason: "'\(name)' has no '\(code)' text")
                }
                texts[language]?[name] = text.trimmingCharacters(in: .newlines)
            }
        }
        return SiteTexts(texts)
    }

    /// The text `key` in `language` with its `{placeholders}` filled in; the key itself when missing, so a gap shows.
    public func text(_ key: String, _ language: Language, _ values: [String: String] = [:]) -> String {
        var text = texts[language]?[key] ?? texts[.indonesian]?[key] ?? key
        for (name, value) in values { text = text.replacingOccurrences(of: "{\(name)}", with: value) }
        return text
    }

    /// Every text of `language`, for templates (`{{t.search_label}}`).
    public func all(_ language: Language) -> [String: String] { texts[language] ?? [:] }
}

extension Language {
    /// The language a browser prefers: the first of `Accept-Language` that Lapak speaks, Indonesian otherwise.
    public init(acceptLanguage header: String?) {
        for part in (header ?? "").split(separator: ",") {
            let tag = part.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
            if tag.hasPrefix("id") || tag.hasPrefix("ms") { self = .indonesian; return }
            if tag.hasPrefix("en") { self = .english; return }
        }
        self = .indonesian
    }
}
