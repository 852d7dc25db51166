import Foundation
import LapakBot
import Testing

/// `lapak check` refuses what `lapak run` would refuse: the token and the reply texts, never printing the token.
@Suite("lapak check as a pre-flight of lapak run")
struct CheckCommandTests {
    static let wellFormed = "123456789:AAFakeTokenForTests_only-0123456789"

    static func run(_ arguments: [String], _ environment: [String: String] = [:]) throws -> (status: Int32, output: String) {
        try #require(FileManager.default.isExecutableFile(atPath: CommandLineTests.binary.path), "build lapak first: swift build")
        // An unreachable API and a fresh database path: `run` must stop at the token check, before connecting.
        let database = FileManager.default.temporaryDirectory.appendingPathComponent("lapak-check-\(UUID().uuidString).sqlite").path
        defer { try? FileManager.default.removeItem(atPath: database) }
        return try CommandLineTests.run(arguments, environment: ["LAPAK_DATABASE_PATH": database, "LAPAK_TELEGRAM_API_URL": "http://127.0.0.1:9"]
            .merging(environment) { _, new in new })
    }

    @Test("A token that run refuses, check refuses with the same message, and neither prints it",
          arguments: ["", "12345:short", "not-a-token-at-all-but-long-enough", "123456789:AAFake token with spaces 0123456789"])
    func refusedToken(token: String) throws {
        let check = try Self.run(["check"], ["LAPAK_TELEGRAM_TOKEN": token])
        let run = try Self.run(["run"], ["LAPAK_TELEGRAM_TOKEN": token])
        #expect(check.status != 0 && run.status != 0)
        let message = try #require(check.output.split(separator: "\n").first { $0.contains("LAPAK_TELEGRAM_TOKEN") }, "\(check.output)")
        #expect(run.output.contains(message), "run: \(run.output)\ncheck: \(check.output)")
        if !token.isEmpty {
            #expect(!check.output.contains(token) && !run.output.contains(token))
            #expect(!check.output.contains("short") && !run.output.contains("short"))
        }
    }

    @Test("A well-formed token passes, and only “set” is printed")
    func wellFormedToken() throws {
        let check = try Self.run(["check"], ["LAPAK_TELEGRAM_TOKEN": Self.wellFormed])
        #expect(check.status == 0, "\(check.output)")
        #expect(check.output.contains("token: set"))
        #expect(!check.output.contains(Self.wellFormed) && !check.output.contains("AAFakeToken"))
    }

    @Test("--no-token checks the rest without a token, but still refuses a malformed one")
    func withoutToken() throws {
        let none = try Self.run(["check", "--no-token"])
        #expect(none.status == 0, "\(none.output)")
        let malformed = try Self.run(["check", "--no-token"], ["LAPAK_TELEGRAM_TOKEN": "12345:short"])
        #expect(malformed.status != 0 && malformed.output.contains("does not look like a bot token"))
        #expect(!malformed.output.contains("12345:short"))
    }

    @Test("A reply key the code uses, missing from replies.yml, fails check and run naming the key and the languages",
          arguments: ["help_button", "broadcast_status_stopped", "name_too_long"])
    func missingReplyKey(key: String) throws {
        let copy = FileManager.default.temporaryDirectory.appendingPathComponent("intents-key-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: ResourceLocator.locate()!.intentsDirectory, to: copy)
        defer { try? FileManager.default.removeItem(at: copy) }
        let file = copy.appendingPathComponent("replies.yml")
        try Self.removingReply(key, from: String(contentsOf: file, encoding: .utf8)).write(to: file, atomically: true, encoding: .utf8)

        let check = try Self.run(["check", "--no-token"], ["LAPAK_INTENTS_PATH": copy.path])
        #expect(check.status != 0)
        #expect(check.output.contains("the reply '\(key)' is missing for 'id' and 'en'"), "\(check.output)")
        let run = try Self.run(["run"], ["LAPAK_INTENTS_PATH": copy.path, "LAPAK_TELEGRAM_TOKEN": Self.wellFormed])
        #expect(run.status != 0)
        #expect(run.output.contains("the reply '\(key)' is missing"), "\(run.output)")
    }

    @Test("A reply with no English text fails check naming the key and the language")
    func missingLanguage() throws {
        let copy = FileManager.default.temporaryDirectory.appendingPathComponent("intents-lang-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: ResourceLocator.locate()!.intentsDirectory, to: copy)
        defer { try? FileManager.default.removeItem(at: copy) }
        let file = copy.appendingPathComponent("replies.yml")
        let text = try String(contentsOf: file, encoding: .utf8)
        try (Self.removingReply("help_button", from: text) + "\nhelp_button:\n  id: \"❓ Bantuan\"\n").write(to: file, atomically: true, encoding: .utf8)
        let check = try Self.run(["check", "--no-token"], ["LAPAK_INTENTS_PATH": copy.path])
        #expect(check.status != 0)
        #expect(check.output.contains("reply 'help_button' has no 'en' text"), "\(check.output)")
    }

    /// `yaml` without the top-level entry `key` and its indented lines.
    static func removingReply(_ key: String, from yaml: String) throws -> String {
        var lines: [Substring] = [], skipping = false, found = false
        for line in yaml.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("\(key):") { skipping = true; found = true; continue }
            if skipping && (line.hasPrefix(" ") || line.isEmpty) { continue }
            skipping = false
            lines.append(line)
        }
        try #require(found, "replies.yml has no reply \(key)")
        return lines.joined(separator: "\n")
    }
}
