// The weekly check-ins of many apprenticeships (issue 13) through the real daemon (LapakApplication: the
// coaching scheduler, the shared pacer's bulk slots, the reply outbox, libcurl) against the in-process
// emulator with Telegram's limits.
//
// Run (release): swift run -c release ReminderProbe [--apprenticeships 2000] [--limit 30] [--rate 30]
// Every apprenticeship is active since a week and a minute, so both sides' "Sudah bertemu minggu ini?"
// (2 × apprenticeships messages) fall due at once. Prints the time from the first to the last against the
// theoretical (messages - 1) / rate, the 429s and requests inside a retry_after window, and chats that
// got a question twice.
import BotAPIEmulator
import Foundation
import GRDB
import LapakBot
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

let count = option("--apprenticeships", 2_000)
let limit = option("--limit", 30)
let rate = option("--rate", 30)
let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
var logger = Logger(label: "probe")
logger.logLevel = .warning

var emulatorConfiguration = EmulatorConfiguration()
emulatorConfiguration.limits = EmulatorLimits(globalPerSecond: Double(limit), perChatPerSecond: 1, perChatBurst: 3, retryAfterSeconds: 1)
let emulator = BotAPIEmulator(configuration: emulatorConfiguration, logger: logger)
try await emulator.start()
let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lapak-reminder-probe-\(UUID().uuidString)")
let settings = try await LapakConfiguration.load(environment: [
    "LAPAK_TELEGRAM_TOKEN": emulator.token, "LAPAK_TELEGRAM_API_URL": emulator.apiURL,
    "LAPAK_DATABASE_PATH": folder.appendingPathComponent("lapak.sqlite").path, "LAPAK_INTENTS_PATH": root.appendingPathComponent("intents").path,
    "LAPAK_TELEGRAM_POLL_TIMEOUT": "10", "LAPAK_BROADCAST_RATE": String(rate), "LAPAK_LOG_LEVEL": "warning", "LAPAK_WEB_ENABLED": "false",
], resources: nil)
let start = Date().addingTimeInterval(-(7 * 86_400 + 60))
let application = try LapakApplication(configuration: settings, logger: logger)
let owners = (0..<(2 * count)).map { User(id: 1_000_000 + Int64($0), firstName: "Pemilik \($0)") }
let spot = GeoPoint(latitude: 0.1443, longitude: 117.4938)
_ = try await application.registry.upsertAll(owners.enumerated().map { index, owner in
    Business(registryID: "B-\(index)", name: "Usaha \(index)", category: "katering", mode: .menetap, location: spot, ownerTelegramID: owner.id)
})
await emulator.state.registerUsers(owners)
let registry = application.registry
try await registry.database.writer.write { db in
    let session = registry.session(db)
    for pair in 0..<count {
        let mentor = Int64(2 * pair + 1), beginner = Int64(2 * pair + 2)
        try session.setCoachingRole(.mentor, capacity: 1, ofBusiness: mentor, now: start)
        let proposed = try session.proposeApprenticeship(beginner: beginner, mentor: mentor, weeks: 12, by: 1, now: start)
        _ = try session.answerApprenticeship(proposed.id, side: .mentor, accept: true, username: nil, now: start)
        _ = try session.answerApprenticeship(proposed.id, side: .beginner, accept: true, username: nil, now: start)
    }
}
print("\(count) apprenticeships, \(2 * count) check-ins due; emulator limit \(limit)/s, Lapak rate \(rate)/s")

let group = ServiceGroup(configuration: .init(services: application.services.map { .init(service: $0) }, logger: logger))
let running = Task { try await group.run() }
let began = ContinuousClock.now
while true {
    let unclaimed = try await registry.database.writer.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM apprenticeship_reminder WHERE sent_at IS NULL AND week = 1") } ?? 0
    let delivered = await emulator.state.deliveries(containing: "Sudah bertemu minggu ini?").values.reduce(0, +)
    if unclaimed == 0 && delivered >= 2 * count { break }
    try await Task.sleep(for: .seconds(1))
    if ContinuousClock.now - began > .seconds(Int64(4 * count / max(1, min(limit, rate)) + 120)) { print("timed out"); break }
}

let requests = await emulator.state.requests
let sends = requests.filter { $0.method == "sendMessage" && ($0.chatID ?? 0) >= 1_000_000 && $0.status == 200 }
let first = sends.map(\.at).min() ?? .zero
let last = sends.map(\.at).max() ?? .zero
let seconds = Double((last - first).components.seconds) + Double((last - first).components.attoseconds) / 1e18
let theoretical = Double(2 * count - 1) / Double(min(limit, rate))
// The busiest second: how many messages any one-second window held.
let times = sends.map(\.at).sorted()
var busiest = 0
var low = 0
for high in times.indices {
    while times[high] - times[low] > .seconds(1) { low += 1 }
    busiest = max(busiest, high - low + 1)
}
let deliveries = await emulator.state.deliveries(containing: "Sudah bertemu minggu ini?")
print(String(format: "delivered %d check-ins in %.1f s; theoretical %.1f s; ratio %.3f", deliveries.values.reduce(0, +), seconds, theoretical,
             seconds / theoretical))
print("busiest one-second window: \(busiest) messages; 429 answers: \(requests.filter { $0.status == 429 }.count); "
      + "requests inside a retry_after window: \(await emulator.state.floodViolations)")
print("chats asked more than once: \(deliveries.values.filter { $0 > 1 }.count)")

await group.triggerGracefulShutdown()
_ = try? await running.value
application.transport.shutdown()
await emulator.stop()
try? FileManager.default.removeItem(at: folder)
