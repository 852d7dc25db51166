import Foundation
import Yams

/// A mistake in a file of `intents/`, naming the file and the line, so the agency's editors can fix it.
public struct LanguageDataError: Error, Sendable, CustomStringConvertible {
    public var file: String
    /// One-based line, when known.
    public var line: Int?
    public var reason: String

    public init(file: String, line: Int?, reason: String) {
        self.file = file
        self.line = line
        self.reason = reason
    }

    public var description: String {
        if let line { return "\(file):\(line): \(reason)" }
        return "\(file): \(reason)"
    }
}

/// Reads one YAML file of `intents/` into a node tree that keeps line numbers for error messages.
public enum LanguageDataFile {
    /// The parsed file; a missing, empty or malformed file is a `LanguageDataError` naming it.
    public static func load(_ file: URL) throws(LanguageDataError) -> Node {
        let text: String
        do { text = try String(contentsOf: file, encoding: .utf8) } catch {
            throw LanguageDataError(file: file.path, line: nil, reason: "cannot read the file: \(error.localizedDescription)")
        }
        let node: Node?
        do { node = try Yams.compose(yaml: text) } catch let error as YamlError {
            throw LanguageDataError(file: file.path, line: error.line, reason: "not valid YAML: \(error)")
        } catch {
            throw LanguageDataError(file: file.path, line: nil, reason: "not valid YAML: \(error)")
        }
        guard let node else { throw LanguageDataError(file: file.path, line: nil, reason: "the file is empty") }
        return node
    }
}

extension Node {
    /// One-based line of this node in its file.
    public var line: Int? { mark.map { $0.line } }
}

extension YamlError {
    /// One-based line of a parse error, when Yams knows it.
    var line: Int? {
        switch self {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _): return mark.line
        default: return nil
        }
    }
}
