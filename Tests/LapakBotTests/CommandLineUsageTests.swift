import BotAPIEmulator
import Foundation
import Logging
import Testing

extension SubprocessTests {
    /// Issue 12, items 10 and 11: what `lapak` says when it is started without a subcommand, with a wrong
    /// one, and as `lapak emulator` writing to a file or finding its port taken.
    @Suite("The lapak command's usage and the emulator's first line")
    struct CommandLineUsageTests {
        @Test("A bare `lapak` prints the help and starts nothing")
        func bareCommand() async throws {
            try #require(FileManager.default.isExecutableFile(atPath: CommandLineTests.binary.path), "build lapak first: swift build")
            let result = try await CommandLineTests.run([], environment: [:])
            #expect(result.status == 0, "\(result.output)")
            #expect(result.output.contains("USAGE: lapak <subcommand>") && result.output.contains("SUBCOMMANDS:"), "\(result.output)")
            #expect(!result.output.contains("lapak: "), "\(result.output)")  // no daemon started and stopped for want of a token
        }

        @Test("An unknown subcommand gets the top-level usage, not `lapak run`'s")
        func unknownSubcommand() async throws {
            try #require(FileManager.default.isExecutableFile(atPath: CommandLineTests.binary.path), "build lapak first: swift build")
            let result = try await CommandLineTests.run(["frobnicate"], environment: [:])
            #expect(result.status != 0)
            #expect(result.output.contains("frobnicate") && result.output.contains("Usage: lapak <subcommand>"), "\(result.output)")
            #expect(!result.output.contains("lapak run"), "\(result.output)")
        }

        @Test("`lapak emulator` writes its URL and token to a file at once, while it runs")
        func emulatorFirstLine() async throws {
            try #require(FileManager.default.isExecutableFile(atPath: CommandLineTests.binary.path), "build lapak first: swift build")
            let output = FileManager.default.temporaryDirectory.appendingPathComponent("lapak-emulator-\(UUID().uuidString).log")
            FileManager.default.createFile(atPath: output.path, contents: nil)
            defer { try? FileManager.default.removeItem(at: output) }
            let handle = try FileHandle(forWritingTo: output)
            defer { try? handle.close() }
            let process = try ChildProcess(CommandLineTests.binary.path, ["emulator", "--port", "0"],
                                           environment: ["PATH": "/usr/bin:/bin", "HOME": NSTemporaryDirectory()], output: handle.fileDescriptor)
            // Polled without blocking a thread; the emulator keeps running, so only an unbuffered line is there.
            var text = ""
            let deadline = ContinuousClock.now + .seconds(20)
            while !text.contains("token"), ContinuousClock.now < deadline, process.isRunning {
                try await Task.sleep(for: .milliseconds(50))
                text = String(decoding: try Data(contentsOf: output), as: UTF8.self)
            }
            let running = process.isRunning
            process.send(SIGTERM)
            try await process.waitForExit()
            #expect(running, "the emulator stopped: \(text)")
            #expect(text.contains("Bot API emulator on http://127.0.0.1:") && text.contains("(token "), "\(text)")
        }

        @Test("`lapak emulator` on a port already in use says so in one line naming the port")
        func emulatorPortInUse() async throws {
            try #require(FileManager.default.isExecutableFile(atPath: CommandLineTests.binary.path), "build lapak first: swift build")
            var configuration = EmulatorConfiguration()
            configuration.port = 0
            let holder = BotAPIEmulator(configuration: configuration, logger: Logger(label: "port-holder"))
            try await holder.start()
            let port = holder.port
            let result: (status: Int32, output: String)
            do {
                result = try await CommandLineTests.run(["emulator", "--port", "\(port)"], environment: [:])
            } catch {
                await holder.stop()
                throw error
            }
            await holder.stop()
            #expect(result.status != 0)
            let lines = result.output.split(separator: "\n")
            #expect(lines == ["lapak: port \(port) on 127.0.0.1 is already in use (another emulator? --port picks another, 0 a free one)"],
                    "\(result.output)")
        }
    }
}
