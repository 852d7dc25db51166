import Testing

/// The tests that start programs (`lapak run`, `lapak backup`, `systemd-analyze`) as processes of their own,
/// run one at a time.
///
/// A daemon sending a broadcast is a busy process beside the test process. Several at once, at the
/// start of a run when every suite begins together, starved the in-process emulators of the other
/// suites on a 2-core machine (their clients timed out after 5 s). One at a time, they still run
/// alongside everything else.
@Suite("Programs run as processes of their own, one at a time", .serialized)
enum SubprocessTests {}
