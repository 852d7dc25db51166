import Foundation
import LapakBot
import LapakRegistry
import Testing

extension SubprocessTests {
    /// `lapak check` refuses what `lapak run` would refuse: the token and the reply texts, never printing the token.
    ///
    /// Most cases run in process; only a few start the binary, since each `Process.run()` on Linux risks an
    /// intermittent crash of the test process (swift-corelibs-foundation's over-read of /proc/self/fd entries,
    /// seen here once in `DaemonCrashTests.launch`).
    @Suite("lapak check as a pre-flight of lapak run")
    struct CheckCommandTests {
        static let wellFormed = "123456789:AAFakeTokenForTests_only-0123456789"
        static let refusedTokens = ["", "12345:short", "not-a-token-at-all-but-long-enough", "123456789:AAFake token with spaces 0123456789"]

        static func run(_ arguments: [String], _ environment: [String: String] = [:]) async throws -> (status: Int32, output: String) {
            try #require(FileManager.default.isExecutableFile(atPath: CommandLineTests.binary.path), "build lapak first: swift build")
            // An unreachable API and a fresh database path: `run` must stop at the token check, before connecting.
            let database = FileManager.default.temporaryDirectory.appendingPathComponent("lapak-check-\(UUID().uuidString).sqlite").path
            defer { try? FileManager.default.removeItem(atPath: database) }
            return try await CommandLineTests.run(arguments, environment: ["LAPAK_DATABASE_PATH": database, "LAPAK_TELEGRAM_API_URL": "http://127.0.0.1:9"]
                .merging(environment) { _, new in new })
        }

        @Test("run's configuration refuses exactly what the shared token check refuses, and no message quotes the token",
              arguments: refusedTokens)
        func sharedTokenCheck(token: String) async throws {
            let shared = try #require(throws: ConfigurationError.self) { try LapakConfiguration.validateToken(token, required: true) }
            let run = try await #require(throws: ConfigurationError.self) {
                _ = try await LapakConfiguration.load(environment: ["LAPAK_TELEGRAM_TOKEN": token], requireToken: true)
            }
            #expect(run.description == shared.description)
            #expect(shared.description.contains("LAPAK_TELEGRAM_TOKEN"))
            if !token.isEmpty { #expect(!shared.description.contains(token) && !shared.description.contains("short")) }
            // Without a token required (check --no-token, the demo), only a malformed one is refused.
            if token.isEmpty {
                try LapakConfiguration.validateToken(token, required: false)
            } else {
                #expect(throws: ConfigurationError.self) { try LapakConfiguration.validateToken(token, required: false) }
            }
            try LapakConfiguration.validateToken(Self.wellFormed, required: true)
        }

        @Test("`lapak check` refuses a malformed token with run's message; neither prints the token")
        func checkRefusesWhatRunRefuses() async throws {
            let token = "12345:short-secret"
            let check = try await Self.run(["check"], ["LAPAK_TELEGRAM_TOKEN": token])
            let run = try await Self.run(["run"], ["LAPAK_TELEGRAM_TOKEN": token])
            #expect(check.status != 0 && run.status != 0)
            let message = try #require(check.output.split(separator: "\n").first { $0.contains("LAPAK_TELEGRAM_TOKEN") }, "\(check.output)")
            #expect(run.output.contains(message), "run: \(run.output)\ncheck: \(check.output)")
            #expect(!check.output.contains("secret") && !run.output.contains("secret"))
        }

        @Test("A well-formed token passes `lapak check`, and only “set” is printed")
        func wellFormedToken() async throws {
            let check = try await Self.run(["check"], ["LAPAK_TELEGRAM_TOKEN": Self.wellFormed])
            #expect(check.status == 0, "\(check.output)")
            #expect(check.output.contains("token: set"))
            #expect(!check.output.contains(Self.wellFormed) && !check.output.contains("AAFakeToken"))
        }

        @Test("A reply key the code uses, missing from replies.yml, is refused naming the key and the languages",
              arguments: ["help_button", "broadcast_status_stopped", "name_too_long"])
        func missingReplyKey(key: String) throws {
            let copy = try Self.intents(without: key)
            defer { try? FileManager.default.removeItem(at: copy) }
            let error = try #require(throws: LanguageDataError.self) { try LanguagePack.load(from: copy) }
            #expect(error.description.contains("the reply '\(key)' is missing for 'id' and 'en'"), "\(error)")
        }

        @Test("`lapak check` fails on a missing reply key, naming the key and the languages")
        func checkNamesMissingKey() async throws {
            let copy = try Self.intents(without: "help_button")
            defer { try? FileManager.default.removeItem(at: copy) }
            let check = try await Self.run(["check", "--no-token"], ["LAPAK_INTENTS_PATH": copy.path])
            #expect(check.status != 0)
            #expect(check.output.contains("the reply 'help_button' is missing for 'id' and 'en'"), "\(check.output)")
        }

        /// A copy of the shipped intents/ whose replies.yml lacks the top-level entry `key` and its indented lines.
        static func intents(without key: String) throws -> URL {
            let copy = FileManager.default.temporaryDirectory.appendingPathComponent("intents-key-\(UUID().uuidString)")
            try FileManager.default.copyItem(at: ResourceLocator.locate()!.intentsDirectory, to: copy)
            let file = copy.appendingPathComponent("replies.yml")
            var lines: [Substring] = [], skipping = false, found = false
            for line in try String(contentsOf: file, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false) {
                if line.hasPrefix("\(key):") { skipping = true; found = true; continue }
                if skipping && (line.hasPrefix(" ") || line.isEmpty) { continue }
                skipping = false
                lines.append(line)
            }
            try #require(found, "replies.yml has no reply \(key)")
            try lines.joined(separator: "\n").write(to: file, atomically: true, encoding: .utf8)
            return copy
        }
    }
}
