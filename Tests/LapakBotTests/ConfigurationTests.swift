import Foundation
import LapakBot
import Logging
import Testing

@Suite("Configuration")
struct ConfigurationTests {
    static let token = "123456:ABCdefGHIjklMNOpqrSTUvwxYZ_12345"

    @Test("The shipped defaults load from any working directory, with the token from the environment")
    func defaults() async throws {
        let previous = FileManager.default.currentDirectoryPath
        _ = FileManager.default.changeCurrentDirectoryPath(NSTemporaryDirectory())
        defer { _ = FileManager.default.changeCurrentDirectoryPath(previous) }
        let settings = try await LapakConfiguration.load(environment: ["LAPAK_TELEGRAM_TOKEN": Self.token])
        #expect(settings.telegramToken == Self.token)
        #expect(settings.telegramAPIURL == "https://api.telegram.org")
        #expect(settings.pollTimeout == 50)
        #expect(settings.timeZone.identifier == "Asia/Makassar")
        #expect(settings.logLevel == .info)
        #expect(FileManager.default.fileExists(atPath: settings.intentsDirectory.appendingPathComponent("replies.yml").path))
    }

    @Test("Environment variables override every file setting")
    func environmentOverrides() async throws {
        let settings = try await LapakConfiguration.load(environment: [
            "LAPAK_TELEGRAM_TOKEN": Self.token,
            "LAPAK_TELEGRAM_API_URL": "http://127.0.0.1:8081",
            "LAPAK_DATABASE_PATH": "/tmp/x/lapak.sqlite",
            "LAPAK_STAFF_IDS": "11, 22,33",
            "LAPAK_TIMEZONE": "Asia/Jakarta",
            "LAPAK_LOG_LEVEL": "DEBUG",
            "LAPAK_TELEGRAM_POLL_TIMEOUT": "20",
            "LAPAK_TELEGRAM_DELETE_WEBHOOK": "true",
        ])
        #expect(settings.telegramAPIURL == "http://127.0.0.1:8081")
        #expect(settings.databasePath == "/tmp/x/lapak.sqlite")
        #expect(settings.staffIDs == [11, 22, 33])
        #expect(settings.timeZone.identifier == "Asia/Jakarta")
        #expect(settings.logLevel == .debug)
        #expect(settings.pollTimeout == 20)
        #expect(settings.deleteWebhookOnConflict)
    }

    @Test("A --config file overrides the shipped defaults, and the environment overrides the file")
    func configFile() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("lapak-\(UUID().uuidString).yaml")
        try "telegram:\n  poll_timeout: 5\n  api_url: \"http://localhost:9\"\nlog:\n  level: error\n".write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let settings = try await LapakConfiguration.load(configFile: file.path, environment: [
            "LAPAK_TELEGRAM_TOKEN": Self.token, "LAPAK_LOG_LEVEL": "warning",
        ])
        #expect(settings.pollTimeout == 5)
        #expect(settings.telegramAPIURL == "http://localhost:9")
        #expect(settings.logLevel == .warning)
    }

    @Test("A bad value is refused with a message naming the setting and its variable", arguments: [
        (["LAPAK_TELEGRAM_TOKEN": ""], "LAPAK_TELEGRAM_TOKEN"),
        (["LAPAK_TELEGRAM_TOKEN": "not-a-token"], "LAPAK_TELEGRAM_TOKEN"),
        (["LAPAK_TELEGRAM_TOKEN": token, "LAPAK_TELEGRAM_POLL_TIMEOUT": "soon"], "LAPAK_TELEGRAM_POLL_TIMEOUT"),
        (["LAPAK_TELEGRAM_TOKEN": token, "LAPAK_TELEGRAM_POLL_TIMEOUT": "90"], "LAPAK_TELEGRAM_POLL_TIMEOUT"),
        (["LAPAK_TELEGRAM_TOKEN": token, "LAPAK_STAFF_IDS": "12,budi"], "LAPAK_STAFF_IDS"),
        (["LAPAK_TELEGRAM_TOKEN": token, "LAPAK_TIMEZONE": "Bontang/Kota"], "LAPAK_TIMEZONE"),
        (["LAPAK_TELEGRAM_TOKEN": token, "LAPAK_LOG_LEVEL": "loud"], "LAPAK_LOG_LEVEL"),
        (["LAPAK_TELEGRAM_TOKEN": token, "LAPAK_TELEGRAM_API_URL": "ftp://x"], "LAPAK_TELEGRAM_API_URL"),
        (["LAPAK_TELEGRAM_TOKEN": token, "LAPAK_TELEGRAM_DELETE_WEBHOOK": "maybe"], "LAPAK_TELEGRAM_DELETE_WEBHOOK"),
        (["LAPAK_TELEGRAM_TOKEN": token, "LAPAK_INTENTS_PATH": "/nonexistent/intents"], "LAPAK_INTENTS_PATH"),
        (["LAPAK_TELEGRAM_TOKEN": token, "LAPAK_BROADCAST_RATE": "0"], "LAPAK_BROADCAST_RATE"),
        (["LAPAK_TELEGRAM_TOKEN": token, "LAPAK_REGION_SOUTH": "0,1"], "LAPAK_REGION_SOUTH"),
        (["LAPAK_TELEGRAM_TOKEN": token, "LAPAK_REGION_SOUTH": "0.3"], "LAPAK_REGION_SOUTH"),  // north of region.north
        (["LAPAK_TELEGRAM_TOKEN": token, "LAPAK_CHECKIN_LIVE_SILENCE_MINUTES": "0"], "LAPAK_CHECKIN_LIVE_SILENCE_MINUTES"),
    ])
    func refused(environment: [String: String], variable: String) async throws {
        do {
            _ = try await LapakConfiguration.load(environment: environment)
            Issue.record("expected \(variable) to be refused")
        } catch let error as ConfigurationError {
            #expect(error.description.contains(variable))
            if let token = environment["LAPAK_TELEGRAM_TOKEN"], token.count > 12 {
                #expect(!error.description.contains(token))
            }
        }
    }

    @Test("A missing --config file is named")
    func missingConfigFile() async {
        await #expect(throws: ConfigurationError.self) {
            _ = try await LapakConfiguration.load(configFile: "/nonexistent/lapak.yaml", environment: ["LAPAK_TELEGRAM_TOKEN": Self.token])
        }
    }
}
