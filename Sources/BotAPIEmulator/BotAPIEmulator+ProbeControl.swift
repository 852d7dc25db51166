import HTTPTypes
import Hummingbird
import TelegramBotAPI

/// Control actions and read-outs for process-level probes (Benchmarks/Probes/CrowdProbe), which drive a
/// bot running as its own process and must not slow it down with a request per chat while it works.
///
/// - `GET /control/stats`: counters that are cheap to poll (bot messages, chats answered, requests per
///   method and status, flood violations, random faults, the emulator's clock in `now_ms`).
/// - `GET /control/deliveries?contains=TEXT[&from_chat_id=A&to_chat_id=B]`: how many chats (with ids in
///   A...B when given) got a bot message containing TEXT, how many got it more than once, and when the
///   first and the last arrived.
/// - `POST /control/batch` `{"actions": [{"action": "sendText", ...}, ...]}`: several control actions in
///   one request, in order (a crowd writing at once).
/// - `POST /control/registerUsers` `{"first_id": N, "count": M, "first_name": "Vendor"}` or
///   `{"users": [...]}`: chats that exist without queuing updates (vendors of a broadcast).
/// - `POST /control/randomFaults` `{"server_error_rate": 0.1, "drop_rate": 0.05, "drop_after_share": 0.5,
///   "seed": 1}`; rates of 0 switch them off.
extension BotAPIEmulator {
    func addProbeRoutes(to router: Router<BasicRequestContext>) {
        let state = self.state
        router.on("/control/stats", method: .get) { _, _ in
            Self.respond(.ok(await state.probeStats()))
        }
        router.on("/control/deliveries", method: .get) { request, _ in
            guard let text = request.uri.queryParameters["contains"].map({ String($0) }), !text.isEmpty else {
                return Self.respond(.error(400, "Bad Request: contains is required"))
            }
            let from = request.uri.queryParameters["from_chat_id"].flatMap { Int64(String($0)) } ?? .min
            let to = request.uri.queryParameters["to_chat_id"].flatMap { Int64(String($0)) } ?? .max
            guard from <= to else { return Self.respond(.error(400, "Bad Request: from_chat_id is above to_chat_id")) }
            return Self.respond(.ok(await state.deliverySummary(containing: text, chats: from...to)))
        }
    }

    /// The probe actions; called for actions the main control switch does not know.
    static func probeControl(_ action: String, _ json: JSONValue, state: EmulatorState) async throws -> JSONValue {
        switch action {
        case "batch":
            guard let actions = json["actions"]?.arrayValue else { throw JSONDecodingError(path: "actions", reason: "expected an array") }
            var results: [JSONValue] = []
            results.reserveCapacity(actions.count)
            for item in actions {
                guard let name = item["action"]?.stringValue, name != "batch" else {
                    throw JSONDecodingError(path: "actions", reason: "each action needs a name other than batch")
                }
                results.append(try await control(name, item, state: state))
            }
            return .array(results)
        case "registerUsers":
            var users = try json["users"]?.arrayValue?.map { try User(json: $0) } ?? []
            if let first = json["first_id"]?.int64Value, let count = json["count"]?.int64Value, count > 0 {
                let name = json["first_name"]?.stringValue ?? "User"
                users += (0..<count).map { User(id: first + $0, firstName: "\(name) \($0 + 1)", languageCode: "id") }
            }
            await state.registerUsers(users)
            return .int(Int64(users.count))
        case "randomFaults":
            let faults = RandomFaults(serverErrorRate: json["server_error_rate"]?.doubleValue ?? 0, dropRate: json["drop_rate"]?.doubleValue ?? 0,
                                      dropAfterProcessingShare: json["drop_after_share"]?.doubleValue ?? 0.5,
                                      seed: UInt64(clamping: json["seed"]?.int64Value ?? 1))
            await state.setRandomFaults(faults)
            return true
        default:
            throw JSONDecodingError(path: "action", reason: "unknown control action \(action)")
        }
    }
}

extension EmulatorState {
    /// Counters for `GET /control/stats`.
    func probeStats() -> JSONValue {
        var botMessages = 0, answeredChats = 0
        for record in chats.values {
            let count = record.transcript.count(where: \.fromBot)
            botMessages += count
            if count > 0 { answeredChats += 1 }
        }
        var methods: [String: JSONValue] = [:], statuses: [String: JSONValue] = [:]
        for request in requests {
            methods[request.method] = .int((methods[request.method]?.int64Value ?? 0) + 1)
            statuses[String(request.status)] = .int((statuses[String(request.status)]?.int64Value ?? 0) + 1)
        }
        let faults = randomFaultCounts
        let droppedByChat = Dictionary(uniqueKeysWithValues: faults.acceptedAnswersDroppedByChat.map { (String($0.key), JSONValue.int(Int64($0.value))) })
        return .object([
            "now_ms": .int(Int64(clock.now / .milliseconds(1))),
            "pending_updates": .int(Int64(pending.count)),
            "poll_waiting": .bool(poll != nil),
            "bot_messages": .int(Int64(botMessages)),
            "chats_with_bot_messages": .int(Int64(answeredChats)),
            "requests": .int(Int64(requests.count)),
            "methods": .object(methods),
            "statuses": .object(statuses),
            "flood_violations": .int(Int64(floodViolations)),
            "random_faults": .object([
                "server_errors": .int(Int64(faults.serverErrors)),
                "dropped_before_processing": .int(Int64(faults.droppedBeforeProcessing)),
                "dropped_after_processing": .int(Int64(faults.droppedAfterProcessing)),
                "accepted_answers_dropped": .int(Int64(faults.acceptedAnswersDropped)),
                "accepted_answers_dropped_by_chat": .object(droppedByChat),
            ]),
        ])
    }

    /// Bot messages containing `text` to chats with ids in `range`: chats reached, messages, chats reached
    /// twice or more, first and last arrival.
    func deliverySummary(containing text: String, chats range: ClosedRange<Int64>) -> JSONValue {
        var reached = 0, messages = 0, repeated = 0
        var first: Duration?, last: Duration?
        for (id, record) in chats where range.contains(id) {
            var count = 0
            for entry in record.transcript where entry.fromBot && (entry.message.text?.contains(text) ?? false) {
                count += 1
                first = min(first ?? entry.at, entry.at)
                last = max(last ?? entry.at, entry.at)
            }
            messages += count
            if count > 0 { reached += 1 }
            if count > 1 { repeated += 1 }
        }
        func milliseconds(_ value: Duration?) -> JSONValue { value.map { .int(Int64($0 / .milliseconds(1))) } ?? .null }
        return .object([
            "chats": .int(Int64(reached)), "messages": .int(Int64(messages)), "repeated_chats": .int(Int64(repeated)),
            "first_ms": milliseconds(first), "last_ms": milliseconds(last),
        ])
    }
}
