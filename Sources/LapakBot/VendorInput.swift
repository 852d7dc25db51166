import Foundation
import LapakRegistry

/// Checks what vendors type before it reaches the registry.
enum VendorInput {
    /// Why a business name was refused, as a reply key.
    enum NameProblem: String, Error, CaseIterable {
        case tooShort = "name_too_short"
        case tooLong = "name_too_long"
        case controlCharacters = "name_control_characters"
        case markup = "name_markup"
        case noLetters = "name_no_letters"
    }

    /// A business name with spaces tidied, or the reason it cannot be one.
    static func businessName(_ text: String) -> Result<String, NameProblem> {
        if text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control || $0.properties.generalCategory == .format
            && $0 != "\u{200D}" }) {
            return .failure(.controlCharacters)
        }
        let tidy = text.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        if tidy.contains("<") || tidy.contains(">") || tidy.range(of: "&[a-zA-Z#0-9]+;", options: .regularExpression) != nil {
            return .failure(.markup)
        }
        if tidy.count < 2 { return .failure(.tooShort) }
        if tidy.count > 80 { return .failure(.tooLong) }
        if !tidy.contains(where: \.isLetter) { return .failure(.noLetters) }
        return .success(tidy)
    }

    /// Whether two business names are probably the same business ("Bakso Pak Joko" / "bakso pak joko 2").
    static func similarNames(_ first: String, _ second: String) -> Bool {
        func folded(_ text: String) -> String {
            text.folding(options: [.caseInsensitive, .diacriticInsensitive], locale: nil).filter { $0.isLetter || $0.isNumber }
        }
        let a = folded(first), b = folded(second)
        guard !a.isEmpty, !b.isEmpty else { return false }
        if a.contains(b) || b.contains(a) { return true }
        let distance = levenshtein(Array(a), Array(b))
        return distance <= max(2, min(a.count, b.count) / 5)
    }

    private static func levenshtein(_ a: [Character], _ b: [Character]) -> Int {
        var previous = Array(0...b.count)
        for (i, x) in a.enumerated() {
            var current = [i + 1] + Array(repeating: 0, count: b.count)
            for (j, y) in b.enumerated() {
                current[j + 1] = min(previous[j + 1] + 1, current[j] + 1, previous[j] + (x == y ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}

extension PhoneNumber {
    /// A shared contact's number in the registry's `+62…` form.
    ///
    /// Telegram usually sends the international digits without "+" (`6281234567890`), but a contact from
    /// the phone book can keep its national form (`0812…`): a leading 0 is Indonesian, never a foreign
    /// country code to prefix with "+".
    static func normalise(sharedContact number: String) -> String? {
        let trimmed = number.trimmingCharacters(in: .whitespaces)
        if trimmed.hasPrefix("+") || trimmed.hasPrefix("0") { return normalise(trimmed) }
        return normalise("+" + trimmed)
    }
}
