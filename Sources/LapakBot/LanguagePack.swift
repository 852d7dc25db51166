import Foundation
import LapakDatabase
import LapakLanguage
import LapakRegistry
import Yams

/// The languages Lapak answers in.
public enum Language: String, Sendable, CaseIterable, Hashable {
    case indonesian = "id"
    case english = "en"

    /// The reply language for a Telegram client language: `en*` is English, anything else Indonesian.
    public init(telegramLanguageCode code: String?) {
        self = (code?.lowercased().hasPrefix("en") ?? false) ? .english : .indonesian
    }

    /// The language a message was found to be written in.
    init(_ written: WrittenLanguage) {
        self = written == .english ? .english : .indonesian
    }
}

extension PreferenceStore {
    /// The language the user chose with /bahasa, if any, inside the caller's transaction.
    func chosenLanguage(of userID: Int64) throws -> Language? {
        try language(of: userID).flatMap(Language.init(rawValue:))
    }
}

extension UserPreferenceStore {
    /// The language the user chose with /bahasa, if any.
    func chosenLanguage(of userID: Int64) async throws -> Language? {
        try await language(of: userID).flatMap(Language.init(rawValue:))
    }

    /// The language to write in to someone who is not the sender of the update (staff, an owner):
    /// their choice, else Indonesian. A failed lookup must not stop the message.
    func replyLanguage(of userID: Int64) async -> Language {
        ((try? await chosenLanguage(of: userID)) ?? nil) ?? .indonesian
    }
}

/// What a command does.
public enum CommandAction: String, Sendable, Hashable, CaseIterable {
    case start, help, find, cancel, language
    /// Vendors: enroll, check in, close for today, manage their businesses.
    case register, checkin, checkout
    case myBusiness = "my_business"
    /// Staff: the unverified self-enrollments.
    case verify
    /// Staff: announcements, their statistics, halal certification marks.
    case broadcast, stats, halal
    /// Vendors: stop and resume announcements.
    case unsubscribe, subscribe
    /// Staff: business groups (kelompok usaha).
    case groups
    /// Staff: pair a beginner with a senior business (magang). Vendors: pass an overflow order on.
    case apprenticeship
    case overflowOrder = "overflow_order"
}

/// A command of the menu in one language.
public struct CommandDefinition: Sendable, Hashable {
    public var command: String
    public var action: CommandAction
    public var description: String
    /// Staff commands work for staff only and are left out of the public command menu.
    public var staffOnly: Bool = false
}

/// The language data from `intents/`: reply texts and commands, validated at load.
public struct LanguagePack: Sendable {
    /// Reply texts by key and language.
    public private(set) var replies: [String: [Language: String]] {
        didSet { templates = Self.compile(replies) }
    }
    /// The replies split into text and `{placeholders}` once, so a reply is written without searching.
    private var templates: [String: [Language: ReplyTemplate]] = [:]
    /// The command menu per language.
    public private(set) var commands: [Language: [CommandDefinition]]

    /// Loads and validates `replies.yml` and `commands.yml` from `directory`.
    public static func load(from directory: URL) throws(LanguageDataError) -> LanguagePack {
        let repliesFile = directory.appendingPathComponent("replies.yml")
        let commandsFile = directory.appendingPathComponent("commands.yml")
        var pack = LanguagePack(replies: try loadReplies(repliesFile), commands: try loadCommands(commandsFile))
        pack.templates = compile(pack.replies)
        if let problem = missingReplies(in: pack.replies).first {
            throw LanguageDataError(file: repliesFile.path, line: nil, reason: problem)
        }
        return pack
    }

    /// The text of reply `key` in `language`, with `{placeholders}` replaced by the given (already safe) values.
    ///
    /// Each placeholder is filled once: a value containing `{phone}` (a business name, anything a user typed)
    /// is shown as written. Only the keys of `declaredReplies` are served, so a key the code uses but never
    /// declared shows up in tests as "something went wrong", and never reaches a user as a key name.
    public func text(_ key: String, _ language: Language, _ values: [String: String] = [:]) -> String {
        guard let template = templates[key]?[language] ?? templates[Self.unknownReplyFallback]?[language] else {
            return ""  // unreachable after `load`: the fallback reply is required in every language
        }
        return template.render(values)
    }

    private static func compile(_ replies: [String: [Language: String]]) -> [String: [Language: ReplyTemplate]] {
        replies.filter { declaredReplies.contains($0.key) }.mapValues { $0.mapValues(ReplyTemplate.init) }
    }

    /// The action of `/command` in any language (users may type the other language's commands).
    public func action(forCommand command: String) -> CommandAction? {
        for language in Language.allCases {
            if let match = commands[language]?.first(where: { $0.command == command }) { return match.action }
        }
        return nil
    }

