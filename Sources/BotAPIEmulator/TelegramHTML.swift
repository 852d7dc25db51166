/// Telegram's HTML parse mode: the text a user sees, or the reason Telegram refuses the markup.
enum TelegramHTML {
    struct ParseError: Error {
        let reason: String
    }

    static let tags: Set<String> = ["b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre",
                                    "tg-spoiler", "span", "blockquote", "tg-emoji"]

    /// The displayed text: tags removed, entities decoded; unsupported or unbalanced markup is an error.
    static func displayedText(_ html: String) throws(ParseError) -> String {
        var output = ""
        var open: [String] = []
        var index = html.startIndex
        while index < html.endIndex {
            let character = html[index]
            if character == "<" {
                guard let close = html[index...].firstIndex(of: ">") else {
                    throw ParseError(reason: "Unsupported start tag at byte offset \(html.utf8.distance(from: html.startIndex, to: index))")
                }
                let inner = html[html.index(after: index)..<close]
                let closing = inner.hasPrefix("/")
                let name = String(inner.drop { $0 == "/" }.prefix { $0 != " " && $0 != ">" }).lowercased()
                guard tags.contains(name) else {
                    throw ParseError(reason: "Unsupported start tag \"\(name)\" at byte offset \(html.utf8.distance(from: html.startIndex, to: index))")
                }
                if closing {
                    guard open.last == name else { throw ParseError(reason: "Unmatched end tag \"\(name)\"") }
                    open.removeLast()
                } else {
                    open.append(name)
                }
                index = html.index(after: close)
            } else if character == "&" {
                let rest = html[index...]
                if let semicolon = rest.prefix(12).firstIndex(of: ";") {
                    let entity = String(rest[rest.index(after: index)..<semicolon])
                    if let decoded = decode(entity) {
                        output.append(decoded)
                        index = html.index(after: semicolon)
                        continue
                    }
                    if entity.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "#" }) && !entity.isEmpty {
                        throw ParseError(reason: "Unsupported HTML entity \"&\(entity);\"")
                    }
                }
                output.append("&")
                index = html.index(after: index)
            } else {
                output.append(character)
                index = html.index(after: index)
            }
        }
        if let unclosed = open.last { throw ParseError(reason: "Can't find end tag corresponding to start tag \"\(unclosed)\"") }
        return output
    }

    private static func decode(_ entity: String) -> Character? {
        switch entity {
        case "lt": return "<"
        case "gt": return ">"
        case "amp": return "&"
        case "quot": return "\""
        default:
            guard entity.hasPrefix("#") else { return nil }
            let digits = entity.dropFirst()
            let value = digits.hasPrefix("x") || digits.hasPrefix("X") ? UInt32(digits.dropFirst(), radix: 16) : UInt32(digits)
            return value.flatMap(Unicode.Scalar.init).map(Character.init)
        }
    }
}
