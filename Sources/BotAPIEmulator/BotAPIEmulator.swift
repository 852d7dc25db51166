import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization
import TelegramBotAPI

/// A local Telegram Bot API on Hummingbird, for the demo, the tests and the benchmarks.
///
/// Bot API methods answer at `POST /bot{token}/{method}` exactly as Telegram shapes them; simulated
/// users act through `state` (in process) or the control API under `/control/` (over HTTP).
public final class BotAPIEmulator: Sendable {
    /// The emulated Telegram's state and the Swift control API.
    public let state: EmulatorState
    private let configuration: EmulatorConfiguration
    private let logger: Logger
    private let server = Mutex<(task: Task<Void, any Error>?, group: ServiceGroup?, port: Int)>((nil, nil, 0))

    public init(configuration: EmulatorConfiguration = EmulatorConfiguration(), clock: any MonotonicClock = SystemClock(), logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        self.state = EmulatorState(configuration: configuration, clock: clock)
    }

    /// The port the server listens on (after `start`).
    public var port: Int { server.withLock { $0.port } }

    /// The base URL to give a Bot API client, e.g. `http://127.0.0.1:40123`.
    public var apiURL: String { "http://\(configuration.host):\(port)" }

    /// The token the emulator accepts.
    public var token: String { configuration.token }

    /// Binds and starts serving; returns once the server accepts connections.
    public func start() async throws {
        let (ports, portContinuation) = AsyncStream<Int>.makeStream()
        let application = Application(
            router: makeRouter(),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "BotAPIEmulator"),
            onServerRunning: { channel in
                portContinuation.yield(channel.localAddress?.port ?? 0)
                portContinuation.finish()
            },
            logger: logger)
        let group = ServiceGroup(configuration: .init(services: [application], logger: logger))
        let task = Task {
            defer { portContinuation.finish() }
            try await group.run()
        }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else {
            try await task.value
            throw EmulatorError.notRunning
        }
        server.withLock { $0 = (task, group, port) }
        logger.debug("Bot API emulator listening", metadata: ["port": "\(port)"])
    }

    /// Stops the server, ending any waiting long poll; safe to call twice.
    public func stop() async {
        let (task, group) = server.withLock { state -> (Task<Void, any Error>?, ServiceGroup?) in
            defer { state = (nil, nil, state.port) }
            return (state.task, state.group)
        }
        guard let task, let group else { return }
        await state.shutdown()
        await group.triggerGracefulShutdown()
        _ = try? await task.value
    }

    private func makeRouter() -> Router<BasicRequestContext> {
        let router = Router()
        let state = self.state
        let token = configuration.token

        router.on("/:bot/:method", method: .post) { request, context in
            try await Self.botAPI(request, context: context, state: state, token: token)
        }
        router.on("/:bot/:method", method: .get) { request, context in
            try await Self.botAPI(request, context: context, state: state, token: token)
        }
        addControlRoutes(to: router)
        return router
    }

    private static func botAPI(_ request: Request, context: BasicRequestContext, state: EmulatorState, token: String) async throws -> Response {
        let botSegment = context.parameters.get("bot") ?? ""
        let method = context.parameters.get("method") ?? ""
        guard botSegment == "bot" + token else {
            return respond(.error(401, "Unauthorized"))
        }
        let parameters: JSONValue
        let body = try await request.body.collect(upTo: 10 << 20)
        if body.readableBytes > 0 {
            do { parameters = try JSONValue.parse(Array(buffer: body)) } catch {
                return respond(.error(400, "Bad Request: can't parse JSON: \(error.reason)"))
            }
        } else {
            // Query parameters, for trying methods with curl by hand.
            var object: [String: JSONValue] = [:]
            for (key, value) in request.uri.queryParameters {
                let text = String(value)
                object[String(key)] = Int64(text).map(JSONValue.int) ?? (try? JSONValue.parse(text)) ?? .string(text)
            }
            parameters = .object(object)
        }
        return respond(await state.answer(method: method, parameters: parameters))
    }

    static func respond(_ answer: EmulatorAnswer) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        switch answer.body {
        case .json(let json):
            return Response(status: .init(code: answer.status), headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: json.serialized())))
        case .raw(let bytes):
            return Response(status: .init(code: answer.status), headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
        case .dropConnection:
            // Promise a longer body than is sent, then fail: the server closes the connection mid-answer.
            return Response(status: .ok, headers: headers, body: ResponseBody(contentLength: 64) { writer in
                try await writer.write(ByteBuffer(string: #"{"ok":true,"#))
                throw EmulatorDroppedConnection()
            })
        }
    }
}

/// Thrown inside a response body to cut the connection (fault injection).
struct EmulatorDroppedConnection: Error {}
