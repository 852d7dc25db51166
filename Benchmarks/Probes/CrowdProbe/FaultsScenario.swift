import Foundation

/// Scenario "faults": 30 citizens ask at once while every Bot API call (getUpdates included) answers
/// 502 with probability `--fault-502` and loses its connection with probability `--fault-drop`, half
/// of the drops after the emulator processed the request. Counts right, wrong and missing answers and
/// duplicates, and how many duplicates a message accepted-but-answer-dropped explains.
@MainActor
struct FaultsScenario {
    let lab: Lab

    func run() async throws -> Report {
        let options = lab.options
        try await lab.prepareRegistry()
        try await lab.startEmulator()
        try lab.startBot()
        // The faults start once the bot polls: this scenario is about answering, not about starting up.
        try await lab.waitForIdleBot()
        let client = try lab.client
        let _: Discard = try await client.action("randomFaults", [
            "server_error_rate": .double(options.serverErrorRate), "drop_rate": .double(options.dropRate),
            "drop_after_share": 0.5, "seed": .int(Int64(clamping: options.faultSeed)),
        ])
        let crowd = Crowd(count: options.citizenCount)
        try await crowd.ask(client)
        lab.note("\(crowd.citizens.count) citizens asked (\(crowd.updateCount) updates)")
        let end = try await crowd.waitForAnswers(client, settle: .seconds(5), idle: .seconds(options.idleLimit),
                                                 timeout: .seconds(options.answerTimeout), alive: lab.checkBotRunning)
        lab.note("answers: wait ended \(end.rawValue)")
        let stats = try await client.stats()
        let _: Discard = try await client.action("randomFaults", ["server_error_rate": 0, "drop_rate": 0])
        let summary = CrowdSummary(outcomes: try await crowd.outcomes(client))

        let dropped = stats.randomFaults.acceptedAnswersDroppedByChat
        var explained = 0, unexplainedChats = 0
        for outcome in summary.outcomes {
            let accepted = dropped[String(outcome.citizen)] ?? 0
            explained += min(outcome.repeatedMessages, accepted)
            if outcome.repeatedMessages > accepted { unexplainedChats += 1 }
        }
        let unexplained = summary.repeatedMessages - explained
        let faults = stats.randomFaults
        var report = Report(scenario: "faults")
        report.lines = [
            "\(crowd.citizens.count) citizens at once; every call: \(Format.fixed(options.serverErrorRate * 100, 0)) % HTTP 502, \(Format.fixed(options.dropRate * 100, 0)) % dropped connections (half after processing), seed \(options.faultSeed); wait ended: \(end.rawValue)",
            "faults injected: \(faults.serverErrors) × 502, \(faults.droppedBeforeProcessing) dropped before and \(faults.droppedAfterProcessing) after processing, of \(stats.requests) requests; \(faults.acceptedAnswersDropped) messages accepted with their answer dropped",
            "answers: \(summary.line)",
            "repeated messages explained by an accepted-but-dropped answer: \(explained); unexplained: \(unexplained) (in \(unexplainedChats) chats)",
        ] + summary.latencyLines
        report.lines += summary.examples()
        report.metrics = [("wait_end", .string(end.rawValue)), ("server_error_rate", .double(options.serverErrorRate)),
                          ("drop_rate", .double(options.dropRate)), ("fault_seed", .int(Int64(clamping: options.faultSeed))),
                          ("requests", .number(stats.requests)), ("injected_502", .number(faults.serverErrors)),
                          ("dropped_before_processing", .number(faults.droppedBeforeProcessing)),
                          ("dropped_after_processing", .number(faults.droppedAfterProcessing)),
                          ("accepted_answers_dropped", .number(faults.acceptedAnswersDropped)),
                          ("repeats_explained_by_dropped_answers", .number(explained)), ("repeats_unexplained", .number(unexplained))]
            + summary.json
        report.targets = [
            .init(name: "all_correct", met: summary.correct == crowd.citizens.count,
                  detail: "\(summary.correct) of \(crowd.citizens.count) correct (wrong \(summary.wrong), missing \(summary.missing))"),
            .init(name: "each_once_except_dropped_answers", met: unexplained == 0,
                  detail: "\(unexplained) repeated messages not explained by an accepted-but-dropped answer, want 0"),
        ]
        return report
    }
}
