import BotAPIEmulator
import Foundation
import LapakBot
import LapakRegistry
import Logging
import ServiceLifecycle
import TelegramBotAPI
import UnixSignals

/// `lapak demo`: the Bot API emulator, the real bot pointed at it, and a chat in the terminal.
///
/// Nothing is faked on the bot's side: it long-polls the emulator over libcurl and loopback HTTP
/// exactly as it would poll Telegram, with a fresh SQLite database in a temporary folder.
public struct DemoRunner: Sendable {
    /// Who types: a person at a terminal, or the built-in script (CI, pipes).
    public enum Mode: Sendable {
        case interactive
        case scripted
    }

    /// The conversation played when there is no terminal.
    public static let defaultScript = [
        "/start", "katering terdekat", "#1", "#1", "bakso dekat sini", "ada tukang jahit gak dkt sini?", "/bahasa", "nearest laundry", "/help",
    ]

    let mode: Mode
    let script: [String]
    let output: @Sendable (String) -> Void
    let logger: Logger
    let answerTimeout: Duration
    let sampleSize: Int

    public init(mode: Mode, script: [String] = DemoRunner.defaultScript, sampleSize: Int = 16_000, answerTimeout: Duration = .seconds(15),
                output: @escaping @Sendable (String) -> Void = { line in FileHandle.standardOutput.write(Data((line + "\n").utf8)) }, logger: Logger) {
        self.mode = mode
        self.script = script
        self.answerTimeout = answerTimeout
        self.sampleSize = sampleSize
        self.output = output
        self.logger = logger
    }

    /// Runs the demo until the script ends, the user types /keluar, input ends, or Ctrl-C.
    public func run() async throws {
        let emulator = BotAPIEmulator(configuration: EmulatorConfiguration(), logger: logger)
        try await emulator.start()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lapak-demo-\(UUID().uuidString)", isDirectory: true)
        defer { try? FileManager.default.removeItem(at: folder) }

        var settings = try await LapakConfiguration.load(requireToken: false)
        settings.telegramToken = emulator.token
        settings.telegramAPIURL = emulator.apiURL
        settings.databasePath = folder.appendingPathComponent("lapak.sqlite").path
        settings.pollTimeout = 10
        let application = try LapakApplication(configuration: settings, logger: logger)
        try await loadSampleRegistry(into: application.registry)

        let chat = DemoChat(emulator: emulator, mode: mode, script: script, answerTimeout: answerTimeout, output: output)
        let group = ServiceGroup(configuration: .init(
            services: [
                .init(service: application.service, successTerminationBehavior: .gracefullyShutdownGroup),
                .init(service: application.broadcastSender, successTerminationBehavior: .gracefullyShutdownGroup),
                .init(service: chat, successTerminationBehavior: .gracefullyShutdownGroup),
            ],
            gracefulShutdownSignals: mode == .interactive ? [.sigint, .sigterm] : [.sigterm],
            logger: logger))
        do {
            try await group.run()
        } catch {
            application.transport.shutdown()
            await emulator.stop()
            throw error
        }
        application.transport.shutdown()
        await emulator.stop()
    }
}

extension DemoRunner {
    /// Fills the demo's registry with the synthetic Bontang sample and sends most mobile vendors out selling today.
    func loadSampleRegistry(into registry: Registry) async throws {
        let started = ContinuousClock.now
        let summary = try await registry.upsertAll(SampleRegistry(count: sampleSize).businesses())
        var random = SplitMix64(seed: 29)
        var positions: [(businessID: Int64, position: GeoPoint)] = []
        for business in try await registry.allBusinesses() where business.mode == .berkeliling && random.unit() < 0.7 {
            let place = Kelurahan.named(business.kelurahan) ?? Kelurahan.bontang[0]
            let point = GeoPoint(latitude: place.latitude + random.gaussian() * 0.004, longitude: place.longitude + random.gaussian() * 0.004)
            positions.append((business.id, point))
        }
        let out = try await registry.checkIn(positions)
        let elapsed = (ContinuousClock.now - started).formatted(.units(allowed: [.seconds, .milliseconds], width: .abbreviated))
        output("Registry: \(summary.inserted) synthetic UMKM (ids SYN-…) loaded, \(out) mobile vendors out selling today (\(elapsed)).")
    }
}

/// A reason the scripted demo failed.
public struct DemoError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
