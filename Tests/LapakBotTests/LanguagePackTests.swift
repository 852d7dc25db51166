import Foundation
import LapakBot
import LapakRegistry
import Testing

@Suite("Language data in intents/")
struct LanguagePackTests {
    static var shipped: URL { ResourceLocator.locate()!.intentsDirectory }

    /// A copy of the shipped intents/ with one file replaced.
    static func copy(replacing file: String, with text: String) throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("intents-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: shipped, to: folder)
        try text.write(to: folder.appendingPathComponent(file), atomically: true, encoding: .utf8)
        return folder
    }

    @Test("The shipped files load, with both languages for every reply and command")
    func shipped() throws {
        let pack = try LanguagePack.load(from: Self.shipped)
        for key in LanguagePack.requiredReplies {
            #expect(!pack.text(key, .indonesian).isEmpty && !pack.text(key, .english).isEmpty)
        }
        #expect(pack.action(forCommand: "bantuan") == .help)
        #expect(pack.action(forCommand: "help") == .help)
        #expect(pack.text("start", .english, ["name": "Ani"]).contains("Hello, Ani"))
    }

    @Test("Mistakes are reported with the file, the line and the reason", arguments: [
        ("replies.yml", "start:\n  id: Halo\n", "no 'en' text"),
        ("replies.yml", "start:\n  id: \"Halo <b>{name}\"\n  en: \"Hello <b>{name}</b>\"\n", "never closed"),
        ("replies.yml", "start:\n  id: \"Halo {name}\"\n  en: \"Hello {nama}\"\n", "different {placeholders}"),
        ("replies.yml", "start:\n  id: [unclosed\n", "not valid YAML"),
        ("commands.yml", "id:\n  - command: Start!\n    action: start\n    description: Mulai\nen: []\n", "lowercase"),
        ("commands.yml", "id:\n  - command: cari\n    action: search_everything\n    description: Cari\nen: []\n", "needs an action"),
    ])
    func mistakes(file: String, text: String, reason: String) throws {
        let folder = try Self.copy(replacing: file, with: text)
        defer { try? FileManager.default.removeItem(at: folder) }
        do {
            _ = try LanguagePack.load(from: folder)
            Issue.record("expected the broken \(file) to be refused")
        } catch {
            #expect(error.file.hasSuffix(file))
            #expect(error.description.contains(reason), "\(error)")
            #expect(error.line != nil || reason == "not valid YAML")
        }
    }

    @Test("A reply the code needs cannot be deleted")
    func missingRequiredReply() throws {
        let folder = try Self.copy(replacing: "replies.yml", with: "start:\n  id: Halo\n  en: Hello\n")
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(throws: LanguageDataError.self) { try LanguagePack.load(from: folder) }
    }

    @Test("HTML escaping makes any business name safe", arguments: [
        ("Kue <Bu> \"Ani\" & Co 🍰", "Kue &lt;Bu&gt; &quot;Ani&quot; &amp; Co 🍰"),
        ("<script>", "&lt;script&gt;"),
        ("biasa", "biasa"),
    ])
    func escaping(raw: String, escaped: String) {
        #expect(HTML.escape(raw) == escaped)
    }

    @Test("Language follows the Telegram client: en* is English, everything else Indonesian", arguments: [
        ("en", .english), ("en-GB", .english), ("id", .indonesian), ("jv", .indonesian), (nil, .indonesian),
    ] as [(String?, Language)])
    func language(code: String?, expected: Language) {
        #expect(Language(telegramLanguageCode: code) == expected)
    }
}
