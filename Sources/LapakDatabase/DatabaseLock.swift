import Foundation
import GRDB
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The daemon's claim on its database file: an exclusive `flock` on `<database>.lock`, held while it runs.
///
/// `lapak restore` must not replace a file a running bot has open, and two daemons on one database would
/// answer every update twice. The kernel drops the lock when the process ends, even by `kill -9`, so a
/// crash never leaves a stale lock behind (unlike a pid file).
public final class DatabaseLock: Sendable {
    /// Why the lock could not be taken.
    public struct Held: Error, CustomStringConvertible {
        /// The lock file.
        public var path: String
        public var description: String {
            "another Lapak process is using this database (it holds \(path)); stop it first (systemctl stop lapak)"
        }
    }

    /// The lock file's path.
    public let path: String
    private let descriptor: Int32

    /// Takes the lock of the database at `databasePath`, or throws `Held` at once when another process has it.
    public init(databasePath: String) throws {
        path = databasePath + ".lock"
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: path]) }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            close(descriptor)
            throw Held(path: path)
        }
        self.descriptor = descriptor
    }

    /// Whether some process holds the lock of the database at `databasePath` now.
    public static func isHeld(databasePath: String) -> Bool {
        do {
            _ = try DatabaseLock(databasePath: databasePath)
            return false  // taken and released at once
        } catch {
            return error is Held
        }
    }

    deinit {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}

extension AppDatabase {
    /// The database file's path (`:memory:` for an in-memory database).
    public var path: String { writer.path }
}
