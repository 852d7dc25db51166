import Foundation
import Testing
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A program a test starts (`lapak run`, `lapak web`, Chromium, systemd-analyze), spawned and reaped by the
/// test itself.
///
/// Not Foundation's `Process`: on Linux it learns of every child's exit on one shared manager thread, which
/// calls a blocking `waitpid` as soon as the child's end of a socket pair closes. A child that closes its
/// inherited descriptors while it still runs parks that thread until the child exits, and meanwhile no
/// other child's exit is noticed: `isRunning` stays true and termination handlers never run. One CI run
/// hung for 90 minutes with no CPU used. Here each child is polled on its own with `waitpid(WNOHANG)`, it
/// inherits no descriptor but its three standard ones, its signal dispositions start at their defaults
/// (a test process ignores SIGPIPE, and a child must still die of SIGTERM), and it leads its own process
/// group, so that a child dropped by a failed test is killed with its helpers rather than left running.
final class ChildProcess: Sendable {
    /// How a child ended.
    enum Termination: Equatable, Sendable, CustomStringConvertible {
        /// It called `exit` with this status.
        case exited(Int32)
        /// A signal ended it.
        case signalled(Int32)

        /// The exit status as a shell reports it: 128 + N for signal N.
        var status: Int32 {
            switch self {
            case .exited(let status): status
            case .signalled(let signal): 128 + signal
            }
        }

        var description: String {
            switch self {
            case .exited(let status): "exited with status \(status)"
            case .signalled(let signal): "ended by signal \(signal)"
            }
        }
    }

    /// A child that did not end in time.
    struct TimedOut: Error, CustomStringConvertible {
        var executable: String
        var timeout: Duration
        /// The last lines it wrote, when its output was kept (`log`).
        var logTail: String?
        var description: String {
            "\(executable) still running after \(timeout)" + (logTail.map { "; its output ends:\n\($0)" } ?? "")
        }
    }

    /// The spawn failed (no such program, no permission): `posix_spawn`'s error number.
    struct SpawnFailed: Error, CustomStringConvertible {
        var executable: String
        var code: Int32
        var description: String { "cannot start \(executable): \(String(cString: strerror(code)))" }
    }

    /// The child's process id.
    let pid: pid_t
    /// The program, for messages.
    let executable: String
    /// The file its standard output and error go to, when the test keeps them (`log`); removed with this object.
    let logFile: URL?
    private let ended = Mutex<Termination?>(nil)

    /// Starts `executable` with `arguments`, exactly `environment`, in `directory`.
    ///
    /// `input`, `output` and `error` are descriptors the child gets as 0, 1 and 2 (nil: /dev/null). The
    /// caller keeps its own copies and closes them when it likes; the child has its own. With `log`, its
    /// output and error go to a new file instead, whose last lines a failure can quote (`report`).
    init(_ executable: String, _ arguments: [String] = [], environment: [String: String] = [:], directory: String = "/",
         input: Int32? = nil, output: Int32? = nil, error: Int32? = nil, log: Bool = false) throws {
        self.executable = executable
        var output = output, error = error
        var logDescriptor: Int32?
        if log {
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("child-\(UUID().uuidString).log")
            let descriptor = open(file.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            guard descriptor >= 0 else { throw SpawnFailed(executable: executable, code: errno) }
            logDescriptor = descriptor
            output = descriptor
            error = descriptor
            logFile = file
        } else {
            logFile = nil
        }
        defer { if let logDescriptor { close(logDescriptor) } }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for (source, target) in [(input, STDIN_FILENO), (output, STDOUT_FILENO), (error, STDERR_FILENO)] {
            if let source {
                posix_spawn_file_actions_adddup2(&actions, source, target)
            } else {
                posix_spawn_file_actions_addopen(&actions, target, "/dev/null", target == STDIN_FILENO ? O_RDONLY : O_WRONLY, 0)
            }
        }
        _ = GNUSpawnActions.closeFrom(&actions, 3)
        _ = GNUSpawnActions.changeDirectory(&actions, directory)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigdefault(&attributes, &all)
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETPGROUP))

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        let code = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        guard code == 0 else { throw SpawnFailed(executable: executable, code: code) }
        self.pid = pid
    }

    /// How the child ended, or nil while it runs (reaps it once it has ended).
    var termination: Termination? {
        ended.withLock { ended in
            if let ended { return ended }
            var status: Int32 = 0
            guard waitpid(pid, &status, WNOHANG) == pid else { return nil }
            let signal = status & 0x7f
            ended = signal == 0 ? .exited((status >> 8) & 0xff) : .signalled(signal)
            return ended
        }
    }

    /// True until the child has ended.
    var isRunning: Bool { termination == nil }

    /// Sends `signal` to the child, if it still runs.
    func send(_ signal: Int32) {
        if isRunning { kill(pid, signal) }
    }

    /// Waits for the child to end, polling without holding a thread; throws `TimedOut` after `timeout`.
    @discardableResult
    func waitForExit(timeout: Duration = .seconds(60)) async throws -> Termination {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let termination { return termination }
            guard ContinuousClock.now < deadline else { throw TimedOut(executable: executable, timeout: timeout, logTail: logTail()) }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// The last `lines` lines of its output, when kept (`log`).
    func logTail(lines: Int = 40) -> String? {
        guard let logFile, let text = try? String(contentsOf: logFile, encoding: .utf8) else { return nil }
        return text.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines).joined(separator: "\n")
    }

    /// How it ended and the end of its output, for a failed expectation about its exit.
    var report: Comment {
        let ended = termination.map(\.description) ?? "still runs"
        let tail = logTail().map { "; its output ends:\n\($0)" } ?? ""
        return Comment(rawValue: "\(executable) \(ended)\(tail)")
    }

    deinit {
        if let logFile { try? FileManager.default.removeItem(at: logFile) }
        // A test that failed before waiting: end the child and whatever it started, and reap it.
        if ended.withLock({ $0 == nil }) {
            kill(-pid, SIGKILL)
            kill(pid, SIGKILL)
            var status: Int32 = 0
            waitpid(pid, &status, 0)
        }
    }
}

/// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34) and `..._addchdir_np` (2.29), which the Glibc
/// module does not export (they need `_GNU_SOURCE`): looked up once by name.
private enum GNUSpawnActions {
    typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    typealias ChangeDirectory = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32

    nonisolated(unsafe) static let closeFrom: CloseFrom = {
        guard let symbol = dlsym(dlopen(nil, RTLD_NOW), "posix_spawn_file_actions_addclosefrom_np") else {
            fatalError("glibc 2.34 or later is needed (posix_spawn_file_actions_addclosefrom_np)")
        }
        return unsafeBitCast(symbol, to: CloseFrom.self)
    }()

    nonisolated(unsafe) static let changeDirectory: ChangeDirectory = {
        guard let symbol = dlsym(dlopen(nil, RTLD_NOW), "posix_spawn_file_actions_addchdir_np") else {
            fatalError("glibc 2.29 or later is needed (posix_spawn_file_actions_addchdir_np)")
        }
        return unsafeBitCast(symbol, to: ChangeDirectory.self)
    }()
}
