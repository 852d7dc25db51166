import Foundation

/// Scenario "crash": the 200-citizen burst, with the bot killed by SIGKILL when 10 %, 50 % and 90 % of
/// the citizens have had a first reply, and restarted each time on the same database. Then every
/// citizen must have the katering results, and nobody a message twice, except a message the emulator
/// accepted just before a kill (in flight: the bot could not know it had gone out).
@MainActor
struct CrashScenario {
    let lab: Lab

    func run() async throws -> Report {
        let options = lab.options
        try await lab.prepareRegistry()
        try await lab.startEmulator()
        try lab.startBot()
        try await lab.waitForIdleBot()
        let client = try lab.client
        let crowd = Crowd(count: options.citizenCount)
        try await crowd.ask(client)
        lab.note("\(crowd.citizens.count) citizens asked (\(crowd.updateCount) updates)")

        var kills: [(share: Double, answered: Int, atMs: Int64)] = []
        for share in options.killPoints {
            let wanted = Int((share * Double(crowd.citizens.count)).rounded(.up))
            let deadline = ContinuousClock.now + .seconds(options.answerTimeout)
            var answered = 0
            while ContinuousClock.now < deadline {
                try lab.checkBotRunning()
                answered = try await client.stats().chatsWithBotMessages
                if answered >= wanted { break }
                try await Task.sleep(for: .milliseconds(5))
            }
            guard answered >= wanted else { throw ProbeError("only \(answered) of \(wanted) citizens had a reply before the kill at \(share)") }
            lab.bot?.killHard()
            // The emulator's clock right after the bot died: duplicates accepted shortly before were in flight.
            kills.append((share, answered, try await client.stats().nowMs))
            lab.note("kill -9 with \(answered) citizens answered; restarting the bot")
            try lab.startBot()
        }
        let end = try await crowd.waitForAnswers(client, idle: .seconds(options.idleLimit), timeout: .seconds(options.answerTimeout),
                                                 alive: lab.checkBotRunning)
        lab.note("answers: wait ended \(end.rawValue)")
        let summary = CrowdSummary(outcomes: try await crowd.outcomes(client))

        // A repeated text counts as in flight when its first copy arrived within the window before a kill.
        let window = Int64(options.inFlightMilliseconds)
        var inFlight = 0, unexplained = 0
        for outcome in summary.outcomes where outcome.repeatedMessages > 0 {
            var firstSeen: [String: Int64] = [:]
            for message in outcome.botMessages {
                guard let first = firstSeen[message.text] else {
                    firstSeen[message.text] = message.atMs
                    continue
                }
                if kills.contains(where: { first <= $0.atMs && $0.atMs - first <= window }) { inFlight += 1 } else { unexplained += 1 }
            }
        }
        let answeredAll = summary.correct == crowd.citizens.count
        var report = Report(scenario: "crash")
        report.lines = [
            "\(crowd.citizens.count) citizens at once; kill -9 at " + kills.map { "\(Format.fixed($0.share * 100, 0)) % (\($0.answered) answered)" }.joined(separator: ", ")
                + "; \(lab.botStarts) bot starts; wait ended: \(end.rawValue)",
            "answers: \(summary.line)",
            "repeated messages first sent within \(Format.fixed(options.inFlightMilliseconds, 0)) ms before a kill (in flight): \(inFlight); others: \(unexplained)",
        ] + summary.latencyLines
        report.lines += summary.examples()
        report.metrics = [("wait_end", .string(end.rawValue)), ("kills", .number(kills.count)), ("bot_starts", .number(lab.botStarts)),
                          ("kill_points", .array(kills.map { .number($0.share) })),
                          ("in_flight_window_ms", .number(options.inFlightMilliseconds, places: 0)),
                          ("repeats_in_flight", .number(inFlight)), ("repeats_unexplained", .number(unexplained))]
            + summary.json
        report.targets = [
            .init(name: "every_citizen_answered", met: answeredAll,
                  detail: "\(summary.correct) of \(crowd.citizens.count) got the katering results (wrong \(summary.wrong), missing \(summary.missing))"),
            .init(name: "none_twice_except_in_flight", met: unexplained == 0,
                  detail: "\(unexplained) repeated messages not in flight at a kill, want 0"),
        ]
        return report
    }
}