    private static func loadReplies(_ file: URL) throws(LanguageDataError) -> [String: [Language: String]] {
        guard let mapping = try LanguageDataFile.load(file).mapping else {
            throw LanguageDataError(file: file.path, line: 1, reason: "expected reply names at the top level")
        }
        var replies: [String: [Language: String]] = [:]
        for (keyNode, valueNode) in mapping {
            guard let key = keyNode.string else { continue }
            guard let texts = valueNode.mapping else {
                throw LanguageDataError(file: file.path, line: valueNode.line, reason: "reply '\(key)' needs an 'id' and an 'en' text")
            }
            var perLanguage: [Language: String] = [:]
            for language in Language.allCases {
                guard let textNode = texts[language.rawValue], let text = textNode.string,
                      !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
                else {
                    throw LanguageDataError(file: file.path, line: valueNode.line, reason: "reply '\(key)' has no '\(language.rawValue)' text")
                }
                guard text.utf16.count <= 4096 else {
                    throw LanguageDataError(file: file.path, line: textNode.line, reason: "reply '\(key)' (\(language.rawValue)) is longer than Telegram's 4096 characters")
                }
                if let problem = HTML.validate(text) {
                    throw LanguageDataError(file: file.path, line: textNode.line, reason: "reply '\(key)' (\(language.rawValue)): \(problem)")
                }
                perLanguage[language] = text
            }
            let placeholders = Set(perLanguage.values.map(Self.placeholders))
            if placeholders.count > 1 {
                throw LanguageDataError(file: file.path, line: valueNode.line, reason: "reply '\(key)' uses different {placeholders} in its languages")
            }
            replies[key] = perLanguage
        }
        return replies
    }

    private static func loadCommands(_ file: URL) throws(LanguageDataError) -> [Language: [CommandDefinition]] {
        guard let mapping = try LanguageDataFile.load(file).mapping else {
            throw LanguageDataError(file: file.path, line: 1, reason: "expected the languages 'id' and 'en' at the top level")
        }
        var result: [Language: [CommandDefinition]] = [:]
        for language in Language.allCases {
            guard let list = mapping[language.rawValue], list.sequence != nil else {
                throw LanguageDataError(file: file.path, line: nil, reason: "no command list for '\(language.rawValue)'")
            }
            var seen: Set<String> = []
            var definitions: [CommandDefinition] = []
            for entry in list.array() {
                guard let command = entry["command"]?.string,
                      command.range(of: "^[a-z0-9_]{1,32}$", options: .regularExpression) != nil
                else {
                    throw LanguageDataError(file: file.path, line: entry.line, reason: "a command must be 1-32 lowercase letters, digits or _")
                }
                guard let actionName = entry["action"]?.string, let action = CommandAction(rawValue: actionName) else {
                    let known = CommandAction.allCases.map(\.rawValue).joined(separator: ", ")
                    throw LanguageDataError(file: file.path, line: entry.line, reason: "command '\(command)' needs an action, one of: \(known)")
                }
                guard let description = entry["description"]?.string, (3...256).contains(description.count) else {
                    throw LanguageDataError(file: file.path, line: entry.line, reason: "command '\(command)' needs a description of 3-256 characters")
                }
                guard seen.insert(command).inserted else {
                    throw LanguageDataError(file: file.path, line: entry.line, reason: "command '\(command)' appears twice for '\(language.rawValue)'")
                }
                let staffOnly = entry["staff"]?.string.map { ["true", "yes", "ya"].contains($0.lowercased()) } ?? false
                definitions.append(CommandDefinition(command: command, action: action, description: description, staffOnly: staffOnly))
            }
            result[language] = definitions
        }
        return result
    }

    private static func placeholders(in text: String) -> Set<String> {
        var names: Set<String> = []
        var rest = text[...]
        while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
            names.insert(String(rest[rest.index(after: open)..<close]))
            rest = rest[rest.index(after: close)...]
        }
        return names
    }
}

/// A reply text split once into literal runs and `{name}` placeholders.
///
/// Filling a template is one pass over its parts: no search and replace per value (which also means a
/// value that itself contains `{name}`, typed by a user, is never filled in again).
struct ReplyTemplate: Sendable {
    enum Part: Sendable {
        case literal(String)
        case placeholder(String)
    }

    let parts: [Part]
    private let literalLength: Int

    init(_ text: String) {
        var parts: [Part] = []
        var literal = ""
        var rest = Substring(text)
        while let open = rest.firstIndex(of: "{") {
            literal += rest[..<open]
            let afterOpen = rest.index(after: open)
            if let close = rest[afterOpen...].firstIndex(of: "}"),
               rest[afterOpen..<close].allSatisfy({ $0 == "_" || ($0.isASCII && ($0.isLetter || $0.isNumber)) }), afterOpen < close {
                if !literal.isEmpty { parts.append(.literal(literal)) }
                literal = ""
                parts.append(.placeholder(String(rest[afterOpen..<close])))
                rest = rest[rest.index(after: close)...]
            } else {
                literal += "{"
                rest = rest[afterOpen...]
            }
        }
        literal += rest
        if !literal.isEmpty { parts.append(.literal(literal)) }
        self.parts = parts
        literalLength = parts.reduce(0) { if case .literal(let text) = $1 { return $0 + text.utf8.count } else { return $0 } }
    }

    /// The text with each placeholder filled from `values`; an unknown placeholder stays as written.
    /// Line breaks at either end are dropped: YAML block texts end with one, while a quoted fragment such
    /// as " (halal saja)" keeps its leading space.
    func render(_ values: [String: String]) -> String {
        var text = ""
        text.reserveCapacity(literalLength + 32 * values.count)
        for part in parts {
            switch part {
            case .literal(let literal): text += literal
            case .placeholder(let name): text += values[name] ?? "{\(name)}"
            }
        }
        while let last = text.last, last.isNewline { text.removeLast() }
        while let first = text.first, first.isNewline { text.removeFirst() }
        return text
    }
}
