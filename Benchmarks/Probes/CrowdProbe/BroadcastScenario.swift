import Foundation

/// Scenario "broadcast": staff announce to `--recipients` vendors through the bot's own /umumkan flow,
/// with the emulator enforcing Telegram's limits (30 messages/s, 1/s per chat); when half the vendors
/// have it, 200 citizens ask at once. Measures the citizens' reply delay, the broadcast's duration
/// against 1.05 × (recipients + replies) / 30 s, and requests inside a retry_after window.
@MainActor
struct BroadcastScenario {
    let lab: Lab
    /// Telegram's broadcasting budget and the emulator's `--limits`.
    static let messagesPerSecond = 30.0
    static let staff = SimulatedUser(id: 42, firstName: "Staf Dinas")
    static let firstVendorID: Int64 = 2_000_001
    /// In the announcement's text, to find its deliveries.
    static let marker = "Pelatihan CrowdProbe"

    func run() async throws -> Report {
        let options = lab.options
        let vendors = try writeVendors(count: options.recipients)
        try await lab.prepareRegistry(extraCSV: [vendors])
        try await lab.startEmulator(["--limits"])
        let client = try lab.client
        let registered: Int = try await client.action("registerUsers", ["first_id": .int(Self.firstVendorID), "count": .number(options.recipients),
                                                                        "first_name": "Vendor"])
        guard registered == options.recipients else { throw ProbeError("the emulator registered \(registered) vendors") }
        lab.botEnvironment["LAPAK_STAFF_IDS"] = String(Self.staff.id)
        try lab.startBot()
        try await lab.waitForIdleBot()

        // Staff: /umumkan with the text, Pratinjau, Kirim — as a person would, through the emulator.
        let _: Discard = try await client.action("sendText", ["user": Self.staff.json, "text": .string("/umumkan 📣 \(Self.marker): sertifikasi halal gratis")])
        try await press(client, button: { $0.callbackData?.hasSuffix(":preview") == true || $0.text.contains("Pratinjau") }, named: "Pratinjau")
        try await press(client, button: { $0.callbackData?.hasSuffix(":send") == true || $0.text.contains("Kirim") }, named: "Kirim")

        let expected = Double(options.recipients + 3 * options.citizenCount) / Self.messagesPerSecond
        let timeout = Duration.seconds(expected * 2 + 120)
        lab.note("announcement sent off; waiting until half the vendors have it")
        let half = try await waitForDeliveries(client, atLeast: (options.recipients + 1) / 2, timeout: timeout)
        let crowd = Crowd(count: options.citizenCount)
        try await crowd.ask(client)
        lab.note("\(crowd.citizens.count) citizens asked (\(crowd.updateCount) updates)")
        let end = try await crowd.waitForAnswers(client, idle: .seconds(options.idleLimit), timeout: .seconds(options.answerTimeout),
                                                 interval: .milliseconds(200), alive: lab.checkBotRunning)
        lab.note("answers: wait ended \(end.rawValue)")
        let delivered = try await waitForDeliveries(client, atLeast: options.recipients, timeout: timeout)
        lab.note("broadcast delivered to \(delivered.chats) vendors")
        let summary = CrowdSummary(outcomes: try await crowd.outcomes(client))
        let log = try await client.requests()

        let first = delivered.firstMs ?? 0, last = delivered.lastMs ?? 0
        let seconds = Double(last - first) / 1000
        let sends: Set<String> = ["sendMessage", "editMessageText", "editMessageReplyMarkup", "sendLocation", "sendVenue"]
        let replies = log.requests.count(where: { record in
            record.status == 200 && sends.contains(record.method) && (record.chatId ?? 0) < Self.firstVendorID
                && record.atMs >= first && record.atMs <= last
        })
        let budget = Double(options.recipients + replies) / Self.messagesPerSecond
        let ratio = budget > 0 ? seconds / budget : .infinity
        let tooMany = log.requests.count(where: { $0.status == 429 })
        var report = Report(scenario: "broadcast")
        report.lines = [
            "announcement to \(options.recipients) vendors, emulator at Telegram's limits; \(crowd.citizens.count) citizens asked when \(half.chats) had it; wait ended: \(end.rawValue)",
            "delivered to \(delivered.chats) vendors (\(delivered.repeatedChats) got it twice) in \(Format.fixed(seconds, 1)) s from first to last; "
                + "budget (\(options.recipients) + \(replies) replies) / 30 = \(Format.fixed(budget, 1)) s; ratio \(Format.fixed(ratio, 3))",
            "429 answers: \(tooMany); requests inside a retry_after window (flood_violations): \(log.floodViolations)",
            "answers: \(summary.line)",
        ] + summary.latencyLines
        report.lines += summary.examples()
        report.metrics = [("recipients", .number(options.recipients)), ("delivered", .number(delivered.chats)),
                          ("vendors_twice", .number(delivered.repeatedChats)), ("duration_s", .number(seconds, places: 1)),
                          ("replies_in_window", .number(replies)), ("budget_s", .number(budget, places: 1)), ("duration_ratio", .number(ratio)),
                          ("answers_429", .number(tooMany)), ("flood_violations", .number(log.floodViolations)), ("wait_end", .string(end.rawValue))]
            + summary.json
        let p99 = summary.updateReply.value(99)
        report.targets = [
            .init(name: "reply_p99_under_100ms", met: (p99 ?? .infinity) < 100 && summary.updateReply.count == crowd.updateCount,
                  detail: "update → first reply p99 \(Format.ms(p99)) over \(summary.updateReply.count) of \(crowd.updateCount) updates, want < 100 ms"),
            .init(name: "duration_ratio_at_most_1.05", met: delivered.chats == options.recipients && ratio <= 1.05,
                  detail: "\(Format.fixed(ratio, 3)) of (recipients + replies) / 30 s, \(delivered.chats) of \(options.recipients) delivered"),
            .init(name: "no_flood_violations", met: log.floodViolations == 0, detail: "\(log.floodViolations), want 0"),
            .init(name: "citizens_answered_correctly", met: summary.outcomes.allSatisfy(\.isCorrectOnce),
                  detail: "\(summary.outcomes.count(where: \.isCorrectOnce)) of \(crowd.citizens.count) got the katering results exactly once"),
        ]
        return report
    }

