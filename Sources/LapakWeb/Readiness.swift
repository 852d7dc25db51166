import Foundation

/// Readiness: named checks, each saying what is wrong or nothing.
///
/// `/readyz` answers 503 and names every failing check, so an operator (or systemd, or a load balancer)
/// sees at once which part is down.
public struct Readiness: Sendable {
    /// One check: nil when fine, otherwise why not, in words an operator can act on.
    public struct Check: Sendable {
        public var name: String
        public var probe: @Sendable () async -> String?

        /// A named check.
        public init(_ name: String, probe: @escaping @Sendable () async -> String?) {
            self.name = name
            self.probe = probe
        }
    }

    /// The outcome of every check.
    public struct Report: Sendable {
        /// Each check with its failure, nil when it passed, in the order the checks were given.
        public var results: [(name: String, failure: String?)]

        /// Whether every check passed.
        public var isReady: Bool { results.allSatisfy { $0.failure == nil } }

        /// One line per check: `name: ok` or `name: FAILING: why`.
        public var text: String {
            (isReady ? "ready\n" : "not ready\n")
                + results.map { "\($0.name): \($0.failure.map { "FAILING: " + $0 } ?? "ok")" }.joined(separator: "\n") + "\n"
        }
    }

    private let checks: [Check]

    /// Readiness made of `checks`.
    public init(_ checks: [Check]) { self.checks = checks }

    /// Runs every check (concurrently: a slow database must not delay the others' answers).
    public func evaluate() async -> Report {
        await withTaskGroup(of: (Int, String?).self) { group in
            for (index, check) in checks.enumerated() { group.addTask { (index, await check.probe()) } }
            var failures = [String?](repeating: nil, count: checks.count)
            for await (index, failure) in group { failures[index] = failure }
            return Report(results: zip(checks, failures).map { ($0.name, $1) })
        }
    }
}
