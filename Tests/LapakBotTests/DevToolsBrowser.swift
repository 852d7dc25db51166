import Foundation
import Synchronization
import TelegramBotAPI

/// Headless Chromium driven over the DevTools protocol on a pipe (`--remote-debugging-pipe`: commands in on
/// fd 3, answers out on fd 4, each a JSON text ended by a NUL byte), for what `--dump-dom` cannot do: a real
/// 360 px phone viewport (a headless window is never narrower than 500 px) and reading values the page computed.
///
/// `@unchecked Sendable`: `Pipe` and `FileHandle` are not Sendable; the input handle is only written (one
/// write per command), and all mutable state is in the Mutex. Every command waits at most `answerTimeout`,
/// and Chromium's exit (its answers pipe closing) fails the commands still waiting.
final class DevToolsBrowser: @unchecked Sendable {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    private struct State {
        var buffer: [UInt8] = []
        var nextID: Int64 = 0
        var waiting: [Int64: CheckedContinuation<JSONValue, any Error>] = [:]
        var closed = false
    }

    private let process: ChildProcess
    private let commands = Pipe()
    private let answers = Pipe()
    /// The state, in a class of its own so that the pipe's and the process's handlers can hold it.
    private final class Shared: Sendable {
        let state = Mutex(State())
    }

    private let shared = Shared()
    /// How long one command may wait for its answer.
    private let answerTimeout: Duration = .seconds(30)

    /// Starts Chromium with its profile in `profile`.
    init(chromium: String, profile: URL) throws {
        answers.fileHandleForReading.readabilityHandler = { [shared] handle in
            let data = handle.availableData
            if data.isEmpty {
                // Chromium is gone (its end of the pipe closed): nothing waiting will be answered.
                handle.readabilityHandler = nil
                let waiting = shared.state.withLock { current in
                    current.closed = true
                    defer { current.waiting = [:] }
                    return Array(current.waiting.values)
                }
                for continuation in waiting { continuation.resume(throwing: Failure(description: "chromium exited")) }
                return
            }
            let messages: [[UInt8]] = shared.state.withLock { current in
                current.buffer += data
                var complete: [[UInt8]] = []
                while let end = current.buffer.firstIndex(of: 0) {
                    complete.append(Array(current.buffer[..<end]))
                    current.buffer.removeSubrange(...end)
                }
                return complete
            }
            for message in messages {
                guard let json = try? JSONValue.parse(message), let id = json["id"]?.int64Value else { continue }  // events
                let continuation = shared.state.withLock { $0.waiting.removeValue(forKey: id) }
                if let error = json["error"] {
                    continuation?.resume(throwing: Failure(description: error.serializedString()))
                } else {
                    continuation?.resume(returning: json["result"] ?? .null)
                }
            }
        }
        // fd 3 reads our commands, fd 4 writes the answers; Chromium's own output is dropped.
        process = try ChildProcess("/bin/sh", ["-c", "exec \"$0\" --headless --no-sandbox --disable-gpu --hide-scrollbars --remote-debugging-pipe "
                                                 + "--user-data-dir=\"$1\" about:blank 3<&0 4>&1 >/dev/null 2>&1", chromium, profile.path],
                                   environment: ["PATH": "/usr/bin:/bin", "HOME": profile.path],
                                   input: commands.fileHandleForReading.fileDescriptor, output: answers.fileHandleForWriting.fileDescriptor)
        // Chromium has its own copies; ours would keep the answers pipe open after it exits.
        try commands.fileHandleForReading.close()
        try answers.fileHandleForWriting.close()
    }

    /// Sends `method` (to the page `session` when given) and waits for its answer.
    func send(_ method: String, _ parameters: [String: JSONValue] = [:], session: String? = nil) async throws -> JSONValue {
        try await withCheckedThrowingContinuation { continuation in
            let id: Int64? = shared.state.withLock { current in
                guard !current.closed else { return nil }
                current.nextID += 1
                current.waiting[current.nextID] = continuation
                return current.nextID
            }
            guard let id else { return continuation.resume(throwing: Failure(description: "chromium exited")) }
            Task { [shared, answerTimeout] in
                try? await Task.sleep(for: answerTimeout)
                let late = shared.state.withLock { $0.waiting.removeValue(forKey: id) }
                late?.resume(throwing: Failure(description: "no answer to \(method) in \(answerTimeout)"))
            }
            var message: [String: JSONValue] = ["id": .int(id), "method": .string(method), "params": .object(parameters)]
            if let session { message["sessionId"] = .string(session) }
            commands.fileHandleForWriting.write(Data(JSONValue.object(message).serialized() + [0]))
        }
    }

    /// A new page with a phone's viewport (`width` CSS pixels, touch, mobile), showing `url`; its session id.
    func openPhone(_ url: String, width: Int, height: Int = 800) async throws -> String {
        let target = try await send("Target.createTarget", ["url": "about:blank"])
        guard let targetID = target["targetId"]?.stringValue else { throw Failure(description: "no target") }
        let attached = try await send("Target.attachToTarget", ["targetId": .string(targetID), "flatten": true])
        guard let session = attached["sessionId"]?.stringValue else { throw Failure(description: "no session") }
        _ = try await send("Emulation.setDeviceMetricsOverride", ["width": .int(Int64(width)), "height": .int(Int64(height)),
                                                                   "deviceScaleFactor": 1, "mobile": true], session: session)
        _ = try await send("Page.navigate", ["url": .string(url)], session: session)
        return session
    }

    /// The value of `expression` in the page, once it is not empty (polled every 100 ms for at most `timeout`).
    func value(of expression: String, session: String, timeout: Duration = .seconds(20)) async throws -> String {
        let deadline = ContinuousClock.now + timeout
        while true {
            let result = try await send("Runtime.evaluate", ["expression": .string(expression), "returnByValue": true], session: session)
            if let text = result["result"]?["value"]?.stringValue, !text.isEmpty { return text }
            guard ContinuousClock.now < deadline else { throw Failure(description: "timed out waiting for \(expression)") }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    /// Presses and releases a key, as a keyboard would, in the page's focused element (`code`: the Windows
    /// virtual key code, which Leaflet's keyboard handler reads).
    func press(key: String, code: Int, session: String) async throws {
        for type in ["keyDown", "keyUp"] {
            _ = try await send("Input.dispatchKeyEvent", ["type": .string(type), "key": .string(key),
                                                          "windowsVirtualKeyCode": .int(Int64(code))], session: session)
        }
    }

    /// A PNG of the page's viewport.
    func screenshot(session: String) async throws -> Data {
        let shot = try await send("Page.captureScreenshot", ["format": "png"], session: session)
        guard let data = shot["data"]?.stringValue.flatMap({ Data(base64Encoded: $0) }) else { throw Failure(description: "no screenshot") }
        return data
    }

    /// Ends Chromium: asked politely, then SIGTERM, then SIGKILL to its whole process group.
    func close() async {
        _ = try? await send("Browser.close")
        if (try? await process.waitForExit(timeout: .seconds(5))) == nil {
            process.send(SIGTERM)
            if (try? await process.waitForExit(timeout: .seconds(5))) == nil { kill(-process.pid, SIGKILL) }
        }
    }
}