    /// Vendors as import CSV: mobile, no home base (so they never show in a search), owners on Telegram.
    private func writeVendors(count: Int) throws -> String {
        var text = "id,name,category,mode,latitude,longitude,kelurahan,address,phone,telegram_id,halal\n"
        for index in 0..<count {
            text += "VND-\(index + 1),Usaha Vendor \(index + 1),jasa,berkeliling,,,Bontang Baru,Jl. Probe \(index + 1),"
                + "+62813\(String(format: "%08d", index + 1)),\(Self.firstVendorID + Int64(index)),tidak\n"
        }
        let path = lab.folder.appendingPathComponent("vendors.csv").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Presses the newest inline button in the staff's chat that matches, once the bot has shown it.
    private func press(_ client: EmulatorClient, button matches: (TranscriptEntry.Button) -> Bool, named name: String) async throws {
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            try lab.checkBotRunning()
            let transcript = try await client.transcript(chatID: Self.staff.id)
            for entry in transcript.reversed() where entry.fromBot {
                guard let button = entry.message.replyMarkup?.inlineKeyboard?.joined().first(where: matches), let data = button.callbackData else { continue }
                let _: Discard = try await client.action("pressInlineButton", ["user": Self.staff.json, "message_id": .number(entry.message.messageId),
                                                                              "callback_data": .string(data)])
                return
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw ProbeError("the bot showed staff no \(name) button within 30 s")
    }

    /// The vendors' chat ids (the staff's preview carries the announcement's text too).
    private var vendorIDs: ClosedRange<Int64> { Self.firstVendorID...(Self.firstVendorID + Int64(lab.options.recipients) - 1) }

    /// Polls the announcement's deliveries until `count` vendors have it (and it stays so), or no progress for a minute.
    private func waitForDeliveries(_ client: EmulatorClient, atLeast count: Int, timeout: Duration) async throws -> Deliveries {
        let start = ContinuousClock.now
        var last = try await client.deliveries(containing: Self.marker, chats: vendorIDs), lastChange = start
        while last.chats < count, ContinuousClock.now - start < timeout, ContinuousClock.now - lastChange < .seconds(60) {
            try lab.checkBotRunning()
            try await Task.sleep(for: .milliseconds(250))
            let now = try await client.deliveries(containing: Self.marker, chats: vendorIDs)
            if now.messages != last.messages { lastChange = ContinuousClock.now }
            last = now
        }
        return last
    }
}
