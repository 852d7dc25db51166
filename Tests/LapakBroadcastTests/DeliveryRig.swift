import BotAPIEmulator
import Foundation
import LapakBroadcast
import LapakDatabase
import LapakRegistry
import Logging
import Synchronization
import TelegramBotAPI

/// The real delivery path for tests: an emulator on loopback, libcurl, a SQLite file, the outbox and the sender.
struct DeliveryRig {
    let emulator: BotAPIEmulator
    let transport: CurlTransport
    let client: BotAPIClient
    let pacer: MessagePacer
    let database: AppDatabase
    let outbox: Outbox
    let observer: RecordingObserver
    let folder: URL

    var state: EmulatorState { emulator.state }

    /// Starts everything with `vendors` accounts owning one business each (known to the emulator), runs `body`, stops.
    static func with(vendors: Int, limits: EmulatorLimits = .telegram, rate: Double = 30, _ body: (DeliveryRig) async throws -> Void) async throws {
        let logger = Logger(label: "test")
        var configuration = EmulatorConfiguration()
        configuration.limits = limits
        let emulator = BotAPIEmulator(configuration: configuration, logger: logger)
        try await emulator.start()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lapak-outbox-\(UUID().uuidString)")
        let database = try AppDatabase.open(path: folder.appendingPathComponent("lapak.sqlite").path)
        let registry = Registry(database: database, taxonomy: CategoryTaxonomy(categories: []), timeZone: TimeZone(identifier: "Asia/Makassar")!)
        _ = try await registry.upsertAll((0..<vendors).map { index in
            Business(registryID: "V-\(index)", name: "Usaha \(index)", category: index % 2 == 0 ? "katering" : "kue",
                     mode: index % 3 == 0 ? .berkeliling : .menetap, location: nil, kelurahan: index % 4 == 0 ? "Guntung" : "Api-Api",
                     ownerTelegramID: vendorID(index), halal: index % 5 == 0)
        })
        await emulator.state.registerUsers((0..<vendors).map { User(id: vendorID($0), firstName: "Vendor \($0)") })
        let transport = CurlTransport(configuration: .init(maxConcurrentRequests: 16, connectTimeout: .seconds(10)))
        let pacer = MessagePacer(rate: rate)
        let client = BotAPIClient(token: emulator.token, apiURL: emulator.apiURL, transport: transport, requestTimeout: .seconds(20),
                                  pacer: pacer, logger: logger)
        let rig = DeliveryRig(emulator: emulator, transport: transport, client: client, pacer: pacer, database: database,
                              outbox: Outbox(database: database), observer: RecordingObserver(), folder: folder)
        do {
            try await body(rig)
        } catch {
            transport.shutdown()
            await emulator.stop()
            try? FileManager.default.removeItem(at: folder)
            throw error
        }
        transport.shutdown()
        await emulator.stop()
        try? FileManager.default.removeItem(at: folder)
    }

    static func vendorID(_ index: Int) -> Int64 { 200_000 + Int64(index) }

    /// A sender over this rig (a new one per "process life").
    func sender(maxAttempts: Int = 5) -> BroadcastSender {
        BroadcastSender(outbox: outbox, client: client, pacer: pacer,
                        configuration: .init(maxInFlight: 8, maxAttempts: maxAttempts, backoff: Backoff(initial: .milliseconds(100), maximum: .milliseconds(400)),
                                             progressInterval: .milliseconds(500), idlePoll: .milliseconds(50)),
                        observer: observer, logger: Logger(label: "sender"))
    }

    /// Writes an announcement for `audience` to the outbox.
    func announce(_ text: String, to audience: Audience = Audience()) async throws -> BroadcastRecord {
        try await outbox.start(Announcement(staffID: 1, staffChatID: 1, text: text, audience: audience, rsvpLabel: nil))
    }

    /// Runs a sender until the broadcast is reported finished.
    func runUntilFinished(_ sender: BroadcastSender, timeout: Duration = .seconds(60)) async throws {
        let task = Task { try await sender.run() }
        let deadline = ContinuousClock.now + timeout
        while observer.finishedCount == 0 {
            guard ContinuousClock.now < deadline else { task.cancel(); throw RigTimeout() }
            try await Task.sleep(for: .milliseconds(20))
        }
        task.cancel()
        _ = try? await task.value
    }
}

struct RigTimeout: Error {}

/// Remembers what the sender reported.
final class RecordingObserver: BroadcastObserver {
    private let state = Mutex<(progress: [DeliveryCounts], finished: [(BroadcastRecord, DeliveryCounts)])>(([], []))

    var finishedCount: Int { state.withLock { $0.finished.count } }
    var lastFinished: (BroadcastRecord, DeliveryCounts)? { state.withLock { $0.finished.last } }
    var progressReports: [DeliveryCounts] { state.withLock { $0.progress } }

    func progress(of broadcast: BroadcastRecord, _ counts: DeliveryCounts) async { state.withLock { $0.progress.append(counts) } }
    func finished(_ broadcast: BroadcastRecord, _ counts: DeliveryCounts) async { state.withLock { $0.finished.append((broadcast, counts)) } }
}
