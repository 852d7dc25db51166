import Foundation
@testable import LapakBot
import Testing

/// Reply texts are looked up by key; every key the code uses is declared once and checked at start.
@Suite("Reply keys and placeholders")
struct ReplyKeyTests {
    static let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Sources/LapakBot")

    /// The string literals of the argument that `text` starts with: up to the first `,` or `)` outside brackets.
    static func literals(inArgumentOf text: Substring) -> [String] {
        var depth = 0, inString = false, end = text.endIndex
        for index in text.indices {
            let character = text[index]
            if character == "\"" { inString.toggle() }
            guard !inString else { continue }
            if "([".contains(character) { depth += 1 }
            if ")]".contains(character) { if depth == 0 { end = index; break } else { depth -= 1 } }
            if character == "," && depth == 0 { end = index; break }
        }
        return text[..<end].matches(of: /"([a-z][a-z0-9_]*)"/).map { String($0.output.1) }
    }

    /// Keys the code passes to `text(…)`, a button helper, `matchesButton`/`matchesAnyLanguage`, or keeps in a
    /// variable named `key`: every snake-case literal there.
    static func keysUsedInSources() throws -> [String: String] {
        var keys: [String: String] = [:]
        let files = FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil)!.compactMap { $0 as? URL }
        // Not the declarations themselves, nor the configuration (its keys are settings, not replies).
        let skipped = ["LanguagePack", "LapakConfiguration"]
        for file in files where file.pathExtension == "swift" && !skipped.contains(where: file.lastPathComponent.hasPrefix) {
            let text = try String(contentsOf: file, encoding: .utf8)
            // Simple word boundaries: under Unicode's rules "texts.text" is one word and `\b` would not split it.
            let calls = text.matches(of: (/(router\.)?\b(?:text|button|keyboardButton)\(\s*|\bmatches(?:Button|AnyLanguage)\([^,()]+,\s*/)
                .wordBoundaryKind(.simple))
            // `router.button("k", …)` registers a callback prefix, not a reply key.
            for call in calls where call.output.1 == nil {
                for key in literals(inArgumentOf: text[call.range.upperBound...]) { keys[key] = file.lastPathComponent }
            }
            for line in text.matches(of: (/\b[kK]ey(?:: String)?\s*[=:]\s*(.*)/).wordBoundaryKind(.simple)) {
                for key in line.output.1.matches(of: /"([a-z][a-z0-9_]*)"/) { keys[String(key.output.1)] = file.lastPathComponent }
            }
        }
        return keys
    }

    @Test("Every key written in the code is declared, so `lapak check` checks it in every language")
    func everyKeyDeclared() throws {
        let used = try Self.keysUsedInSources()
        #expect(used.count > 150, "the scan found too few keys: \(used.count)")
        for (key, file) in used.sorted(by: { $0.key < $1.key }) {
            #expect(LanguagePack.declaredReplies.contains(key), "\(file) uses the reply '\(key)', which LanguagePack.requiredReplies lacks")
        }
    }

    @Test("Keys built at run time are declared from their enums")
    func builtKeys() {
        #expect(LanguagePack.declaredReplies.isSuperset(of: ["broadcast_status_sending", "broadcast_status_done", "broadcast_status_stopped",
                                                             "name_too_long", "name_markup"]))
    }

    @Test("An undeclared key is never shown to a user by its name")
    func undeclaredKey() throws {
        let pack = try LanguagePack.load(from: LanguagePackTests.shipped)
        for language in Language.allCases {
            let text = pack.text("no_such_reply", language)
            #expect(!text.contains("no_such_reply"))
            #expect(text == pack.text("something_went_wrong", language))
        }
    }

    @Test("A value containing {placeholders} is shown literally, never filled in again",
          arguments: ["{phone}", "Warung {phone} {name} {id}", "{{name}}", "{", "}{"])
    func placeholdersFilledOnce(name: String) throws {
        let pack = try LanguagePack.load(from: LanguagePackTests.shipped)
        let card = pack.text("business_card", .indonesian, ["name": name, "id": "K-7", "phone": "+6281234567890", "category": "Katering",
                                                            "mode": "menetap", "location": "-", "halal": "ya", "verified": "ya",
                                                            "today": "buka"])
        #expect(card.contains("<b>\(name)</b> · K-7"), "\(card)")
        #expect(card.components(separatedBy: "+6281234567890").count == 2, "the phone once, in its own place: \(card)")
    }
}
