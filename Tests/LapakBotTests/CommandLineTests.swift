import Foundation
import LapakBot
import Testing

extension SubprocessTests {
    /// The `lapak` executable as a user runs it: from an unrelated folder, configured by environment alone.
    @Suite("The lapak command")
    struct CommandLineTests {
        /// The `lapak` binary built next to this test bundle.
        static var binary: URL {
            URL(fileURLWithPath: ResourceLocator.executablePath()).deletingLastPathComponent().appendingPathComponent("lapak")
        }

        /// Runs `lapak` with `arguments` from `/` and returns its exit status and its output (stdout and stderr).
        ///
        /// The output goes to a file and the exit is polled (`ChildProcess`), so no thread of the cooperative
        /// pool (two on a 2-core machine) blocks while it runs. A status of 128 + N means signal N ended it.
        static func run(_ arguments: [String], environment: [String: String]) async throws -> (status: Int32, output: String) {
            var env = ["PATH": "/usr/bin:/bin", "HOME": NSTemporaryDirectory()]
            env.merge(environment) { _, new in new }
            let output = FileManager.default.temporaryDirectory.appendingPathComponent("lapak-cli-\(UUID().uuidString).log")
            FileManager.default.createFile(atPath: output.path, contents: nil)
            defer { try? FileManager.default.removeItem(at: output) }
            let handle = try FileHandle(forWritingTo: output)
            defer { try? handle.close() }
            let child = try ChildProcess(binary.path, arguments, environment: env, output: handle.fileDescriptor, error: handle.fileDescriptor)
            let status = try await child.waitForExit(timeout: .seconds(300)).status
            return (status, String(decoding: try Data(contentsOf: output), as: UTF8.self))
        }

        @Test("`lapak check` finds intents/ and the default configuration from the root folder")
        func checkFromAnywhere() async throws {
            try #require(FileManager.default.isExecutableFile(atPath: Self.binary.path), "build lapak first: swift build")
            let result = try await Self.run(["check", "--no-token"], environment: [:])
            #expect(result.status == 0, "\(result.output)")
            #expect(result.output.contains("intents: ok"))
        }

        @Test("`lapak run` without a token exits non-zero naming LAPAK_TELEGRAM_TOKEN")
        func runWithoutToken() async throws {
            try #require(FileManager.default.isExecutableFile(atPath: Self.binary.path), "build lapak first: swift build")
            let result = try await Self.run(["run"], environment: [:])
            #expect(result.status != 0)
            #expect(result.output.contains("LAPAK_TELEGRAM_TOKEN"))
        }

        @Test("LAPAK_INTENTS_PATH points lapak at an edited copy, and a broken copy is refused with file and line")
        func editedIntents() async throws {
            try #require(FileManager.default.isExecutableFile(atPath: Self.binary.path), "build lapak first: swift build")
            let copy = FileManager.default.temporaryDirectory.appendingPathComponent("intents-cli-\(UUID().uuidString)")
            try FileManager.default.copyItem(at: ResourceLocator.locate()!.intentsDirectory, to: copy)
            defer { try? FileManager.default.removeItem(at: copy) }
            let good = try await Self.run(["check", "--no-token"], environment: ["LAPAK_INTENTS_PATH": copy.path])
            #expect(good.status == 0 && good.output.contains(copy.path), "\(good.output)")

            try "start:\n  id: Halo\n".write(to: copy.appendingPathComponent("replies.yml"), atomically: true, encoding: .utf8)
            let broken = try await Self.run(["check", "--no-token"], environment: ["LAPAK_INTENTS_PATH": copy.path])
            #expect(broken.status != 0)
            #expect(broken.output.contains("replies.yml:2: reply 'start' has no 'en' text"), "\(broken.output)")
        }
    }
}
