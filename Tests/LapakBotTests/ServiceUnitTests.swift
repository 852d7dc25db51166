import Foundation
import Testing

extension SubprocessTests {
    /// The systemd units in `config/`, as an operator installs them.
    @Suite("The systemd units: verified by systemd-analyze, hardened, with the token out of the unit")
    struct ServiceUnitTests {
        static let config = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../config").standardized
        static let units = ["lapak.service", "lapak-backup.service", "lapak-backup.timer"]

        /// The unit's `Key=value` lines.
        static func settings(of unit: String) throws -> [String] {
            try String(contentsOf: config.appendingPathComponent(unit), encoding: .utf8)
                .split(separator: "\n").map(String.init).filter { !$0.hasPrefix("#") && $0.contains("=") }
        }

        @Test("systemd-analyze verify finds nothing to say about the three units")
        func verify() async throws {
            let analyze = "/usr/bin/systemd-analyze"
            try #require(FileManager.default.isExecutableFile(atPath: analyze), "systemd-analyze is missing: make deps installs systemd")
            try #require(FileManager.default.isExecutableFile(atPath: CommandLineTests.binary.path), "build lapak first: swift build")
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lapak-units-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            for unit in Self.units {
                // verify checks that ExecStart's program exists: point it at the binary just built.
                let text = try String(contentsOf: Self.config.appendingPathComponent(unit), encoding: .utf8)
                    .replacingOccurrences(of: "/usr/local/bin/lapak", with: CommandLineTests.binary.path)
                try text.write(to: folder.appendingPathComponent(unit), atomically: true, encoding: .utf8)
            }
            let log = folder.appendingPathComponent("verify.log")
            FileManager.default.createFile(atPath: log.path, contents: nil)
            let handle = try FileHandle(forWritingTo: log)
            let process = try ChildProcess(analyze, ["verify", "--man=no"] + Self.units.map { "./" + $0 },
                                           environment: ["PATH": "/usr/bin:/bin", "HOME": NSTemporaryDirectory()], directory: folder.path,
                                           output: handle.fileDescriptor, error: handle.fileDescriptor)
            let status = try await process.waitForExit(timeout: .seconds(120)).status
            try handle.close()
            let output = String(decoding: try Data(contentsOf: log), as: UTF8.self)
            #expect(status == 0, "\(output)")
            let aboutOurUnits = output.split(separator: "\n").filter { line in Self.units.contains { line.contains($0) } }
            #expect(aboutOurUnits.isEmpty, "\(output)")
        }

        @Test("The service runs as its own user with a state directory, restarts on failure, is hardened, and reads the token from a root-only file")
        func hardened() throws {
            let service = try Self.settings(of: "lapak.service")
            for required in ["User=lapak", "StateDirectory=lapak lapak/backups", "EnvironmentFile=/etc/lapak/lapak.env", "Restart=on-failure",
                             "ProtectSystem=strict", "NoNewPrivileges=yes", "PrivateTmp=yes", "ProtectHome=yes", "CapabilityBoundingSet="] {
                #expect(service.contains(required), "lapak.service lacks \(required)")
            }
            #expect(!service.contains { $0.contains("LAPAK_TELEGRAM_TOKEN") }, "the token belongs in the EnvironmentFile, not the unit")
            let backup = try Self.settings(of: "lapak-backup.service")
            #expect(backup.contains("User=lapak") && backup.contains { $0.hasPrefix("ExecStart=") && $0.contains("lapak backup") })
            #expect(try Self.settings(of: "lapak-backup.timer").contains("Persistent=true"))
        }
    }
}
