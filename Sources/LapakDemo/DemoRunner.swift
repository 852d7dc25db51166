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
        "/start", "katering terdekat", "#1", "#1", "bakso dekat sini", "ada tukang jahit gak dkt sini?",
        // A trade narrower than the sixteen kinds, a food emoji and its second page, thanks; English; then a
        // location outside the city (Balikpapan).
        "fotokopi dekat sini", "🍜", "#7", "terima kasih",
        "/bahasa", "nearest laundry", "/lokasi -1.2650 116.8312", "/help",
        "/bahasa",
        // A vendor enrolls a shop: a name with markup (refused), the name, kind (typed, confirmed), Menetap, the shop's
        // location, phone, halal, Simpan.
        "/daftar", "Warung <b>Sari</b>", "Warung Demo Bu Sari", "katering", "#1", "/lokasi Bontang Baru", "0812 5555 0101", "#1", "#1",
        // Sari is staff too: an announcement to the demo's vendors, its preview, Kirim; progress, her own copy
        // and the report print as they come.
        // ✋ Ikut on (the panel's text changes), the kind picker and back (only the buttons change), Pratinjau, Kirim.
        "/umumkan Pelatihan sertifikasi halal gratis untuk <30 orang>, Sabtu pukul 09.00 di kantor Dinas", "#5", "#1", "#1", "#8", "#1",
        "/tunggu Pengumuman #1 selesai",
        // As the vendor of Warung Demo Bu Sari she answers ✋ Ikut, and /statistik counts it.
        "#1", "/statistik",
    ]

    /// Sample businesses whose owners have "started the bot" in the demo, so announcements have recipients.
    static let demoVendorCount = 240

    let mode: Mode
    let script: [String]
    let output: @Sendable (String) -> Void
    let logger: Logger
    let answerTimeout: Duration
    let sampleSize: Int
    let input: AsyncStream<String>?
    /// More services beside the bot (the website), made from the demo's application; they may print lines.
    let alongside: (@Sendable (LapakApplication, @escaping @Sendable (String) -> Void) async throws -> [any Service])?

    /// A demo in `mode`; `input` gives the typed lines of an interactive demo (tests), standard input when nil.
    public init(mode: Mode, script: [String] = DemoRunner.defaultScript, input: AsyncStream<String>? = nil, sampleSize: Int = 16_000,
                answerTimeout: Duration = .seconds(15),
                output: @escaping @Sendable (String) -> Void = { line in FileHandle.standardOutput.write(Data((line + "\n").utf8)) },
                alongside: (@Sendable (LapakApplication, @escaping @Sendable (String) -> Void) async throws -> [any Service])? = nil,
                logger: Logger) {
        self.alongside = alongside
        self.mode = mode
        self.script = script
        self.input = input
        self.answerTimeout = answerTimeout
        self.sampleSize = sampleSize
        self.output = output
        self.logger = logger
    }

    /// Runs the demo until the script ends, the user types /keluar, input ends, or Ctrl-C.
    public func run() async throws {
        var emulatorConfiguration = EmulatorConfiguration()
        // Announcements show Telegram's overall pace (30/s). The per-chat limit is left off: the scripted
        // conversation types faster than a person, and its replies would be held back a second each.
        emulatorConfiguration.limits = EmulatorLimits(globalPerSecond: 30)
        let emulator = BotAPIEmulator(configuration: emulatorConfiguration, logger: logger)
        try await emulator.start()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lapak-demo-\(UUID().uuidString)", isDirectory: true)
        defer { try? FileManager.default.removeItem(at: folder) }

        var settings = try await LapakConfiguration.load(requireToken: false)
        settings.telegramToken = emulator.token
        settings.telegramAPIURL = emulator.apiURL
        settings.databasePath = folder.appendingPathComponent("lapak.sqlite").path
        settings.pollTimeout = 10
        settings.staffIDs.insert(DemoChat.user.id)  // so /umumkan, /verifikasi and /statistik can be tried
        let application = try LapakApplication(configuration: settings, logger: logger)
        try await loadSampleRegistry(into: application.registry)
        await emulator.state.registerUsers((0..<Self.demoVendorCount).map { User(id: 800_000 + Int64($0), firstName: "Vendor \($0)") })

        let chat = DemoChat(emulator: emulator, mode: mode, script: script, input: input, answerTimeout: answerTimeout, output: output)
        let extra = try await alongside?(application, output) ?? []
        let group = ServiceGroup(configuration: .init(
            services: [
                .init(service: application.service, successTerminationBehavior: .gracefullyShutdownGroup),
                .init(service: application.broadcastSender, successTerminationBehavior: .gracefullyShutdownGroup),
                .init(service: chat, successTerminationBehavior: .gracefullyShutdownGroup),
            ] + extra.map { .init(service: $0) },
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
        var businesses = SampleRegistry(count: sampleSize).businesses()
        for index in businesses.indices.prefix(Self.demoVendorCount) { businesses[index].ownerTelegramID = 800_000 + Int64(index) }
        let summary = try await registry.upsertAll(businesses)
        var random = SplitMix64(seed: 29)
        var positions: [(businessID: Int64, position: GeoPoint)] = []
        for business in try await registry.allBusinesses() where business.mode == .berkeliling && random.unit() < 0.7 {
            let place = Kelurahan.named(business.kelurahan) ?? Kelurahan.bontang[0]
            let point = GeoPoint(latitude: place.latitude + random.gaussian() * 0.004, longitude: place.longitude + random.gaussian() * 0.004)
            positions.append((business.id, point))
        }
        let out = try await registry.checkIn(positions)
        let elapsed = (ContinuousClock.now - started).formatted(.units(allowed: [.seconds, .milliseconds], width: .abbreviated))
        output("Registry: \(summary.inserted) synthetic UMKM (ids SYN-…) loaded, \(out) mobile vendors out selling today, "
               + "\(Self.demoVendorCount) vendors on Telegram (\(elapsed)).")
    }
}

/// A reason the scripted demo failed.
public struct DemoError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
