import Foundation
import NIOPosix

/// Runs the site's pages and API answers on threads of their own, at a lower CPU priority than the bot.
///
/// The site's database reads and rendering used to run on Swift's cooperative pool, which has one thread
/// per core (two here) and is the bot's too: an unbounded site took both and the citizens' replies went
/// from p99 0.4 s to 18 s under a 64-connection wrk (CrowdProbe burst). Admitting one answer at a time
/// (the former `WorkGate`) kept the bot at 0.8 s but capped the site at one core and still held one of the
/// bot's two threads. Here the work leaves the cooperative pool entirely, and its threads run at nice 10,
/// so the kernel gives the bot's threads the CPU first whenever both want it, while an idle bot leaves
/// the site every core.
final class SiteWorkers: Sendable {
    /// One pool for the process: every `PublicSite` shares it (tests make many sites).
    static let shared = SiteWorkers(threads: max(1, ProcessInfo.processInfo.activeProcessorCount))

    /// The nice value of the site's threads: CFS weight 110 against the bot's 1024.
    static let niceness: Int32 = 10

    private let pool: NIOThreadPool

    private init(threads: Int) {
        pool = NIOThreadPool(numberOfThreads: threads)
        pool.start()
    }

    /// Runs `work` on one of the site's threads and returns its result.
    func run<Result: Sendable>(_ work: @escaping @Sendable () -> Result) async -> Result {
        do {
            return try await pool.runIfActive {
                Self.lowerPriority()
                return work()
            }
        } catch {
            // The pool is never shut down, so this is not reached; answering on the caller's thread beats failing.
            return work()
        }
    }

    /// Runs `work` on one of the site's threads without waiting for it.
    func submit(_ work: @escaping @Sendable () -> Void) {
        pool.submit { state in
            guard case .active = state else { return }
            Self.lowerPriority()
            work()
        }
    }

    /// Lowers the calling thread's priority. On Linux nice is per thread, and `who` 0 names the calling
    /// thread (the kernel's `current`), not the whole process. Asked on every run rather than tracked per
    /// thread: an idempotent system call of about a microsecond.
    private static func lowerPriority() {
        #if os(Linux)
        _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, niceness)
        #endif
    }
}
