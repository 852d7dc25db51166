import Foundation

/// Citizens who ask "/cari katering" and then share a location, all at once, and what they got back.
///
/// Answers are judged by their text. With the current bot the results reply is headed with the kind
/// searched for ("🔎 Katering terdekat dari lokasi Anda:"), a search for any kind with "Usaha
/// terdekat", and an empty one with "Tidak ada …"; the markers live here, in one place.
struct Crowd: Sendable {
    /// The question every citizen types first.
    static let question = "/cari katering"
    /// In the right answer to the location: the katering results header.
    static let rightAnswerMarker = "Katering terdekat"
    /// In a results answer of any kind ("… terdekat dari lokasi Anda") or an empty one.
    static let resultsMarkers = ["terdekat dari lokasi Anda", "Tidak ada "]

    /// One simulated citizen and the point they share (inside Bontang, around 0.13, 117.49).
    struct Citizen: Sendable {
        let user: SimulatedUser
        let latitude: Double
        let longitude: Double
    }

    let citizens: [Citizen]

    /// `count` citizens with ids from `firstID`, spread over about 2 km around 0.13, 117.49.
    init(count: Int, firstID: Int64 = 500_001) {
        citizens = (0..<count).map { index in
            let north = Double((index * 37) % 21 - 10) * 0.001, east = Double((index * 53) % 21 - 10) * 0.001
            return Citizen(user: SimulatedUser(id: firstID + Int64(index), firstName: "Warga \(index + 1)"),
                           latitude: 0.13 + north, longitude: 117.49 + east)
        }
    }

    /// The citizens' chat ids.
    var chatIDs: ClosedRange<Int64> {
        let ids = citizens.map(\.user.id)
        return (ids.min() ?? 0)...(ids.max() ?? 0)
    }

    /// Updates pushed: a question and a location per citizen.
    var updateCount: Int { citizens.count * 2 }

    /// Every citizen's question and location in one control request, so they arrive at once.
    func ask(_ client: EmulatorClient) async throws {
        let actions: [JSON] = citizens.flatMap { citizen -> [JSON] in
            [["action": "sendText", "user": citizen.user.json, "text": .string(Self.question)],
             ["action": "sendLocation", "user": citizen.user.json, "latitude": .double(citizen.latitude),
              "longitude": .double(citizen.longitude), "horizontal_accuracy": 12]]
        }
        let results: [Discard] = try await client.action("batch", ["actions": .array(actions)])
        guard results.count == actions.count else { throw ProbeError("the emulator took \(results.count) of \(actions.count) updates") }
    }

    /// Waits until every citizen has the right answer and no further answer came for `settle`, or no new
    /// answer came for `idle`, or `timeout` passed; polls every `interval` (the figures come from the
    /// emulator's clock, so the interval only decides when the wait ends). `alive` is checked on each
    /// round: a dead bot ends the wait.
    @MainActor
    func waitForAnswers(_ client: EmulatorClient, settle: Duration = .seconds(2), idle: Duration, timeout: Duration,
                        interval: Duration = .milliseconds(50), alive: @MainActor () throws -> Void) async throws -> WaitEnd {
        let start = ContinuousClock.now
        var lastCount = -1, lastChange = start
        while true {
            try alive()
            let now = ContinuousClock.now
            let delivered = try await client.deliveries(containing: Self.rightAnswerMarker, chats: chatIDs)
            if delivered.messages != lastCount {
                lastCount = delivered.messages
                lastChange = now
            }
            if delivered.chats >= citizens.count && now - lastChange >= settle { return .complete }
            if now - lastChange >= idle { return .stalled }
            if now - start >= timeout { return .timedOut }
            try await Task.sleep(for: interval)
        }
    }

    /// How a wait for answers ended.
    enum WaitEnd: String, Sendable {
        case complete, stalled, timedOut = "timed_out"
    }

    /// Every citizen's transcript, judged.
    func outcomes(_ client: EmulatorClient) async throws -> [Outcome] {
        var outcomes: [Outcome] = []
        for citizen in citizens {
            outcomes.append(Outcome(citizen: citizen.user.id, transcript: try await client.transcript(chatID: citizen.user.id)))
        }
        return outcomes
    }

    /// What one citizen got.
    struct Outcome: Sendable {
        /// The right answer, a wrong one (results of another kind, an empty result, answered out of order),
        /// or none.
        enum Verdict: String, Sendable { case correct, wrong, missing }

        let citizen: Int64
        let verdict: Verdict
        /// Katering results messages received (1 is right; more are duplicates).
        let rightAnswers: Int
        /// Bot messages whose exact text the chat had already received.
        let repeatedMessages: Int
        /// The bot's messages, with when the emulator accepted them.
        let botMessages: [(text: String, atMs: Int64)]
        /// First question → first bot message, and location → the katering results (ms, emulator clock).
        let firstReplyMs: Double?
        let answerMs: Double?
        /// Each update → the first bot message answering it: the question's is the chat's first bot
        /// message, the location's the next one (the bot answers one chat's updates in order).
        let updateReplyMs: [Double]
        /// When the first update was created and when the last bot message arrived.
        let askedAtMs: Int64?
        let lastReplyAtMs: Int64?

