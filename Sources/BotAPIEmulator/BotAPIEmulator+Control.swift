import HTTPTypes
import Hummingbird
import NIOCore
import TelegramBotAPI

/// The control API over HTTP: simulated users and faults for tools outside the process.
///
/// `POST /control/{action}` with a JSON body, `GET /control/transcript?chat_id=N` and
/// `GET /control/requests`; answers `{"ok": true, "result": ...}` like the Bot API. Each action is a
/// thin wrapper over the `EmulatorState` function of the same name.
extension BotAPIEmulator {
    func addControlRoutes(to router: Router<BasicRequestContext>) {
        let state = self.state
        router.on("/control/:action", method: .post) { request, context in
            let action = context.parameters.get("action") ?? ""
            let json: JSONValue
            do {
                let body = try await request.body.collect(upTo: 1 << 20)
                json = body.readableBytes == 0 ? .object([:]) : try JSONValue.parse(Array(buffer: body))
            } catch {
                return Self.respond(.error(400, "Bad Request: \(error)"))
            }
            do {
                return Self.respond(.ok(try await Self.control(action, json, state: state)))
            } catch {
                return Self.respond(.error(400, "Bad Request: \(error)"))
            }
        }
        router.on("/control/transcript", method: .get) { request, _ in
            guard let chat = request.uri.queryParameters["chat_id"].flatMap({ Int64(String($0)) }) else {
                return Self.respond(.error(400, "Bad Request: chat_id is required"))
            }
            let entries = await state.transcript(chatID: chat).map { entry -> JSONValue in
                ["from_bot": .bool(entry.fromBot), "message": entry.message.json, "at_ms": .int(Int64(entry.at / .milliseconds(1)))]
            }
            return Self.respond(.ok(.array(entries)))
        }
        router.on("/control/requests", method: .get) { _, _ in
            let records = await state.requests.map { record -> JSONValue in
                var object: [String: JSONValue] = [
                    "method": .string(record.method), "status": .int(Int64(record.status)),
                    "at_ms": .int(Int64(record.at / .milliseconds(1))), "violated_retry_after": .bool(record.violatedRetryAfter),
                    "bulk": .bool(record.bulk),
                ]
                if let chat = record.chatID { object["chat_id"] = .int(chat) }
                return .object(object)
            }
            return Self.respond(.ok(["requests": .array(records), "flood_violations": .int(Int64(await state.floodViolations))]))
        }
        addProbeRoutes(to: router)
    }

