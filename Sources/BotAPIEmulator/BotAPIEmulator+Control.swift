import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import TelegramBotAPI

/// The control API over HTTP: simulated users and faults for tools outside the process.
///
/// `POST /control/{action}` with a JSON body; answers `{"ok": true, "result": ...}` like the Bot API.
extension BotAPIEmulator {
    func addControlRoutes(to router: Router<BasicRequestContext>) {
        let state = self.state
        router.on("/control/:action", method: .post) { request, context in
            let action = context.parameters.get("action") ?? ""
            let body = try await request.body.collect(upTo: 1 << 20)
            let json: JSONValue
            do { json = body.readableBytes == 0 ? .object([:]) : try JSONValue.parse(Array(buffer: body)) } catch {
                return Self.respond(.error(400, "Bad Request: \(error)"))
            }
            do {
                return Self.respond(.ok(try await Self.control(action, json, state: state)))
            } catch let error as JSONDecodingError {
                return Self.respond(.error(400, "Bad Request: \(error)"))
            } catch {
                return Self.respond(.error(400, "Bad Request: \(error)"))
            }
        }
        router.on("/control/transcript", method: .get) { request, _ in
            guard let chat = request.uri.queryParameters["chat_id"].flatMap({ Int64(String($0)) }) else {
                return Self.respond(.error(400, "Bad Request: chat_id is required"))
            }
            let entries = await state.transcript(chatID: chat).map { entry -> JSONValue in
                ["from_bot": .bool(entry.fromBot), "message": entry.message.json]
            }
            return Self.respond(.ok(.array(entries)))
        }
    }

    private static func control(_ action: String, _ json: JSONValue, state: EmulatorState) async throws -> JSONValue {
        func user() throws -> User {
            guard let value = json["user"] else { throw JSONDecodingError(path: "user", reason: "missing") }
            return try User(json: value)
        }
        func number(_ key: String) throws -> Double {
            guard let value = json[key]?.doubleValue else { throw JSONDecodingError(path: key, reason: "expected a number") }
            return value
        }
        switch action {
        case "sendText":
            return await state.sendText(from: try user(), json["text"]?.stringValue ?? "").json
        case "sendLocation":
            return await state.sendLocation(from: try user(), latitude: try number("latitude"), longitude: try number("longitude"),
                                            horizontalAccuracy: json["horizontal_accuracy"]?.doubleValue,
                                            livePeriod: json["live_period"]?.int64Value.map { Int($0) }).json
        case "moveLiveLocation":
            return await state.moveLiveLocation(from: try user(), messageID: Int(try number("message_id")),
                                                latitude: try number("latitude"), longitude: try number("longitude")).json
        case "sendContact":
            let sender = try user()
            return await state.sendContact(from: sender, phoneNumber: json["phone_number"]?.stringValue ?? EmulatorState.phoneNumber(of: sender),
                                           firstName: json["first_name"]?.stringValue ?? sender.firstName,
                                           userID: json["user_id"]?.int64Value).json
        case "pressInlineButton":
            return try await state.pressInlineButton(from: try user(), messageID: Int(try number("message_id")),
                                                     callbackData: json["callback_data"]?.stringValue ?? "").json
        case "pressKeyboardButton":
            let location = json["latitude"]?.doubleValue.flatMap { latitude in
                json["longitude"]?.doubleValue.map { (latitude: latitude, longitude: $0) }
            }
            return try await state.pressKeyboardButton(from: try user(), label: json["label"]?.stringValue ?? "", location: location).json
        case "injectFault":
            let fault: EmulatorFault
            switch json["fault"]?.stringValue {
            case "serverError": fault = .serverError(status: Int(json["status"]?.int64Value ?? 502))
            case "dropConnection": fault = .dropConnection
            case "malformedJSON": fault = .malformedJSON
            case "latency": fault = .latency(.milliseconds(json["milliseconds"]?.int64Value ?? 1000))
            case "conflict": fault = .conflictOtherInstance
            case "tooManyRequests": fault = .tooManyRequests(retryAfter: Int(json["retry_after"]?.int64Value ?? 1))
            default: throw JSONDecodingError(path: "fault", reason: "one of serverError, dropConnection, malformedJSON, latency, conflict, tooManyRequests")
            }
            await state.injectFault(fault, method: json["method"]?.stringValue, count: Int(json["count"]?.int64Value ?? 1))
            return true
        case "limits":
            await state.setLimits(json["on"]?.boolValue == false ? .off : .telegram)
            return true
        case "block":
            guard let id = json["user_id"]?.int64Value else { throw JSONDecodingError(path: "user_id", reason: "missing") }
            await state.block(userID: id)
            return true
        case "webhook":
            await state.setWebhook(json["url"]?.stringValue)
            return true
        default:
            throw JSONDecodingError(path: "action", reason: "unknown control action \(action)")
        }
    }
}