        /// Judges a transcript: the citizen's question and location, then the bot's messages.
        init(citizen: Int64, transcript: [TranscriptEntry]) {
            self.citizen = citizen
            let mine = transcript.filter { !$0.fromBot }
            let bots = transcript.filter(\.fromBot)
            botMessages = bots.map { ($0.message.text ?? "", $0.atMs) }
            let right = bots.filter { ($0.message.text ?? "").contains(Crowd.rightAnswerMarker) }
            let otherResults = bots.filter { entry in
                let text = entry.message.text ?? ""
                return !text.contains(Crowd.rightAnswerMarker) && Crowd.resultsMarkers.contains { text.contains($0) }
            }
            rightAnswers = right.count
            verdict = !right.isEmpty && otherResults.isEmpty ? .correct : (right.isEmpty && otherResults.isEmpty ? .missing : .wrong)
            var seen: [String: Int] = [:]
            for entry in bots { seen[entry.message.text ?? "#\(entry.message.messageId)", default: 0] += 1 }
            repeatedMessages = seen.values.reduce(0) { $0 + max($1 - 1, 0) }
            askedAtMs = mine.first?.atMs
            lastReplyAtMs = bots.last?.atMs
            firstReplyMs = zip(mine.first?.atMs, bots.first?.atMs).map { Double($1 - $0) }
            answerMs = zip(mine.dropFirst().first?.atMs, right.first?.atMs).map { Double($1 - $0) }
            updateReplyMs = zip(mine.prefix(2), bots.prefix(2)).map { Double($1.atMs - $0.atMs) }
        }

        /// Right answer, exactly once, and nothing else repeated.
        var isCorrectOnce: Bool { verdict == .correct && rightAnswers == 1 && repeatedMessages == 0 }
    }
}

/// Both values, or nil.
func zip<A, B>(_ a: A?, _ b: B?) -> (A, B)? {
    guard let a, let b else { return nil }
    return (a, b)
}

/// Any JSON value, ignored (the result of a control action the probe does not read).
struct Discard: Decodable, Sendable {
    init(from decoder: any Decoder) throws {}
}

/// What all citizens got, counted.
struct CrowdSummary: Sendable {
    let outcomes: [Crowd.Outcome]

    var correct: Int { outcomes.count(where: { $0.verdict == .correct }) }
    var wrong: Int { outcomes.count(where: { $0.verdict == .wrong }) }
    var missing: Int { outcomes.count(where: { $0.verdict == .missing }) }
    /// Citizens with the katering results more than once, and with any message repeated.
    var duplicatedAnswers: Int { outcomes.count(where: { $0.rightAnswers > 1 }) }
    var chatsWithRepeats: Int { outcomes.count(where: { $0.repeatedMessages > 0 }) }
    var repeatedMessages: Int { outcomes.reduce(0) { $0 + $1.repeatedMessages } }
    var firstReply: Percentiles { Percentiles(outcomes.compactMap(\.firstReplyMs)) }
    var answer: Percentiles { Percentiles(outcomes.compactMap(\.answerMs)) }
    /// Every update → its first reply (two per citizen when both were answered).
    var updateReply: Percentiles { Percentiles(outcomes.flatMap(\.updateReplyMs)) }

    /// Seconds from the first update to the last bot message to a citizen (emulator clock).
    var spanSeconds: Double? {
        guard let first = outcomes.compactMap(\.askedAtMs).min(), let last = outcomes.compactMap(\.lastReplyAtMs).max(), last > first else { return nil }
        return Double(last - first) / 1000
    }

    /// The three delays, one line each (emulator clock: update created → bot message accepted).
    var latencyLines: [String] {
        ["update → its first reply:           \(updateReply.summary)",
         "citizen's question → first reply:   \(firstReply.summary)",
         "location → katering results:        \(answer.summary)"]
    }

    /// What a few citizens without the right answer, or with repeats, got: the start of each bot message.
    func examples(limit: Int = 3) -> [String] {
        let odd = outcomes.filter { !$0.isCorrectOnce }.prefix(limit)
        return odd.map { outcome in
            let messages = outcome.botMessages.map { message in
                let line = message.text.split(separator: "\n").first.map(String.init) ?? ""
                return "“" + String(line.prefix(40)) + (line.count > 40 ? "…" : "") + "”"
            }
            return "citizen \(outcome.citizen) (\(outcome.verdict.rawValue)): " + (messages.isEmpty ? "nothing" : messages.joined(separator: " · "))
        }
    }

    /// "correct 198, wrong 1, missing 1; katering results twice 0; repeated messages 0 in 0 chats".
    var line: String {
        "correct \(correct), wrong \(wrong), missing \(missing) of \(outcomes.count); results sent twice or more to \(duplicatedAnswers); "
            + "repeated messages \(repeatedMessages) in \(chatsWithRepeats) chats"
    }

    /// The counts for the JSON line.
    var json: [(String, JSON)] {
        [("citizens", .number(outcomes.count)), ("correct", .number(correct)), ("wrong", .number(wrong)), ("missing", .number(missing)),
         ("results_duplicated_chats", .number(duplicatedAnswers)), ("repeated_messages", .number(repeatedMessages)),
         ("chats_with_repeats", .number(chatsWithRepeats)),
         ("update_reply_p50_ms", .number(updateReply.value(50))), ("update_reply_p99_ms", .number(updateReply.value(99))),
         ("update_replies", .number(updateReply.count)),
         ("first_reply_p50_ms", .number(firstReply.value(50))), ("first_reply_p99_ms", .number(firstReply.value(99))),
         ("answer_p50_ms", .number(answer.value(50))), ("answer_p99_ms", .number(answer.value(99)))]
    }
}
