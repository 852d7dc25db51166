import LapakBroadcast

extension LanguagePack {
    /// Every reply key the code can ask for: the keys written out in `requiredReplies`, and those built at
    /// run time, taken from the enums they are built from so that a new case cannot miss its text.
    ///
    /// `load` (so `lapak check`, and `lapak run` at start) refuses language data that lacks any of them in any
    /// language, and `text(_:_:_:)` serves no other key. `ReplyKeyTests` reads the sources for keys missing here.
    public static let declaredReplies: Set<String> = Set(requiredReplies)
        .union(VendorInput.NameProblem.allCases.map(\.rawValue))
        .union(BroadcastStatus.allCases.map { "broadcast_status_\($0.rawValue)" })

    /// Shown in place of a key that is not declared: a programming error, so say "something went wrong"
    /// in the user's language rather than show the key's name.
    static let unknownReplyFallback = "something_went_wrong"

    /// What `replies` lacks, one line per declared key, naming the key and the languages without a text.
    static func missingReplies(in replies: [String: [Language: String]]) -> [String] {
        declaredReplies.sorted().compactMap { key in
            let missing = Language.allCases.filter { replies[key]?[$0] == nil }
            guard !missing.isEmpty else { return nil }
            let names = missing.map { "'\($0.rawValue)'" }.joined(separator: " and ")
            return "the reply '\(key)' is missing for \(names) (the code uses it; add it with a text for every language)"
        }
    }
}
