import Foundation
import LapakRegistry
import Yams

/// What a message asks for.
public enum Intent: String, Sendable, Hashable, CaseIterable {
    case start, help
    case findNearby = "find_nearby"
    case register, checkin, checkout
    case myBusiness = "my_business"
    case cancel, stop, subscribe, broadcast, stats, language
    /// Small words: a greeting ("halo", "selamat pagi") or thanks ("makasih", "thanks"), answered briefly.
    case greeting, thanks
    case fallback

    /// Intents that name an action outright and win over a category in the same message
    /// ("daftar usaha katering" registers a catering business, it does not search for one).
    var isDecisive: Bool {
        switch self {
        case .register, .checkin, .checkout, .myBusiness, .cancel, .stop, .subscribe, .broadcast, .stats, .language: return true
        case .start, .help, .findNearby, .greeting, .thanks, .fallback: return false
        }
    }
}

/// The meaning of one message.
public struct Understanding: Sendable, Hashable, CustomStringConvertible {
    public var intent: Intent
    /// A category slug, when the message names a kind of business.
    public var category: String?
    /// The message asks for halal-certified businesses only.
    public var halalOnly: Bool

    public init(intent: Intent, category: String? = nil, halalOnly: Bool = false) {
        self.intent = intent
        self.category = category
        self.halalOnly = halalOnly
    }

    public var description: String {
        "\(intent.rawValue)\(category.map { " [\($0)]" } ?? "")\(halalOnly ? " halal" : "")"
    }
}

/// Understands free text with the phrases of `intents/intents.yml`, `slang.yml` and the category synonyms.
public struct IntentMatcher: Sendable {
    struct Phrase: Sendable {
        let words: [String]
        let letters: Int
        /// The words as Unicode scalars, split once at load for the typo comparison.
        let scalars: [[Unicode.Scalar]]
        /// Each word's first letter: an exact word and a typo both start with it.
        let firsts: [Unicode.Scalar?]

        init(words: [String]) {
            self.words = words
            letters = words.reduce(0) { $0 + $1.count }
            scalars = words.map { Array($0.unicodeScalars) }
            firsts = scalars.map(\.first)
        }
    }

    /// A message's words, each looked up once: it is compared with hundreds of phrases at every position,
    /// so whether it is a known word, and its scalars, must not be worked out again for each comparison.
    struct TypedWords {
        let words: [String]
        let scalars: [[Unicode.Scalar]]
        let firsts: [Unicode.Scalar?]
        let isKnown: [Bool]

        init(_ words: [String], knownWords: Set<String>) {
            self.words = words
            scalars = words.map { Array($0.unicodeScalars) }
            firsts = scalars.map(\.first)
            isKnown = words.map(knownWords.contains)
        }
    }

    let normalizer: TextNormalizer
    let intents: [(intent: Intent, phrases: [Phrase])]
    let categories: [(slug: String, phrases: [Phrase])]
    let halal: [Phrase]
    /// Words that are taken as written, never as a typo of another word.
    let knownWords: Set<String>
    /// Trades narrower than a kind (`trades.yml`), each with its kind and the words its businesses' names carry.
    let trades: [Trade]
    /// Words that only ask for a search ("dekat", "cari", "halal"): never part of a business name asked for.
    let searchWords: Set<String>
    /// Words listed for one language only (`intents.yml`, `words.yml`, `trades.yml`): evidence of the language a message is in.
    let languageOfWord: [String: WrittenLanguage]

