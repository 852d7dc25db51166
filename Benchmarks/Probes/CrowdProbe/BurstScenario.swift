import Foundation

/// Scenario "burst": 200 citizens ask "/cari katering" and share a location, all at once, against an
/// emulator without limits. Measures throughput, first-reply delay, the bot process's CPU per update
/// and its peak RSS, and whether every citizen got the katering results exactly once.
@MainActor
struct BurstScenario {
    let lab: Lab

    func run() async throws -> Report {
        let options = lab.options
        try await lab.prepareRegistry()
        try await lab.startEmulator()
        let bot = try lab.startBot()
        try await lab.waitForIdleBot()
        let client = try lab.client
        let crowd = Crowd(count: options.citizenCount)

        guard let before = bot.sample() else { throw ProbeError("cannot read /proc/\(bot.pid)") }
        try await crowd.ask(client)
        lab.note("\(crowd.citizens.count) citizens asked (\(crowd.updateCount) updates)")
        let end = try await crowd.waitForAnswers(client, idle: .seconds(options.idleLimit), timeout: .seconds(options.answerTimeout),
                                                 alive: lab.checkBotRunning)
        lab.note("answers: wait ended \(end.rawValue)")
        guard let after = bot.sample() else { throw ProbeError("the bot ended during the burst:\n\(bot.stderrTail())") }
        let summary = CrowdSummary(outcomes: try await crowd.outcomes(client))

        let updates = crowd.updateCount
        let cpuMicroseconds = (after.cpuSeconds - before.cpuSeconds) * 1e6 / Double(updates)
        let throughput = summary.spanSeconds.map { Double(updates) / $0 }
        let peakMB = Double(after.peakRSSKiB) / 1024
        var report = Report(scenario: "burst")
        report.lines = [
            "\(crowd.citizens.count) citizens × (\"\(Crowd.question)\" + location) = \(updates) updates at once; emulator without limits; wait ended: \(end.rawValue)",
            "throughput: \(throughput.map { Format.fixed($0, 1) } ?? "–") updates/s (first update → last reply \(summary.spanSeconds.map { Format.fixed($0, 2) } ?? "–") s)",
        ] + summary.latencyLines + [
            "bot CPU: \(Format.fixed(cpuMicroseconds, 0)) µs/update (\(Format.fixed(after.cpuSeconds - before.cpuSeconds, 2)) s utime+stime); peak RSS \(Format.fixed(peakMB, 1)) MB (VmHWM)",
            "answers: \(summary.line)",
        ]
        report.lines += summary.examples()
        report.metrics = [("updates", .number(updates)), ("wait_end", .string(end.rawValue)),
                          ("updates_per_second", .number(throughput, places: 1)), ("span_s", .number(summary.spanSeconds)),
                          ("cpu_us_per_update", .number(cpuMicroseconds, places: 0)), ("peak_rss_mb", .number(peakMB, places: 1))]
            + summary.json
        let allRight = summary.outcomes.allSatisfy(\.isCorrectOnce) && summary.updateReply.count == updates
        let p99 = summary.updateReply.value(99)
        report.targets = [
            .init(name: "all_answered_correctly", met: allRight,
                  detail: "\(summary.outcomes.count(where: \.isCorrectOnce)) of \(crowd.citizens.count) citizens got the katering results exactly once (\(updates) updates)"),
            .init(name: "reply_p99_under_100ms", met: (p99 ?? .infinity) < 100 && summary.updateReply.count == updates,
                  detail: "update → first reply p99 \(Format.ms(p99)) over \(summary.updateReply.count) of \(updates) updates, want < 100 ms"),
            .init(name: "cpu_at_most_300us_per_update", met: cpuMicroseconds <= 300, detail: "\(Format.fixed(cpuMicroseconds, 0)) µs, want ≤ 300 µs"),
            .init(name: "peak_rss_under_50mb", met: peakMB < 50, detail: "\(Format.fixed(peakMB, 1)) MB, want < 50 MB"),
        ]
        return report
    }
}
