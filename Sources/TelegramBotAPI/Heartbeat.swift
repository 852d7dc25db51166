import Synchronization

/// When a long-running loop last showed it was alive (the poller after a getUpdates, the broadcast sender
/// after a round), for readiness checks.
///
/// A loop that stops beating is stuck or gone even when its task still exists, which a "is the task
/// running" check cannot see.
public final class Heartbeat: Sendable {
    private let last = Mutex<ContinuousClock.Instant?>(nil)

    /// A heartbeat that has not beaten yet.
    public init() {}

    /// Records that the loop is alive now.
    public func beat(at instant: ContinuousClock.Instant = .now) {
        last.withLock { $0 = instant }
    }

    /// How long ago the loop last beat; nil when it never did.
    public func age(now: ContinuousClock.Instant = .now) -> Duration? {
        last.withLock { $0 }.map { now - $0 }
    }
}
