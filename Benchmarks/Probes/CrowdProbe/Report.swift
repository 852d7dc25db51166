/// A scenario's result: lines for people, one JSON line for tools, and the targets met or missed.
struct Report: Sendable {
    /// A target of issue 10 and whether this run met it.
    struct Target: Sendable {
        let name: String
        let met: Bool
        /// What was measured against what was wanted, e.g. "p99 6.4 s, want < 100 ms".
        let detail: String
    }

    let scenario: String
    var lines: [String] = []
    var metrics: [(String, JSON)] = []
    var targets: [Target] = []

    /// Whether every target was met.
    var allTargetsMet: Bool { targets.allSatisfy(\.met) }

    /// The report for people.
    var text: String {
        var out = ["== CrowdProbe: \(scenario) =="] + lines.map { "  " + $0 }
        out.append("  targets:")
        out += targets.map { "    [\($0.met ? "met" : "MISSED")] \($0.name): \($0.detail)" }
        return out.joined(separator: "\n")
    }

    /// One JSON object on one line: the scenario, every metric, the targets.
    var jsonLine: String {
        let targetsJSON: [(String, JSON)] = targets.map { ($0.name, .bool($0.met)) }
        let object: [(String, JSON)] = [("probe", "CrowdProbe"), ("scenario", .string(scenario))] + metrics
            + [("targets", .object(targetsJSON)), ("all_targets_met", .bool(allTargetsMet))]
        return JSON.object(object).text
    }
}