    /// Loads `intents.yml` and `slang.yml` from `directory`; categories come from `taxonomy`.
    public static func load(from directory: URL, taxonomy: CategoryTaxonomy) throws(LanguageDataError) -> IntentMatcher {
        let intentsFile = directory.appendingPathComponent("intents.yml")
        let slangFile = directory.appendingPathComponent("slang.yml")
        let slangNode = try LanguageDataFile.load(slangFile)
        guard let slangMapping = slangNode.mapping else {
            throw LanguageDataError(file: slangFile.path, line: 1, reason: "expected 'word: expansion' lines")
        }
        var slang: [String: String] = [:]
        for (key, value) in slangMapping {
            guard let word = key.string?.lowercased(), let expansion = value.string?.lowercased(), !expansion.isEmpty else {
                throw LanguageDataError(file: slangFile.path, line: key.line, reason: "expected 'word: expansion'")
            }
            slang[word] = expansion
        }
        let normalizer = TextNormalizer(slang: slang)
        let phrase = { (text: String) -> Phrase? in
            let words = normalizer.words(text)
            return words.isEmpty ? nil : Phrase(words: words)
        }

        guard let mapping = try LanguageDataFile.load(intentsFile).mapping else {
            throw LanguageDataError(file: intentsFile.path, line: 1, reason: "expected intent names at the top level")
        }
        var intents: [(Intent, [Phrase])] = []
        var halal: [Phrase] = []
        var evidence = LanguageEvidence()
        for (key, value) in mapping {
            guard let name = key.string else { continue }
            var phrases: [Phrase] = []
            for language in WrittenLanguage.allCases {
                guard let list = value[language.rawValue], list.sequence != nil else {
                    throw LanguageDataError(file: intentsFile.path, line: value.line, reason: "'\(name)' needs a list of '\(language.rawValue)' phrases")
                }
                let listed = list.array().compactMap { $0.string }.compactMap(phrase)
                evidence.add(listed.flatMap(\.words), language)
                phrases += listed
            }
            if name == "halal" {
                halal = phrases
            } else if let intent = Intent(rawValue: name), intent != .fallback {
                intents.append((intent, phrases))
            } else {
                let known = Intent.allCases.filter { $0 != .fallback }.map(\.rawValue).joined(separator: ", ")
                throw LanguageDataError(file: intentsFile.path, line: key.line, reason: "unknown intent '\(name)'; known: \(known), halal")
            }
        }
        for intent in Intent.allCases where intent != .fallback && !intents.contains(where: { $0.0 == intent }) {
            throw LanguageDataError(file: intentsFile.path, line: nil, reason: "the intent '\(intent.rawValue)' is missing")
        }
        let wordsFile = directory.appendingPathComponent("words.yml")
        var knownWords: Set<String> = []
        let wordsNode = try LanguageDataFile.load(wordsFile)
        for language in WrittenLanguage.allCases {
            guard let list = wordsNode[language.rawValue], list.sequence != nil else {
                throw LanguageDataError(file: wordsFile.path, line: nil, reason: "expected a list of '\(language.rawValue)' words")
            }
            for node in list.array() {
                let words = normalizer.words(node.string ?? "")
                knownWords.formUnion(words)
                evidence.add(words, language)
            }
        }
        let trades = try Trade.load(from: directory.appendingPathComponent("trades.yml"), taxonomy: taxonomy, normalizer: normalizer,
                                    evidence: &evidence)
        // Every word of every phrase is known too: a synonym is never a typo of another synonym.
        let categories = taxonomy.categories.map { category in
            (category.slug, (category.synonyms + [category.slug, category.indonesianName, category.englishName]).compactMap(phrase))
        }
        for phrases in intents.map(\.1) + categories.map(\.1) + trades.map(\.phrases) + [halal] {
            for phrase in phrases { knownWords.formUnion(phrase.words) }
        }
        let searchWords = Set(intents.filter { [.findNearby, .greeting, .thanks].contains($0.0) }.flatMap { $0.1.flatMap(\.words) }
                              + halal.flatMap(\.words))
        return IntentMatcher(normalizer: normalizer, intents: intents, categories: categories, halal: halal, knownWords: knownWords,
                             trades: trades, searchWords: searchWords, languageOfWord: evidence.languageOfWord)
    }

    /// How many characters of a message are read to understand it.
    ///
    /// The longest phrase in `intents/` is four words ("how does this work", "Electronics and phone repair"),
    /// and people say what they want in their first sentence. 256 characters are about 40 Indonesian words:
    /// room for a greeting and a polite preamble ("Selamat siang pak, maaf mengganggu, saya mau tanya ...")
    /// before the request. Past that a message is a story, not a search; reading all of Telegram's 4,096
    /// characters would compare some 600 words with every phrase, typo-tolerant, so the cost of a message
    /// would grow with its length instead of staying that of a short one (Benchmarks/README.md).
    public static let scannedLength = 256

