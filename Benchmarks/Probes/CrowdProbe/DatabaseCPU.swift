import Foundation

/// PostgreSQL's own CPU, for the workers scenario: the postmaster and every process it started.
///
/// The workers' CPU alone hides what moving work into the database costs; the capacity model needs both.
/// Read from /proc like the workers' figures: the live children's utime+stime plus the postmaster's own and
/// its reaped children's (cutime+cstime), so a backend that ended between two readings still counts.
/// Only a cluster on this machine whose data folder is known can be read: the one `scripts/with-postgres.sh`
/// starts (the URL's `host=` socket folder holds `data/postmaster.pid`).
struct DatabaseCPU: Sendable {
    /// The postmaster's process id.
    let postmaster: pid_t

    /// The cluster behind `url`, or nil when its postmaster cannot be found.
    init?(url: String) {
        guard let folder = URLComponents(string: url)?.queryItems?.first(where: { $0.name == "host" })?.value,
              let pidFile = try? String(contentsOfFile: "\(folder)/data/postmaster.pid", encoding: .utf8),
              let first = pidFile.split(separator: "\n").first, let pid = pid_t(first) else { return nil }
        postmaster = pid
    }

    /// CPU seconds the cluster has used so far.
    func seconds() -> Double {
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        var total = 0.0
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return 0 }
        for entry in entries {
            guard let pid = pid_t(entry), let fields = Self.fields(pid) else { continue }
            // Fields after "pid (comm)": ppid is index 1, utime 11, stime 12, cutime 13, cstime 14.
            if pid == postmaster {
                total += [11, 12, 13, 14].compactMap { Double(fields[$0]) }.reduce(0, +)
            } else if pid_t(fields[1]) == postmaster {
                total += [11, 12].compactMap { Double(fields[$0]) }.reduce(0, +)
            }
        }
        return total / (ticks > 0 ? ticks : 100)
    }

    /// /proc/PID/stat after the command name, or nil when the process is gone.
    private static func fields(_ pid: pid_t) -> [Substring]? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        return fields.count > 14 ? fields : nil
    }
}
