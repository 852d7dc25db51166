import Logging
import ServiceLifecycle
import Synchronization
import TelegramBotAPI

/// Whether a supervised service is up, and if not, why: for readiness.
public final class ServiceStatus: Sendable {
    private let state = Mutex<String?>("not started")

    /// A status of a service that has not started yet.
    public init() {}

    /// Nil while the service runs; otherwise why it is not running.
    public var failure: String? { state.withLock { $0 } }

    func running() { state.withLock { $0 = nil } }
    func down(_ reason: String) { state.withLock { $0 = reason } }
}

/// Runs a service and restarts it with backoff when it fails, so that one part's error (the HTTP server's
/// port taken, a broadcast's database hiccup) does not stop the whole daemon.
///
/// A `ServiceGroup` cancels every service when one throws; the parts that can fail on their own are
/// wrapped in this. Only the long poller (a rejected token) and the database stay unsupervised: without
/// them there is no bot, and a non-zero exit lets systemd restart the process.
public struct SupervisedService: Service {
    /// The name used in logs and readiness (`broadcast sender`, `http server`).
    public let name: String
    /// Up or down, with the last error.
    public let status: ServiceStatus
    private let service: any Service
    private let backoff: Backoff
    private let clock: any MonotonicClock
    private let logger: Logger

    /// Supervises `service`; waits `backoff` between restarts (1 s doubling up to a minute by default).
    public init(_ name: String, _ service: any Service, status: ServiceStatus = ServiceStatus(),
                backoff: Backoff = Backoff(initial: .seconds(1), maximum: .seconds(60)), clock: any MonotonicClock = SystemClock(), logger: Logger) {
        self.name = name
        self.service = service
        self.status = status
        self.backoff = backoff
        self.clock = clock
        self.logger = logger
    }

    public func run() async throws {
        var failures = 0
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let started = clock.now
            do {
                status.running()
                try await service.run()
                status.down("stopped")
                return
            } catch {
                if Task.isShuttingDownGracefully || Task.isCancelled { return }
                // A service that ran for a while before failing starts its backoff afresh.
                if clock.now - started > .seconds(300) { failures = 0 }
                let delay = backoff.delay(afterFailures: failures, jitter: Double.random(in: 0...1))
                failures += 1
                status.down("\(error)")
                logger.error("\(name) failed; restarting", metadata: ["error": "\(error)", "restart_in_ms": "\(delay.milliseconds)",
                                                                       "failures": "\(failures)"])
                do { try await cancelWhenGracefulShutdown { try await clock.sleep(for: delay) } } catch { return }
            }
        }
    }
}

extension SupervisedService: CustomStringConvertible {
    /// Its name: what a service group logs for it (the default would print every property, the language data included).
    public var description: String { name }
}
