import Foundation

/// Turns what people type into comparable words: Unicode-normalised, lower case, accents, punctuation
/// and emoji removed, slang expanded.
public struct TextNormalizer: Sendable {
    /// One typed word → its expansion (one or more words).
    let slang: [String: [String]]

    public init(slang: [String: String]) {
        self.slang = slang.mapValues { $0.split(separator: " ").map(String.init) }
    }

    /// The words of `text`, normalised and with slang expanded.
    public func words(_ text: String) -> [String] {
        let folded = text.precomposedStringWithCompatibilityMapping
            .folding(options: [.caseInsensitive, .diacriticInsensitive, .widthInsensitive], locale: Locale(identifier: "id_ID"))
        var words: [String] = []
        var current = ""
        for scalar in folded.unicodeScalars {
            if scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) {
                current.unicodeScalars.append(scalar)
            } else if scalar == "-" && !current.isEmpty {
                current.unicodeScalars.append(scalar)  // a compound: `append` decides ("kue-kue", "warung-makan")
            } else if scalar.properties.isEmojiPresentation || scalar.properties.isEmoji, let expansion = slang[String(scalar)] {
                // An emoji listed in slang.yml stands for its word ("🍜" for "bakso"); other emoji are dropped.
                if !current.isEmpty { append(current, to: &words) }
                current = ""
                words.append(contentsOf: expansion)
            } else if !current.isEmpty {
                append(current, to: &words)
                current = ""
            }
        }
        if !current.isEmpty { append(current, to: &words) }
        return words
    }

    private func append(_ raw: String, to words: inout [String]) {
        let parts = raw.split(separator: "-").map(String.init)
        guard let first = parts.first else { return }
        if parts.count > 1 && !parts.allSatisfy({ $0 == first }) {
            // Two different words joined, as in the agency's slugs ("warung-makan", "bakso-mie") or
            // "sayur-mayur": each word counts on its own, exactly as if typed with a space.
            for part in parts { appendWord(part, to: &words) }
            return
        }
        // Full reduplication ("kue-kue", "api-api") is the plural of the plain word, like "kue2".
        appendWord(first, to: &words)
    }

    private func appendWord(_ plain: String, to words: inout [String]) {
        var word = plain
        // Reduplication with a 2 ("kue2" = "kue-kue") means the plain word here.
        if word.count > 2, word.hasSuffix("2"), word.dropLast().allSatisfy(\.isLetter) { word.removeLast() }
        if let expansion = slang[word] {
            words.append(contentsOf: expansion)
        } else {
            words.append(word)
        }
    }
}

/// Damerau-Levenshtein distance (optimal string alignment): insertions, deletions, substitutions and
/// transpositions of neighbours each cost one. About 80 % of misspellings are one such edit away.
public enum EditDistance {
    /// The distance between `a` and `b`, or `limit + 1` as soon as it must exceed `limit`.
    public static func damerauLevenshtein(_ a: String, _ b: String, limit: Int) -> Int {
        damerauLevenshtein(Array(a.unicodeScalars), Array(b.unicodeScalars), limit: limit)
    }

    static func damerauLevenshtein(_ s: [Unicode.Scalar], _ t: [Unicode.Scalar], limit: Int) -> Int {
        if abs(s.count - t.count) > limit { return limit + 1 }
        if s.isEmpty || t.isEmpty { return max(s.count, t.count) }
        var previousPrevious = [Int](repeating: 0, count: t.count + 1)
        var previous = Array(0...t.count)
        var current = [Int](repeating: 0, count: t.count + 1)
        for i in 1...s.count {
            current[0] = i
            var rowMinimum = current[0]
            for j in 1...t.count {
                let cost = s[i - 1] == t[j - 1] ? 0 : 1
                var value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1 && j > 1 && s[i - 1] == t[j - 2] && s[i - 2] == t[j - 1] {
                    value = min(value, previousPrevious[j - 2] + 1)
                }
                current[j] = value
                rowMinimum = min(rowMinimum, value)
            }
            if rowMinimum > limit { return limit + 1 }
            (previousPrevious, previous, current) = (previous, current, previousPrevious)
        }
        return previous[t.count]
    }

    /// Typos forgiven for a word of `length` letters: 1-2 letters none, 3-5 one, 6 or more two.
    public static func allowedEdits(forLength length: Int) -> Int {
        switch length {
        case ..<3: return 0
        case 3...5: return 1
        default: return 2
        }
    }

    /// Whether a typed word stands for a known word, under the typo policy (judged by the shorter of the two).
    ///
    /// The first letter must be right: people rarely mistype it, and requiring it keeps different words
    /// of the same shape apart ("tukang" is not "pulang", "cuaca hari" is not "cari").
    public static func matches(_ typed: String, _ known: String) -> Bool {
        matches(Array(typed.unicodeScalars), Array(known.unicodeScalars))
    }

    /// `matches` on words already split into scalars (normalised words are letters and digits without
    /// accents, so a scalar is a letter): the matcher splits each word once, not once per comparison.
    static func matches(_ typed: [Unicode.Scalar], _ known: [Unicode.Scalar]) -> Bool {
        if typed == known { return true }
        guard let first = typed.first, first == known.first else { return false }
        let allowed = allowedEdits(forLength: min(typed.count, known.count))
        guard allowed > 0, abs(typed.count - known.count) <= allowed else { return false }
        return damerauLevenshtein(typed, known, limit: allowed) <= allowed
    }
}
