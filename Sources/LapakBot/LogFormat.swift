import Foundation
import Logging
import TelegramBotAPI

/// How log lines are written (`log.format`).
public enum LogFormat: String, Sendable {
    /// Human-readable lines (swift-log's stream handler).
    case text
    /// One JSON object per line: `time`, `level`, `label`, `message`, then the metadata as fields.
    case json
}

/// A swift-log handler writing one JSON object per line, for journald and Loki.
///
/// Metadata becomes fields of the object (nested metadata as strings), so `update_id`, `chat` and
/// `intent` can be queried as fields. Lines are written whole under a lock, so concurrent lines never
/// interleave.
public struct JSONLogHandler: LogHandler {
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    private let label: String
    private let write: @Sendable (String) -> Void

    /// A handler for `label` writing each line (with its newline) through `write`.
    public init(label: String, write: @escaping @Sendable (String) -> Void) {
        self.label = label
        self.write = write
    }

    /// A handler writing to standard error.
    public static func standardError(label: String) -> JSONLogHandler {
        JSONLogHandler(label: label) { line in FileHandle.standardError.write(Data(line.utf8)) }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(level: Logger.Level, message: Logger.Message, metadata explicit: Logger.Metadata?, source: String,
                    file: String, function: String, line: UInt) {
        var fields = metadata
        if let provided = metadataProvider?.get() { fields.merge(provided) { _, new in new } }
        if let explicit { fields.merge(explicit) { _, new in new } }
        // Serialised by jansson, as on the Bot API wire: escaping is done once, in one place.
        var object: [String: JSONValue] = fields.mapValues { .string("\($0)") }
        object["time"] = .string(Self.timestamp())
        object["level"] = .string(level.rawValue)
        object["label"] = .string(label)
        object["source"] = .string(source)
        object["message"] = .string(message.description)
        write(JSONValue.object(object).serializedString() + "\n")
    }

    /// ISO 8601 with milliseconds, in UTC.
    static func timestamp() -> String {
        Date().formatted(.iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted))
    }
}

/// How chat ids appear in log lines: pseudonymised by default (`log.raw_ids: false`).
public struct LogIdentity: Sendable {
    /// Whether ids are shown as they are.
    public var rawIDs: Bool

    /// Ids shown raw or pseudonymised.
    public init(rawIDs: Bool) { self.rawIDs = rawIDs }

    /// `chatID` as it appears in logs: the id itself, or `c-` and 12 hex digits of a stable hash.
    ///
    /// Stable across restarts (FNV-1a, not Swift's per-process seeded hasher), so one chat's lines can be
    /// followed over days. It keeps ids out of casual sight; it is not encryption.
    public func chat(_ chatID: Int64) -> String {
        guard !rawIDs else { return String(chatID) }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in "lapak-chat:\(chatID)".utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return "c-" + String(String(hash, radix: 16).suffix(12))
    }
}
