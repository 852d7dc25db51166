#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// A child process started with posix_spawn, standard output and error in files, stdin from /dev/null.
///
/// The probe reaps it itself (waitpid), so a `kill -9` and the restart that follows are exact.
@MainActor
final class ChildProcess {
    /// A short name for reports ("bot", "emulator", "import").
    let name: String
    let pid: pid_t
    /// Where its standard output and error go.
    let stdoutPath: String
    let stderrPath: String
    /// The wait status once reaped.
    private(set) var exitStatus: Int32?

    private init(name: String, pid: pid_t, stdoutPath: String, stderrPath: String) {
        self.name = name
        self.pid = pid
        self.stdoutPath = stdoutPath
        self.stderrPath = stderrPath
    }

    /// Starts `executable` with exactly `environment`.
    static func spawn(name: String, executable: String, arguments: [String], environment: [String: String],
                      stdoutPath: String, stderrPath: String) throws -> ChildProcess {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdoutPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, stderrPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.sorted { $0.key < $1.key }.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, executable, &actions, nil, argv, envp)
        guard result == 0 else { throw ProbeError("cannot start \(executable): \(String(cString: strerror(result)))") }
        return ChildProcess(name: name, pid: pid, stdoutPath: stdoutPath, stderrPath: stderrPath)
    }

    /// Whether it has ended (reaps it when it has).
    var hasExited: Bool {
        guard exitStatus == nil else { return true }
        var status: Int32 = 0
        if waitpid(pid, &status, WNOHANG) == pid { exitStatus = status }
        return exitStatus != nil
    }

    /// The exit code when it exited normally, nil while running or when a signal ended it.
    var exitCode: Int32? {
        guard let status = exitStatus, status & 0x7f == 0 else { return nil }
        return (status >> 8) & 0xff
    }

    /// Waits until it ends or the deadline passes; true when it ended.
    func waitForExit(timeout: Duration) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while !hasExited {
            guard ContinuousClock.now < deadline else { return false }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return true
    }

    /// `kill -9` and reap: nothing of it runs once this returns.
    func killHard() {
        guard !hasExited else { return }
        kill(pid, SIGKILL)
        var status: Int32 = 0
        if waitpid(pid, &status, 0) == pid { exitStatus = status }
    }

    /// SIGTERM, then SIGKILL if it has not ended within `grace`.
    func stop(grace: Duration = .seconds(10)) async {
        guard !hasExited else { return }
        kill(pid, SIGTERM)
        if await !waitForExit(timeout: grace) { killHard() }
    }

    /// The last lines of its standard error, for error messages.
    func stderrTail(lines: Int = 15) -> String {
        let text = (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? ""
        return text.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines).joined(separator: "\n")
    }

    /// CPU time and memory from /proc; nil once it has ended.
    func sample() -> ProcessSample? { ProcessSample(pid: pid) }
}

/// A reading of /proc/PID/stat and /proc/PID/status.
struct ProcessSample: Sendable {
    /// User plus system CPU seconds so far (clock-tick resolution, usually 10 ms).
    let cpuSeconds: Double
    /// Peak resident set size (VmHWM) and the current one (VmRSS), in KiB.
    let peakRSSKiB: Int
    let rssKiB: Int

    /// Reads the process's figures; nil when it is gone.
    init?(pid: pid_t) {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return nil }
        // After "pid (comm)": field 3 (state) is index 0, so utime (14) and stime (15) are 11 and 12.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        cpuSeconds = (user + system) / (ticks > 0 ? ticks : 100)
        func kibibytes(_ key: String) -> Int {
            guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix(key + ":") }) else { return 0 }
            return Int(line.split(whereSeparator: { $0 == " " || $0 == "\t" }).dropFirst().first ?? "") ?? 0
        }
        peakRSSKiB = kibibytes("VmHWM")
        rssKiB = kibibytes("VmRSS")
    }
}

/// A failure of the probe itself (not a missed target).
struct ProbeError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
