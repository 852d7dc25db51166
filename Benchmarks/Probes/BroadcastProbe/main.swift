// A broadcast to many vendors through the real daemon (LapakApplication: outbox, pacer, sender, libcurl)
// against the in-process emulator with Telegram's limits, while a citizen keeps asking questions.
//
// Run (release): swift run -c release BroadcastProbe [--recipients 16000] [--limit 30] [--rate 30]
//   --limit: the emulator's global messages/second (Telegram: 30); --rate: Lapak's broadcast.rate.
// Prints the broadcast's duration against the theoretical recipients/rate, the 429s and retry_after
// violations, and a citizen's reply delay (p50/p99) before and during the broadcast.
import BotAPIEmulator
import Foundation
import LapakBot
import LapakBroadcast
import LapakDatabase
import LapakRegistry
import Logging
import ServiceLifecycle
import TelegramBotAPI

func option(_ name: String, _ defaultValue: Int) -> Int {
    guard let index = CommandLine.arguments.firstIndex(of: name), index + 1 < CommandLine.arguments.count,
          let value = Int(CommandLine.arguments[index + 1]) else { return defaultValue }
    return value
}

let recipients = option("--recipients", 16_000)
let limit = option("--limit", 30)
let rate = option("--rate", 30)
let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
var logger = Logger(label: "probe")
logger.logLevel = .warning

var emulatorConfiguration = EmulatorConfiguration()
emulatorConfiguration.limits = EmulatorLimits(globalPerSecond: Double(limit), perChatPerSecond: 1, perChatBurst: 3, retryAfterSeconds: 1)
let emulator = BotAPIEmulator(configuration: emulatorConfiguration, logger: logger)
try await emulator.start()
let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lapak-broadcast-probe-\(UUID().uuidString)")
let staff = User(id: 42, firstName: "Staf Dinas", languageCode: "id")
// Citizens take turns, so no chat gets more than Telegram's one message a second.
let citizens = (0..<20).map { User(id: 100 + Int64($0), firstName: "Warga \($0)", languageCode: "id") }
nonisolated(unsafe) var turn = 0
let settings = try await LapakConfiguration.load(environment: [
    "LAPAK_TELEGRAM_TOKEN": emulator.token, "LAPAK_TELEGRAM_API_URL": emulator.apiURL,
    "LAPAK_DATABASE_PATH": folder.appendingPathComponent("lapak.sqlite").path, "LAPAK_INTENTS_PATH": root.appendingPathComponent("intents").path,
    "LAPAK_TELEGRAM_POLL_TIMEOUT": "10", "LAPAK_BROADCAST_RATE": String(rate), "LAPAK_STAFF_IDS": String(staff.id),
    "LAPAK_LOG_LEVEL": "warning",
], resources: nil)
let application = try LapakApplication(configuration: settings, logger: logger)
let vendors = (0..<recipients).map { User(id: 1_000_000 + Int64($0), firstName: "Vendor \($0)") }
_ = try await application.registry.upsertAll(vendors.enumerated().map { index, vendor in
    Business(registryID: "V-\(index)", name: "Usaha \(index)", category: "katering", mode: .menetap, location: nil, ownerTelegramID: vendor.id)
})
await emulator.state.registerUsers(vendors + [staff] + citizens)

let group = ServiceGroup(configuration: .init(services: application.services.map { .init(service: $0) }, logger: logger))
let running = Task { try await group.run() }

/// A citizen says hello and waits for the answer: the reply delay as a user feels it.
func ask() async throws -> Duration {
    let citizen = citizens[turn % citizens.count]
    turn += 1
    let before = await emulator.state.botMessages(chatID: citizen.id).count
    let start = ContinuousClock.now
    await emulator.state.sendText(from: citizen, "halo")
    _ = try await emulator.state.waitForBotMessages(chatID: citizen.id, count: before + 1, timeout: .seconds(30))
    return ContinuousClock.now - start
}

func percentiles(_ samples: [Duration]) -> String {
    let sorted = samples.sorted()
    func ms(_ duration: Duration) -> String { String(format: "%.1f ms", Double(duration.components.attoseconds) / 1e15 + Double(duration.components.seconds) * 1000) }
    return "p50 \(ms(sorted[sorted.count / 2])), p99 \(ms(sorted[min(sorted.count - 1, sorted.count * 99 / 100)])) (n=\(sorted.count))"
}

var idle: [Duration] = []
for _ in 0..<80 {
    idle.append(try await ask())
    try await Task.sleep(for: .milliseconds(100))
}

let outbox = Outbox(database: application.database)
let broadcast = try await outbox.start(Announcement(staffID: staff.id, staffChatID: staff.id, text: "📣 Pelatihan sertifikasi halal gratis",
                                                   audience: Audience(), rsvpLabel: "✋ Ikut"))
print("broadcast #\(broadcast.id) to \(broadcast.recipients) vendors; emulator limit \(limit)/s, Lapak rate \(rate)/s")
var during: [Duration] = []
var lastReport = ContinuousClock.now
let interval = option("--ask-every-ms", 2000)
while try await outbox.broadcast(broadcast.id)?.status == .sending {
    during.append(try await ask())
    try await Task.sleep(for: .milliseconds(interval))
    if ContinuousClock.now - lastReport > .seconds(30) {
        lastReport = ContinuousClock.now
        let counts = try await outbox.counts(of: broadcast.id)
        print("  … \(counts.sent) / \(broadcast.recipients) sent")
    }
}

let requests = await emulator.state.requests
let vendorSends = requests.filter { $0.method == "sendMessage" && ($0.chatID ?? 0) >= 1_000_000 && $0.status == 200 }
let first = vendorSends.map(\.at).min() ?? .zero
let last = vendorSends.map(\.at).max() ?? .zero
let seconds = Double((last - first).components.seconds) + Double((last - first).components.attoseconds) / 1e18
// N messages at `limit` per second need (N - 1) / limit seconds from the first to the last.
let theoretical = Double(recipients - 1) / Double(min(limit, rate))
// Replies share the budget by design (they go first): the broadcast's own share excludes them.
let interactive = requests.filter { $0.status == 200 && ["sendMessage", "editMessageText"].contains($0.method) && ($0.chatID ?? 0) < 1_000_000
    && $0.at >= first && $0.at <= last }.count
let counts = try await outbox.counts(of: broadcast.id)
print(String(format: "delivered %d (failed %d, unreachable %d) in %.1f s; theoretical %.1f s; ratio %.3f", counts.sent, counts.failed,
             counts.unreachable, seconds, theoretical, seconds / theoretical))
print(String(format: "interactive messages meanwhile: %d; theoretical with them %.1f s; ratio %.3f", interactive,
             Double(recipients - 1 + interactive) / Double(min(limit, rate)), seconds / (Double(recipients - 1 + interactive) / Double(min(limit, rate)))))
print("429 answers: \(requests.filter { $0.status == 429 }.count); requests inside a retry_after window: \(await emulator.state.floodViolations)")
let duplicates = await emulator.state.deliveries(containing: "Pelatihan sertifikasi halal").values.filter { $0 > 1 }.count
print("vendors with more than one copy: \(duplicates)")
print("citizen reply delay, idle:             \(percentiles(idle))")
print("citizen reply delay, during broadcast: \(percentiles(during))")

await group.triggerGracefulShutdown()
_ = try? await running.value
application.transport.shutdown()
await emulator.stop()
try? FileManager.default.removeItem(at: folder)
