import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import TelegramBotAPI

/// The Bot API route: token check, parameter decoding and the HTTP shape of every answer.
extension BotAPIEmulator {
    /// The largest request body read; Telegram's own limit for non-file requests is far below this.
    static let maximumBodySize = 10 << 20

    /// Answers `/{bot}{token}/{method}`.
    static func botAPI(_ request: Request, context: BasicRequestContext, state: EmulatorState, token: String) async -> Response {
        let botSegment = context.parameters.get("bot") ?? ""
        let method = context.parameters.get("method") ?? ""
        guard botSegment == "bot" + token else {
            return respond(.error(401, "Unauthorized"))
        }
        guard method == "getUpdates" else {
            return respond(await answer(method, request: request, body: request.body, state: state))
        }
        // A long poll may wait a minute. When its client gives up (a cancelled poll, a killed bot) the
        // inbound side of the connection closes and Hummingbird cancels the operation, so the emulator
        // forgets the poll instead of answering into the void. Hummingbird closes such connections after
        // the answer; that costs a loopback reconnect per poll, which is cheap.
        do {
            return respond(try await request.body.consumeWithCancellationOnInboundClose { body in
                await answer(method, request: request, body: body, state: state)
            })
        } catch {
            return respond(.error(499, "Client Closed Request"))
        }
    }

    /// Decodes the parameters and lets the state answer.
    private static func answer(_ method: String, request: Request, body: RequestBody, state: EmulatorState) async -> EmulatorAnswer {
        let parameters: JSONValue
        do {
            parameters = try await self.parameters(of: request, body: body)
        } catch let error as JSONParseError {
            return .error(400, "Bad Request: can't parse JSON object: \(error.reason)")
        } catch {
            return .error(400, "Bad Request: can't read the request: \(error)")
        }
        return await EmulatorState.$arrival.withValue(state.clock.now) {
            await state.answerWithRandomFaults(method: method, parameters: parameters)
        }
    }

    /// The call's parameters from a JSON body, a form-encoded body or the query string, as Telegram accepts all three.
    private static func parameters(of request: Request, body: RequestBody) async throws -> JSONValue {
        let buffer = try await body.collect(upTo: maximumBodySize)
        let bytes = Array(buffer: buffer)
        let contentType = request.headers[.contentType]?.lowercased() ?? ""
        if !bytes.isEmpty, !contentType.contains("x-www-form-urlencoded") {
            return try JSONValue.parse(bytes)
        }
        var object: [String: JSONValue] = [:]
        for text in [request.uri.query ?? "", String(decoding: bytes, as: UTF8.self)] {
            for (key, value) in formFields(text) { object[key] = formValue(value, key: key) }
        }
        return .object(object)
    }

    /// The fields of a query string or form body, decoded (`+` is a space, as browsers and Telegram read it).
    private static func formFields(_ text: String) -> [(key: String, value: String)] {
        func decode(_ part: Substring) -> String {
            let plain = part.replacingOccurrences(of: "+", with: " ")
            return plain.removingPercentEncoding ?? plain
        }
        return text.split(separator: "&").map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return (decode(parts[0]), parts.count > 1 ? decode(parts[1]) : "")
        }
    }

    /// Keys whose form values stay strings even when they look like numbers or JSON.
    private static let textKeys: Set<String> = ["text", "title", "address", "callback_query_id", "language_code",
                                                "action", "parse_mode", "url", "callback_data"]

    /// A form or query value as the JSON value a JSON client would have sent.
    private static func formValue(_ text: String, key: String) -> JSONValue {
        if textKeys.contains(key) { return .string(text) }
        if let integer = Int64(text) { return .int(integer) }
        if let number = Double(text) { return .double(number) }
        if text == "true" || text == "false" { return .bool(text == "true") }
        // reply_markup, allowed_updates and commands arrive as JSON text in forms.
        if text.hasPrefix("{") || text.hasPrefix("["), let json = try? JSONValue.parse(text) { return json }
        return .string(text)
    }

    /// The HTTP response for an answer: Telegram's JSON with the matching status, or an injected fault.
    static func respond(_ answer: EmulatorAnswer) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        let status = HTTPTypes.HTTPResponse.Status(code: answer.status)
        switch answer.body {
        case .json(let json):
            return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: json.serialized())))
        case .raw(let bytes):
            return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
        case .dropConnection:
            // Promise a longer body than is sent, then fail: Hummingbird closes the connection mid-answer
            // and the client sees a transfer cut short, as when a proxy or the network drops it.
            return Response(status: .ok, headers: headers, body: ResponseBody(contentLength: 64) { writer in
                try await writer.write(ByteBuffer(string: #"{"ok":true,"#))
                throw EmulatorDroppedConnection()
            })
        }
    }
}

/// Thrown inside a response body to cut the connection (fault injection).
struct EmulatorDroppedConnection: Error {}
