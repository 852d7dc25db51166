import Foundation

/// Lets at most `limit` pieces of the site's work run at once; the rest wait suspended, holding no thread.
///
/// The site's database reads and page rendering run on Swift's cooperative pool, which has one thread per
/// core (two here) and is the bot's too. Measured with CrowdProbe's 200-citizen burst while wrk loaded the
/// site with 64 connections, an ungated site took both threads and the citizens' replies went from p99
/// 0.4 s to 18 s. With one at a time, the other thread always stays free for the bot.
actor WorkGate {
    private let limit: Int
    private var running = 0
    private var waiting: [CheckedContinuation<Void, Never>] = []

    /// A gate for `limit` concurrent runs.
    init(limit: Int) { self.limit = max(1, limit) }

    /// Runs `work` when a place is free (first come, first served).
    nonisolated func run<Result: Sendable>(_ work: @Sendable () -> Result) async -> Result {
        await enter()
        defer { Task { await self.leave() } }
        return work()
    }

    private func enter() async {
        if running < limit {
            running += 1
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    private func leave() {
        if waiting.isEmpty {
            running -= 1
        } else {
            // The place passes straight to the next in line: `running` stays the same.
            waiting.removeFirst().resume()
        }
    }
}
