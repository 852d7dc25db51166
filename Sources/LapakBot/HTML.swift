import Foundation

/// Telegram HTML: escaping of untrusted text and a check of hand-written texts.
public enum HTML {
    /// Escapes `<`, `>`, `&` and `"` so any user- or registry-provided string is shown as written.
    public static func escape(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "&": result += "&amp;"
            case "\"": result += "&quot;"
            default: result.append(character)
            }
        }
        return result
    }

    /// The tags Telegram accepts in HTML parse mode.
    static let allowedTags: Set<String> = ["b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre",
                                           "tg-spoiler", "span", "blockquote", "tg-emoji"]

    /// A description of the first problem in a hand-written HTML text, or nil when Telegram will accept it.
    static func validate(_ text: String) -> String? {
        var open: [String] = []
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            if character == "&" {
                let rest = text[index...]
                guard let semicolon = rest.prefix(10).firstIndex(of: ";"),
                      ["&lt;", "&gt;", "&amp;", "&quot;"].contains(String(rest[...semicolon])) || rest[...semicolon].hasPrefix("&#")
                else { return "a bare & (write &amp;)" }
            } else if character == "<" {
                guard let close = text[index...].firstIndex(of: ">") else { return "a bare < (write &lt;)" }
                let inner = text[text.index(after: index)..<close]
                let closing = inner.hasPrefix("/")
                let name = String(inner.drop(while: { $0 == "/" }).prefix(while: { $0 != " " && $0 != ">" }))
                guard allowedTags.contains(name) else { return "the tag <\(inner)> is not one Telegram accepts" }
                if closing {
                    guard open.last == name else { return "</\(name)> closes a tag that is not open" }
                    open.removeLast()
                } else {
                    open.append(name)
                }
                index = close
            }
            index = text.index(after: index)
        }
        if let unclosed = open.last { return "<\(unclosed)> is never closed" }
        return nil
    }

    /// How long a valid Telegram HTML text is once shown: tags removed, entities counted as one
    /// character, in UTF-16 units as Telegram counts its 4096-character limit.
    static func plainLength(_ html: String) -> Int {
        var length = 0
        var index = html.startIndex
        while index < html.endIndex {
            let character = html[index]
            if character == "<", let close = html[index...].firstIndex(of: ">") {
                index = html.index(after: close)
                continue
            }
            if character == "&", let semicolon = html[index...].prefix(10).firstIndex(of: ";") {
                length += 1
                index = html.index(after: semicolon)
                continue
            }
            length += character.utf16.count
            index = html.index(after: index)
        }
        return length
    }

    /// A Telegram HTML text as plain text (tags dropped, entities decoded), for toasts and alerts, which
    /// Telegram shows without formatting.
    static func plain(_ html: String) -> String {
        html.replacingOccurrences(of: "<[^>]+>", with: "", options: .regularExpression)
            .replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&amp;", with: "&")
    }
}