    /// The normalised words of the first `scannedLength` characters of `text`.
    func scannedWords(_ text: String) -> [String] {
        var head = text.prefix(Self.scannedLength)
        if head.endIndex < text.endIndex, Self.isWordCharacter(text[head.endIndex]), let last = head.last, Self.isWordCharacter(last) {
            // A word cut in two at the bound would be read as another word ("bakso" as "bak"): leave it out.
            head = head[..<(head.lastIndex { !Self.isWordCharacter($0) } ?? head.startIndex)]
        }
        return normalizer.words(String(head))
    }

    private static func isWordCharacter(_ character: Character) -> Bool {
        character.isLetter || character.isNumber || character == "-"
    }

    /// What `text` asks for (only its first `scannedLength` characters are read).
    public func understand(_ text: String) -> Understanding {
        let scanned = scannedWords(text)
        guard !scanned.isEmpty else { return Understanding(intent: .fallback) }
        let words = TypedWords(scanned, knownWords: knownWords)
        var category = best(categories.map { ($0.slug, $0.phrases) }, in: words)
        // A trade ("fotokopi", "servis ac") names its kind in trades.yml, and wins over a kind matched as well or less well.
        if let trade = best(trades.map { ($0.kind, $0.phrases) }, in: words), category == nil || trade.score >= category!.score {
            category = trade
        }
        let intent = best(intents.map { ($0.intent, $0.phrases) }, in: words)
        let halalOnly = halal.contains { score($0, in: words) != nil }

        if let intent, intent.value.isDecisive {
            // Only registration uses a category ("daftar usaha katering"); elsewhere a category-like word is noise.
            return Understanding(intent: intent.value, category: intent.value == .register ? category?.value : nil)
        }
        if category != nil || intent?.value == .findNearby || (halalOnly && intent == nil) {
            return Understanding(intent: .findNearby, category: category?.value, halalOnly: halalOnly)
        }
        if let intent { return Understanding(intent: intent.value) }
        return Understanding(intent: .fallback)
    }

    /// The category of a command argument or a button label, when it names exactly one.
    public func category(in text: String) -> String? {
        best(categories.map { ($0.slug, $0.phrases) }, in: TypedWords(scannedWords(text), knownWords: knownWords))?.value
    }

    /// The candidate whose phrase matches best: more words, then fewer typos, then more letters; file order breaks ties.
    func best<Value>(_ candidates: [(Value, [Phrase])], in words: TypedWords) -> (value: Value, score: Score)? {
        var winner: (value: Value, score: Score)?
        for (value, phrases) in candidates {
            for phrase in phrases {
                guard let score = score(phrase, in: words) else { continue }
                if winner == nil || score > winner!.score { winner = (value, score) }
            }
        }
        return winner
    }

    struct Score: Comparable {
        let words: Int
        let exactWords: Int
        let letters: Int
        static func < (a: Score, b: Score) -> Bool {
            (a.words, a.exactWords, a.letters) < (b.words, b.exactWords, b.letters)
        }
    }

    /// Where `phrase` occurs in `words` (its words consecutive, each exact or within the typo policy), scored.
    func score(_ phrase: Phrase, in typed: TypedWords) -> Score? {
        let length = phrase.words.count
        guard length <= typed.words.count else { return nil }
        var bestScore: Score?
        for start in 0...(typed.words.count - length) {
            var exact = 0
            var matched = true
            for offset in 0..<length {
                let index = start + offset
                // A different first letter rules out both an exact word and a typo, at the cost of one comparison.
                if typed.firsts[index] != phrase.firsts[offset] {
                    matched = false
                    break
                }
                if typed.words[index] == phrase.words[offset] {
                    exact += 1
                } else if typed.isKnown[index] || !EditDistance.matches(typed.scalars[index], phrase.scalars[offset]) {
                    matched = false
                    break
                }
            }
            if matched {
                let score = Score(words: length, exactWords: exact, letters: phrase.letters)
                if bestScore == nil || score > bestScore! { bestScore = score }
            }
        }
        return bestScore
    }
}
