import Foundation

/// Finds Lapak's shipped data (`intents/`, `config/lapak.yaml`) without relying on the working directory.
///
/// Looked for, in order: next to the executable or in any folder above it (a build in the source
/// tree: `.build/debug/lapak`), in `../share/lapak` beside an installed executable, and last in the
/// source tree this binary was compiled from.
public struct ResourceLocator: Sendable {
    /// The folder holding `intents/` and `config/`.
    public let root: URL

    /// Locates the shipped data; nil when no candidate folder has it.
    public static func locate(executablePath: String = ResourceLocator.executablePath()) -> ResourceLocator? {
        candidates(executablePath: executablePath).lazy.first(where: isResourceRoot).map { ResourceLocator(root: $0) }
    }

    public init(root: URL) { self.root = root }

    /// The shipped language data folder.
    public var intentsDirectory: URL { root.appendingPathComponent("intents", isDirectory: true) }

    /// The public site's templates and its own scripts and styles.
    public var webDirectory: URL { root.appendingPathComponent("web", isDirectory: true) }

    /// The documented default configuration.
    public var defaultConfigFile: URL { root.appendingPathComponent("config/lapak.yaml") }

    static func candidates(executablePath: String) -> [URL] {
        var result: [URL] = []
        var folder = URL(fileURLWithPath: executablePath).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<8 {
            result.append(folder)
            result.append(folder.appendingPathComponent("share/lapak", isDirectory: true))
            let parent = folder.deletingLastPathComponent()
            if parent.path == folder.path { break }
            folder = parent
        }
        // This file is Sources/LapakBot/ResourceLocator.swift in the source tree.
        let sourceRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        result.append(sourceRoot)
        return result
    }

    static func isResourceRoot(_ folder: URL) -> Bool {
        let manager = FileManager.default
        return manager.fileExists(atPath: folder.appendingPathComponent("intents/replies.yml").path)
            && manager.fileExists(atPath: folder.appendingPathComponent("config/lapak.yaml").path)
    }

    /// The running executable's path, from /proc on Linux.
    public static func executablePath() -> String {
        if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return path }
        return CommandLine.arguments.first ?? "."
    }
}
