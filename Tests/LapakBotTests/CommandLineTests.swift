import Foundation
import LapakBot
import Testing

/// The `lapak` executable as a user runs it: from an unrelated folder, configured by environment alone.
@Suite("The lapak command")
struct CommandLineTests {
    /// The `lapak` binary built next to this test bundle.
    static var binary: URL {
        URL(fileURLWithPath: ResourceLocator.executablePath()).deletingLastPathComponent().appendingPathComponent("lapak")
    }

    static func run(_ arguments: [String], environment: [String: String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: "/")
        var env = ["PATH": "/usr/bin:/bin", "HOME": NSTemporaryDirectory()]
        env.merge(environment) { _, new in new }
        process.environment = env
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    @Test("`lapak check` finds intents/ and the default configuration from the root folder")
    func checkFromAnywhere() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.binary.path), "build lapak first: swift build")
        let result = try Self.run(["check"], environment: [:])
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("intents: ok"))
    }

    @Test("`lapak run` without a token exits non-zero naming LAPAK_TELEGRAM_TOKEN")
    func runWithoutToken() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.binary.path), "build lapak first: swift build")
        let result = try Self.run(["run"], environment: [:])
        #expect(result.status != 0)
        #expect(result.output.contains("LAPAK_TELEGRAM_TOKEN"))
    }

    @Test("LAPAK_INTENTS_PATH points lapak at an edited copy, and a broken copy is refused with file and line")
    func editedIntents() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.binary.path), "build lapak first: swift build")
        let copy = FileManager.default.temporaryDirectory.appendingPathComponent("intents-cli-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: ResourceLocator.locate()!.intentsDirectory, to: copy)
        defer { try? FileManager.default.removeItem(at: copy) }
        let good = try Self.run(["check"], environment: ["LAPAK_INTENTS_PATH": copy.path])
        #expect(good.status == 0 && good.output.contains(copy.path), "\(good.output)")

        try "start:\n  id: Halo\n".write(to: copy.appendingPathComponent("replies.yml"), atomically: true, encoding: .utf8)
        let broken = try Self.run(["check"], environment: ["LAPAK_INTENTS_PATH": copy.path])
        #expect(broken.status != 0)
        #expect(broken.output.contains("replies.yml:2: reply 'start' has no 'en' text"), "\(broken.output)")
    }
}
