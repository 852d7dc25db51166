import Foundation
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
}

/// What a command does.
public enum CommandAction: String, Sendable, Hashable, CaseIterable {
    case start, help, find, cancel, language
}

/// A command of the menu in one language.
public struct CommandDefinition: Sendable, Hashable {
    public var command: String
    public var action: CommandAction
    public var description: String
}

/// The language data from `intents/`: reply texts and commands, validated at load.
public struct LanguagePack: Sendable {
    /// Reply texts by key and language.
    public private(set) var replies: [String: [Language: String]]
    /// The command menu per language.
    public private(set) var commands: [Language: [CommandDefinition]]

    /// The reply keys the code uses; a missing one stops the daemon at start, not mid-conversation.
    public static let requiredReplies = [
        "start", "help", "fallback", "unknown_command", "no_text", "language_switched", "button_expired", "help_button",
        "search_button", "share_location_button", "cancel_button", "ask_location", "choose_category", "all_kinds_button",
        "more_kinds_button", "any_business", "location_received", "results_header", "halal_suffix", "no_results",
        "nearest_any_instead", "no_more_results", "mode_fixed", "mode_mobile_since", "halal_mark", "verified_mark",
        "unverified_mark", "next_button", "halal_only_button", "all_button", "cancelled", "nothing_to_cancel", "vendor_soon",
        "staff_only",
    ]

    /// Loads and validates `replies.yml` and `commands.yml` from `directory`.
    public static func load(from directory: URL) throws(LanguageDataError) -> LanguagePack {
        let repliesFile = directory.appendingPathComponent("replies.yml")
        let commandsFile = directory.appendingPathComponent("commands.yml")
        let pack = LanguagePack(replies: try loadReplies(repliesFile), commands: try loadCommands(commandsFile))
        for key in requiredReplies where pack.replies[key] == nil {
            throw LanguageDataError(file: repliesFile.path, line: nil, reason: "the reply '\(key)' is missing")
        }
        return pack
    }

    /// The text of reply `key` in `language`, with `{placeholders}` replaced by the given (already safe) values.
    public func text(_ key: String, _ language: Language, _ values: [String: String] = [:]) -> String {
        var text = replies[key]?[language] ?? replies[key]?[.indonesian] ?? key
        for (name, value) in values {
            text = text.replacingOccurrences(of: "{\(name)}", with: value)
        }
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
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
                definitions.append(CommandDefinition(command: command, action: action, description: description))
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
