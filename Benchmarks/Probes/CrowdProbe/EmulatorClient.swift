import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The emulator's control API (`/control/...`) over loopback HTTP.
///
/// Only what the emulator offers over HTTP is used, never the bot's code: the probe keeps working
/// while the bot's internals change.
struct EmulatorClient: Sendable {
    /// `http://127.0.0.1:PORT`.
    let baseURL: URL
    private let session: URLSession

    /// A client for the emulator at `baseURL`, which must be on the loopback interface.
    init(baseURL: URL) throws {
        guard baseURL.host == "127.0.0.1" else { throw ProbeError("the emulator must listen on 127.0.0.1, not \(baseURL)") }
        self.baseURL = baseURL
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = 120
        configuration.httpMaximumConnectionsPerHost = 4
        session = URLSession(configuration: configuration)
    }

    /// `POST /control/{action}` with a JSON body; the `result` of the answer.
    func action<Result: Decodable>(_ name: String, _ body: JSON, as type: Result.Type = Result.self) async throws -> Result {
        var request = URLRequest(url: baseURL.appendingPathComponent("control/\(name)"))
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.httpBody = Data(body.text.utf8)
        return try await perform(request, as: type)
    }

    /// `GET /control/{path}?query`; the `result` of the answer.
    func get<Result: Decodable>(_ path: String, _ query: [String: String] = [:], as type: Result.Type = Result.self) async throws -> Result {
        var components = URLComponents(url: baseURL.appendingPathComponent("control/\(path)"), resolvingAgainstBaseURL: false)
        if !query.isEmpty { components?.queryItems = query.sorted { $0.key < $1.key }.map { URLQueryItem(name: $0.key, value: $0.value) } }
        guard let url = components?.url else { throw ProbeError("bad control path \(path)") }
        return try await perform(URLRequest(url: url), as: type)
    }

    /// Counters that are cheap to poll.
    func stats() async throws -> EmulatorStats { try await get("stats") }

    /// Chats (with ids in `chats` when given) that got a bot message containing `text`.
    func deliveries(containing text: String, chats: ClosedRange<Int64>? = nil) async throws -> Deliveries {
        var query = ["contains": text]
        if let chats {
            query["from_chat_id"] = String(chats.lowerBound)
            query["to_chat_id"] = String(chats.upperBound)
        }
        return try await get("deliveries", query)
    }

    /// A chat's messages, both sides, in order.
    func transcript(chatID: Int64) async throws -> [TranscriptEntry] { try await get("transcript", ["chat_id": String(chatID)]) }

    /// Every Bot API request the emulator answered.
    func requests() async throws -> RequestLog { try await get("requests") }

    private func perform<Result: Decodable>(_ request: URLRequest, as type: Result.Type) async throws -> Result {
        let data: Data = try await withCheckedThrowingContinuation { continuation in
            session.dataTask(with: request) { data, _, error in
                if let error {
                    continuation.resume(throwing: ProbeError("\(request.url?.path ?? "?"): \(error.localizedDescription)"))
                } else {
                    continuation.resume(returning: data ?? Data())
                }
            }.resume()
        }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        let envelope: Envelope<Result>
        do { envelope = try decoder.decode(Envelope<Result>.self, from: data) } catch {
            throw ProbeError("\(request.url?.path ?? "?"): unexpected answer (\(error)): \(String(decoding: data.prefix(300), as: UTF8.self))")
        }
        guard envelope.ok, let result = envelope.result else {
            throw ProbeError("\(request.url?.path ?? "?"): \(envelope.description ?? "refused")")
        }
        return result
    }
}

/// `{"ok": ..., "result": ..., "description": ...}`.
struct Envelope<Result: Decodable>: Decodable {
    let ok: Bool
    let result: Result?
    let description: String?
}

/// `GET /control/stats`.
struct EmulatorStats: Decodable, Sendable {
    /// The emulator's clock, the one of every `at_ms`.
    let nowMs: Int64
    let pendingUpdates: Int
    /// A getUpdates is waiting for news: the bot is idle.
    let pollWaiting: Bool
    let botMessages: Int
    let chatsWithBotMessages: Int
    let requests: Int
    let methods: [String: Int]
    let statuses: [String: Int]
    let floodViolations: Int
    let randomFaults: RandomFaultCounts

    /// What the random faults did.
    struct RandomFaultCounts: Decodable, Sendable {
        let serverErrors: Int
        let droppedBeforeProcessing: Int
        let droppedAfterProcessing: Int
        /// Messages the emulator accepted whose answer it then dropped: a retry sends them twice.
        let acceptedAnswersDropped: Int
        let acceptedAnswersDroppedByChat: [String: Int]
    }
}

/// `GET /control/deliveries?contains=`.
struct Deliveries: Decodable, Sendable {
    let chats: Int
    let messages: Int
    let repeatedChats: Int
    let firstMs: Int64?
    let lastMs: Int64?
}

/// One entry of `GET /control/transcript`.
struct TranscriptEntry: Decodable, Sendable {
    let fromBot: Bool
    /// When the user sent it or the emulator accepted the bot's request (emulator clock, ms).
    let atMs: Int64
    let message: Message

    /// The parts of a message the probe reads.
    struct Message: Decodable, Sendable {
        let messageId: Int
        let text: String?
        let replyMarkup: Markup?
    }

    /// An inline keyboard.
    struct Markup: Decodable, Sendable {
        let inlineKeyboard: [[Button]]?
    }

    /// An inline button.
    struct Button: Decodable, Sendable {
        let text: String
        let callbackData: String?
    }
}

/// `GET /control/requests`.
struct RequestLog: Decodable, Sendable {
    let requests: [Record]
    let floodViolations: Int

    /// One answered Bot API request.
    struct Record: Decodable, Sendable {
        let method: String
        let status: Int
        let atMs: Int64
        let chatId: Int64?
        let violatedRetryAfter: Bool
    }
}

/// A simulated Telegram user as the control API takes it.
struct SimulatedUser: Sendable {
    let id: Int64
    let firstName: String

    /// `{"id": ..., "is_bot": false, "first_name": ..., "language_code": "id"}`.
    var json: JSON { ["id": .int(id), "is_bot": false, "first_name": .string(firstName), "language_code": "id"] }
}
