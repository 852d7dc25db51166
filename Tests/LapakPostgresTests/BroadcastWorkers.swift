import BotAPIEmulator
import Foundation
import LapakBroadcast
import LapakPostgres
import Logging
import PostgresNIO
import Synchronization
import TelegramBotAPI

/// Counts the sendMessage requests one worker started, and when: which worker sent what, and never two
/// at once. The real libcurl transport underneath.
final class CountingTransport: HTTPTransport {
    let inner: CurlTransport
    private let starts = Mutex<[ContinuousClock.Instant]>([])

    init(inner: CurlTransport) { self.inner = inner }

    /// When each sendMessage request of this worker started.
    var sendStarts: [ContinuousClock.Instant] { starts.withLock { $0 } }
    var sends: Int { starts.withLock { $0.count } }

    func post(_ request: HTTPRequest) async throws(TransportError) -> HTTPResponse {
        if request.url.hasSuffix("/sendMessage") { starts.withLock { $0.append(.now) } }
        return try await inner.post(request)
    }
}

/// Finishes nothing, shows nothing: the tests read the store.
struct SilentObserver: BroadcastObserver {
    func progress(of broadcast: BroadcastRecord, _ counts: DeliveryCounts) async {}
    func finished(_ broadcast: BroadcastRecord, _ counts: DeliveryCounts) async {}
}

/// One `lapak run` as far as broadcasts go: its own pool, election, transport, pacer, client and sender,
/// sharing the database and Telegram (the emulator) with the others.
final class BroadcastWorker: Sendable {
    let index: Int
    let store: PostgresStore
    let leadership: BulkLeadership
    let transport: CountingTransport
    let sender: BroadcastSender
    private let running = Mutex<(pool: Task<Void, Never>?, leadership: Task<Void, Never>?, sender: Task<Void, Never>?)>((nil, nil, nil))

    init(index: Int, url: String, emulator: BotAPIEmulator, retryInterval: Duration) throws {
        self.index = index
        let logger = Logger(label: "worker-\(index)")
        store = try PostgresStore(url: url, logger: logger)
        leadership = try BulkLeadership(url: url, retryInterval: retryInterval, logger: logger)
        transport = CountingTransport(inner: CurlTransport(configuration: .init(maxConcurrentRequests: 16, connectTimeout: .seconds(10))))
        let pacer = MessagePacer(rate: 30)
        let client = BotAPIClient(token: emulator.token, apiURL: emulator.apiURL, transport: transport, requestTimeout: .seconds(20),
                                  pacer: pacer, logger: logger)
        sender = BroadcastSender(outbox: PostgresBroadcastStore(store: store, fence: leadership), gate: leadership, client: client, pacer: pacer,
                                 configuration: .init(maxInFlight: 8, maxAttempts: 5, backoff: Backoff(initial: .milliseconds(100), maximum: .milliseconds(400)),
                                                      progressInterval: .seconds(1), idlePoll: .milliseconds(50)),
                                 observer: SilentObserver(), logger: logger)
    }

    /// Starts the pool, the election and the sender.
    func start() {
        let (store, leadership, sender) = (store, leadership, sender)
        running.withLock {
            $0.pool = Task { await store.client.run() }
            $0.leadership = Task { try? await leadership.run() }
            $0.sender = Task { try? await sender.run() }
        }
    }

    /// The in-process kill -9: the sender stops mid-request (its rows in flight stay 'sending'), the
    /// backend holding the lock is terminated as when a machine dies, and the rest of the worker goes.
    func kill(using admin: PostgresStore) async throws {
        let pid = leadership.lockHolderPID
        let sending = running.withLock { $0.sender }
        sending?.cancel()
        if let pid {
            try await admin.client.query("SELECT pg_terminate_backend(\(pid))", logger: Logger(label: "kill"))
        }
        await stop()
        _ = await sending?.value
    }

    /// Stops everything and waits for it.
    func stop() async {
        let tasks = running.withLock { [$0.sender, $0.leadership, $0.pool] }
        for task in tasks { task?.cancel() }
        for task in tasks { _ = await task?.value }
        transport.inner.shutdown()
    }

    /// Runs `body` with `count` workers on the fixture's database and one emulator with Telegram's flood
    /// limits, `users` registered with it; stops everything afterwards.
    static func with(_ count: Int, users: [Int64], on fixture: PostgresFixture, retryInterval: Duration = .milliseconds(200),
                     _ body: (BotAPIEmulator, [BroadcastWorker]) async throws -> Void) async throws {
        var configuration = EmulatorConfiguration()
        configuration.limits = .telegram
        let emulator = BotAPIEmulator(configuration: configuration, logger: Logger(label: "emulator"))
        try await emulator.start()
        await emulator.state.registerUsers(users.map { User(id: $0, firstName: "Vendor \($0)") })
        let workers = try (0..<count).map { try BroadcastWorker(index: $0, url: fixture.url, emulator: emulator, retryInterval: retryInterval) }
        for worker in workers { worker.start() }
        do {
            try await body(emulator, workers)
        } catch {
            for worker in workers { await worker.stop() }
            await emulator.stop()
            throw error
        }
        for worker in workers { await worker.stop() }
        await emulator.stop()
    }

    /// Waits until exactly one of `workers` leads, and it is not `excluded`; returns it.
    static func soleLeader(among workers: [BroadcastWorker], excluding excluded: BroadcastWorker? = nil,
                           within limit: Duration = .seconds(10)) async throws -> BroadcastWorker {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            let leaders = workers.filter { $0.leadership.isLeader && $0 !== excluded }
            if leaders.count == 1 { return leaders[0] }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw FixtureError("no single leader within \(limit): \(workers.map(\.leadership.isLeader))")
    }
}

/// Polls `condition` every 20 ms until it holds; throws after `limit`.
func eventually(within limit: Duration = .seconds(30), _ what: String, _ condition: () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now + limit
    while try await !condition() {
        guard ContinuousClock.now < deadline else { throw FixtureError("not within \(limit): \(what)") }
        try await Task.sleep(for: .milliseconds(20))
    }
}
