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
    private let server = Mutex<Server>(Server())

    /// The running server: the task that runs the Hummingbird application and the group that can stop it.
    private struct Server {
        var task: Task<Void, any Error>?
        var group: ServiceGroup?
        var port = 0
        /// Posts updates to the webhook while one is set.
        var delivery: Task<Void, Never>?
        var deliveryTransport: CurlTransport?
    }

    /// Creates an emulator; nothing listens until `start()`.
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

    /// Binds and starts serving; returns once the server accepts connections (at once when already running).
    public func start() async throws {
        guard server.withLock({ $0.task == nil }) else { return }
        await state.serving()
        // onServerRunning is the only place the real port of a port-0 bind is known.
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
            // A bind failure ends the stream without a port, so start() does not wait forever.
            defer { portContinuation.finish() }
            try await group.run()
        }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else {
            do {
                try await task.value
            } catch let error as IOError where error.errnoCode == EADDRINUSE {
                // The usual reason a bind fails: said in a line a person acts on, not NIO's bind(descriptor:…).
                throw EmulatorError.portInUse(host: configuration.host, port: configuration.port)
            }
            throw EmulatorError.notRunning
        }
        let transport = CurlTransport(configuration: .init(maxConcurrentRequests: 16, connectTimeout: .seconds(5), userAgent: "BotAPIEmulator"))
        let delivery = Task { [state] in await WebhookDeliverer(state: state, transport: transport).run() }
        server.withLock { $0 = Server(task: task, group: group, port: port, delivery: delivery, deliveryTransport: transport) }
        logger.debug("Bot API emulator listening", metadata: ["port": "\(port)"])
    }

    /// Stops the server, ending any waiting long poll; safe to call twice.
    public func stop() async {
        let running = server.withLock { server -> Server in
            defer { server = Server(port: server.port) }
            return server
        }
        guard let task = running.task, let group = running.group else { return }
        // Graceful shutdown waits for open requests: answer the waiting long polls first.
        await state.shutdown()
        running.delivery?.cancel()
        await running.delivery?.value
        running.deliveryTransport?.shutdown()
        await group.triggerGracefulShutdown()
        _ = try? await task.value
    }

    private func makeRouter() -> Router<BasicRequestContext> {
        let router = Router()
        let state = self.state
        let token = configuration.token
        // Telegram answers GET as well as POST; GET with query parameters is handy with curl.
        for method: HTTPTypes.HTTPRequest.Method in [.post, .get] {
            router.on("/:bot/:method", method: method) { request, context in
                await Self.botAPI(request, context: context, state: state, token: token)
            }
        }
        addControlRoutes(to: router)
        return router
    }
}