    static func control(_ action: String, _ json: JSONValue, state: EmulatorState) async throws -> JSONValue {
        func user() throws -> User {
            guard let value = json["user"] else { throw JSONDecodingError(path: "user", reason: "missing") }
            return try User(json: value)
        }
        func number(_ key: String) throws -> Double {
            guard let value = json[key]?.doubleValue else { throw JSONDecodingError(path: key, reason: "expected a number") }
            return value
        }
        func integer(_ key: String) throws -> Int {
            guard let value = json[key]?.int64Value else { throw JSONDecodingError(path: key, reason: "expected an integer") }
            return Int(value)
        }
        switch action {
        case "sendText":
            return await state.sendText(from: try user(), json["text"]?.stringValue ?? "").json
        case "sendLocation":
            return await state.sendLocation(from: try user(), latitude: try number("latitude"), longitude: try number("longitude"),
                                            horizontalAccuracy: json["horizontal_accuracy"]?.doubleValue,
                                            livePeriod: json["live_period"]?.int64Value.map { Int($0) }).json
        case "moveLiveLocation":
            return await state.moveLiveLocation(from: try user(), messageID: try integer("message_id"),
                                                latitude: try number("latitude"), longitude: try number("longitude")).json
        case "stopLiveLocation":
            return await state.stopLiveLocation(from: try user(), messageID: try integer("message_id")).json
        case "sendContact":
            let sender = try user()
            return await state.sendContact(from: sender, phoneNumber: json["phone_number"]?.stringValue ?? EmulatorState.phoneNumber(of: sender),
                                           firstName: json["first_name"]?.stringValue ?? sender.firstName,
                                           userID: json["user_id"]?.int64Value).json
        case "pressInlineButton":
            return try await state.pressInlineButton(from: try user(), messageID: try integer("message_id"),
                                                     callbackData: json["callback_data"]?.stringValue ?? "").json
        case "pressKeyboardButton":
            // The location may come flat or as {"location": {"latitude": ..., "longitude": ...}}.
            let place = json["location"] ?? json
            let location = place["latitude"]?.doubleValue.flatMap { latitude in
                place["longitude"]?.doubleValue.map { (latitude: latitude, longitude: $0) }
            }
            return try await state.pressKeyboardButton(from: try user(), label: json["label"]?.stringValue ?? "", location: location).json
        case "enqueueRawUpdate":
            await state.enqueueRawUpdate(json["update"] ?? json)
            return true
        case "injectFault":
            await state.injectFault(try fault(json), method: json["method"]?.stringValue, count: Int(json["count"]?.int64Value ?? 1))
            return true
        case "limits":
            await state.setLimits(limits(json))
            return true
        case "block":
            guard let id = json["user_id"]?.int64Value ?? json["chat_id"]?.int64Value else {
                throw JSONDecodingError(path: "user_id", reason: "missing")
            }
            await state.block(userID: id)
            return true
        case "webhook", "setWebhook":
            await state.setWebhook(json["url"]?.stringValue, secretToken: json["secret_token"]?.stringValue,
                                   maxConnections: Int(json["max_connections"]?.int64Value ?? 40))
            return true
        case "webhookBackends":
            await state.setWebhookBackends(json["urls"]?.arrayValue?.compactMap(\.stringValue) ?? [])
            return true
        default:
            return try await probeControl(action, json, state: state)
        }
    }

    /// `{"fault": "serverError", "status": 502}` and the other faults by name.
    private static func fault(_ json: JSONValue) throws -> EmulatorFault {
        switch json["fault"]?.stringValue {
        case "serverError": return .serverError(status: Int(json["status"]?.int64Value ?? 502))
        case "dropConnection": return .dropConnection
        case "malformedJSON": return .malformedJSON
        case "latency":
            if let seconds = json["seconds"]?.doubleValue { return .latency(.milliseconds(Int64(seconds * 1000))) }
            return .latency(.milliseconds(json["milliseconds"]?.int64Value ?? 1000))
        case "conflict", "conflictOtherInstance": return .conflictOtherInstance
        case "tooManyRequests": return .tooManyRequests(retryAfter: Int(json["retry_after"]?.int64Value ?? 1))
        default:
            throw JSONDecodingError(path: "fault", reason: "one of serverError, dropConnection, malformedJSON, latency, conflictOtherInstance, tooManyRequests")
        }
    }

    /// `{"preset": "telegram"}`, `{"on": false}`, or explicit `global_per_second`, `per_chat_per_second`,
    /// `per_chat_burst`, `per_group_per_minute`, `reply_window`, `retry_after` (missing fields switch that
    /// limit off or take the default).
    private static func limits(_ json: JSONValue) -> EmulatorLimits {
        if json["on"]?.boolValue == false || json["preset"]?.stringValue == "off" { return .off }
        let fields = ["global_per_second", "per_chat_per_second", "per_chat_burst", "per_group_per_minute", "reply_window", "retry_after"]
        guard fields.contains(where: { json[$0] != nil }) else { return .telegram }
        return EmulatorLimits(globalPerSecond: json["global_per_second"]?.doubleValue,
                              perChatPerSecond: json["per_chat_per_second"]?.doubleValue,
                              perChatBurst: Int(json["per_chat_burst"]?.int64Value ?? 3),
                              retryAfterSeconds: Int(json["retry_after"]?.int64Value ?? 1),
                              perGroupPerMinute: json["per_group_per_minute"]?.int64Value.map { Int($0) },
                              replyWindowSeconds: json["reply_window"]?.doubleValue ?? 60)
    }
}
