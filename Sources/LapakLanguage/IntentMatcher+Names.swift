import Foundation
import LapakRegistry
import Yams

/// The language a message is written in, as intents data name them (`id`, `en`).
public enum WrittenLanguage: String, Sendable, Hashable, CaseIterable {
    case indonesian = "id"
    case english = "en"
}

/// A trade narrower than the sixteen kinds ("fotokopi", "servis ac"), from `intents/trades.yml`.
struct Trade: Sendable {
    /// The kind a trade belongs to (a category slug).
    let kind: String
    /// What its businesses' names carry: any one of them makes a name match.
    let names: [[String]]
    let phrases: [IntentMatcher.Phrase]

    /// Reads `trades.yml`: per trade its kind, its phrases per language and its name words.
    static func load(from file: URL, taxonomy: CategoryTaxonomy, normalizer: TextNormalizer,
                     evidence: inout LanguageEvidence) throws(LanguageDataError) -> [Trade] {
        guard let mapping = try LanguageDataFile.load(file).mapping else {
            throw LanguageDataError(file: file.path, line: 1, reason: "expected trade names at the top level")
        }
        var trades: [Trade] = []
        for (key, value) in mapping {
            let name = key.string ?? "?"
            guard let kind = value["kind"]?.string, taxonomy.category(kind) != nil else {
                throw LanguageDataError(file: file.path, line: value.line, reason: "'\(name)' needs a 'kind' that is a category slug")
            }
            guard let names = value["names"]?.array().compactMap(\.string), !names.isEmpty else {
                throw LanguageDataError(file: file.path, line: value.line, reason: "'\(name)' needs a list of 'names' words")
            }
            var phrases: [IntentMatcher.Phrase] = []
            for language in WrittenLanguage.allCases {
                guard let list = value[language.rawValue], list.sequence != nil else {
                    throw LanguageDataError(file: file.path, line: value.line, reason: "'\(name)' needs a list of '\(language.rawValue)' phrases")
                }
                let listed = list.array().compactMap(\.string).map(normalizer.words).filter { !$0.isEmpty }
                evidence.add(listed.joined(), language)
                phrases += listed.map { IntentMatcher.Phrase(words: $0) }
            }
            // A name word is matched as written in the name, spaces included ("servis ac", not "servis" and "ac").
            trades.append(Trade(kind: kind, names: names.map { [normalizer.words($0).joined(separator: " ")] }, phrases: phrases))
        }
        return trades
    }
}

/// Which words are listed for one language only, gathered while the language data loads.
struct LanguageEvidence {
    private var seen: [String: Set<WrittenLanguage>] = [:]

    mutating func add(_ words: some Sequence<String>, _ language: WrittenLanguage) {
        for word in words { seen[word, default: []].insert(language) }
    }

    /// Each word listed for exactly one language, with that language.
    var languageOfWord: [String: WrittenLanguage] {
        seen.compactMapValues { $0.count == 1 ? $0.first : nil }
    }
}

extension IntentMatcher {
    /// The business names a message asks for: a trade's name words, or the message's own words when they
    /// say more than a kind ("bakso mas joko", "amplang bu ani"); empty when it names only a kind or nothing.
    ///
    /// Alternatives (any may match) of terms (all must occur in the name). Words that only ask for a search
    /// ("dekat sini", "cari", "halal") or greet are left out: a name rarely carries them.
    public func names(in text: String) -> [[String]] {
        let scanned = scannedWords(text)
        let words = TypedWords(scanned, knownWords: knownWords)
        let category = best(categories.map { ($0.slug, $0.phrases) }, in: words)
        if let trade = best(trades.map { ($0, $0.phrases) }, in: words), category == nil || trade.score >= category!.score {
            return trade.value.names
        }
        let content = scanned.filter { !searchWords.contains($0) }
        let kindWords = category.map { slug in categories.first { $0.slug == slug.value }?.phrases.flatMap(\.words) ?? [] } ?? []
        // The kind's own words (or a typo of them) alone name the kind, not a business.
        guard content.contains(where: { word in !kindWords.contains { EditDistance.matches(word, $0) } }) else { return [] }
        return [content]
    }

    /// The word of `names` that `typed` is a typo of (same first letter, within the typo policy), the closest
    /// one; nil when none is. A word of fewer than four letters is never corrected: too many words are near it.
    public func closestWord(to typed: String, in names: [String]) -> String? {
        guard typed.count >= 4 else { return nil }
        var best: (word: String, distance: Int)?
        for word in Set(names.flatMap(normalizer.words)) where word != typed && EditDistance.matches(typed, word) {
            let distance = EditDistance.damerauLevenshtein(typed, word, limit: 2)
            if best == nil || distance < best!.distance || (distance == best!.distance && word < best!.word) { best = (word, distance) }
        }
        return best?.word
    }

    /// The language `text` is clearly written in, or nil when it does not say.
    ///
    /// Clear means: more than one word typed, and words listed for one language only in the intents data,
    /// all for the same language. A single word never decides: "halo", "laundry", "ok" are said in both.
    public func writtenLanguage(of text: String) -> WrittenLanguage? {
        guard text.prefix(Self.scannedLength).split(whereSeparator: \.isWhitespace).count >= 2 else { return nil }
        var found: Set<WrittenLanguage> = []
        for word in scannedWords(text) {
            if let language = languageOfWord[word] { found.insert(language) }
        }
        return found.count == 1 ? found.first : nil
    }
}
