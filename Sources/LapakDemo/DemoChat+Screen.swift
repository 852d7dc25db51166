import BotAPIEmulator
import Foundation
import TelegramBotAPI

/// What the terminal has shown of the bot's messages, so that each change is printed once: after the line that
/// caused it, or as it comes while the user sits at the prompt (broadcast progress, an announcement, a report).
///
/// It also keeps the buttons as last numbered, so that `#N` presses what the user saw, never a keyboard that
/// changed or arrived unseen since.
actor DemoScreen {
    /// How a message differs from what was shown of it.
    enum Change: Equatable {
        case new
        /// Its text changed (paging, progress).
        case edited
        /// Only its buttons changed (editMessageReplyMarkup: the staff's kind and kelurahan pickers).
        case keyboard
    }

    /// What pressing a numbered button does.
    enum Press: Equatable {
        case inline(messageID: Int, data: String)
        case keyboard(KeyboardButton)
    }

    private var shown: [Int: Message] = [:]
    /// Messages that carried inline buttons when shown: the newest of them holds the numbered keyboard, even
    /// after its buttons are taken away, so that an older keyboard never becomes pressable again.
    private var keyboardMessages: Set<Int> = []
    /// The reply keyboard as last shown: a message that changes it is a newer keyboard than any inline one before.
    private var lastReplyKeyboard: ReplyKeyboardMarkup?
    /// The buttons as last printed, numbered from 1.
    private(set) var numbered: [(label: String, press: Press)] = []
    /// While a typed line waits for its answer, that line prints; the watcher keeps quiet.
    private(set) var busy = false
    private let output: @Sendable (String) -> Void

    init(output: @escaping @Sendable (String) -> Void) { self.output = output }

    /// How many times something was printed: a snapshot read before a later print is out of date.
    private(set) var generation = 0

    func setBusy(_ value: Bool) { busy = value }

    /// `show` for the watcher: nothing while a typed line waits for its answer, nor from messages read before
    /// the last print (they could undo an edit already shown).
    func showIfIdle(_ messages: [Message], readAt snapshot: Int, replyKeyboard: ReplyKeyboardMarkup?, interrupting: Bool) -> Bool {
        guard !busy, snapshot == generation else { return false }
        return show(messages, replyKeyboard: replyKeyboard, interrupting: interrupting)
    }

    /// The messages that are new or changed since they were last shown, in chat order.
    func changes(in messages: [Message]) -> [(message: Message, change: Change)] {
        Self.changes(from: shown, to: messages)
    }

    /// The messages of `after` that differ from `shown`, and how.
    static func changes(from shown: [Int: Message], to after: [Message]) -> [(message: Message, change: Change)] {
        after.compactMap { message in
            guard let previous = shown[message.messageID] else { return (message, .new) }
            if previous.text != message.text { return (message, .edited) }
            return previous.replyMarkup != message.replyMarkup ? (message, .keyboard) : nil
        }
    }

    /// Prints what changed since last shown, and the buttons that can be pressed now; false when nothing changed.
    ///
    /// Only the newest keyboard is numbered (a message without buttons, such as a map pin, leaves it so): an
    /// older message's buttons are printed as stale, since a press by number on them would act on a keyboard
    /// the user no longer looks at.
    @discardableResult
    func show(_ messages: [Message], replyKeyboard: ReplyKeyboardMarkup?, interrupting: Bool = false) -> Bool {
        let changed = changes(in: messages)
        guard !changed.isEmpty else { return false }
        generation += 1
        if interrupting { output("") }  // off the prompt line the user may be typing on
        for (message, _) in changed where !Self.callbackButtons(of: message).isEmpty { keyboardMessages.insert(message.messageID) }
        if replyKeyboard != lastReplyKeyboard,
           let owner = changed.last(where: { $0.change == .new && Self.callbackButtons(of: $0.message).isEmpty }) {
            keyboardMessages.insert(owner.message.messageID)
        }
        lastReplyKeyboard = replyKeyboard
        let newest = messages.last { keyboardMessages.contains($0.messageID) }
        for (message, change) in changed {
            shown[message.messageID] = message
            switch change {
            case .new: output("‹ Lapak: " + Self.render(message))
            case .edited: output("‹ Lapak (edited): " + Self.render(message))
            case .keyboard: output("‹ Lapak (new buttons under “\(Self.firstLine(of: message))”)")
            }
            let buttons = Self.callbackButtons(of: message)
            if !buttons.isEmpty && message.messageID != newest?.messageID {
                output("  (stale buttons, not pressable by number: " + buttons.map(\.text).joined(separator: " · ") + ")")
            }
        }
        numbered = newest.map { message in
            Self.callbackButtons(of: message).map { ($0.text, Press.inline(messageID: message.messageID, data: $0.callbackData ?? "")) }
        } ?? []
        numbered += (replyKeyboard.map { Array($0.keyboard.joined()) } ?? []).map { ($0.text, .keyboard($0)) }
        if !numbered.isEmpty {
            output("  " + numbered.enumerated().map { "[#\($0.offset + 1) \($0.element.label)]" }.joined(separator: " "))
        }
        return true
    }

    /// A button press answered with a notice (a toast such as "Tombol ini sudah kedaluwarsa").
    func showToast(_ text: String) {
        output("  ⓘ " + text)
    }

    /// The inline buttons of `message` that send a callback (URL buttons open a page, not the bot).
    static func callbackButtons(of message: Message) -> [InlineKeyboardButton] {
        message.replyMarkup.map { $0.rows.joined().filter { $0.callbackData != nil } } ?? []
    }

    /// A message as terminal text. The emulator stores what Telegram displays (tags gone, entities such as
    /// &lt; decoded), so the text is shown as it is: stripping "tags" again would eat a literal "<30 orang>".
    static func render(_ message: Message) -> String {
        if let venue = message.venue {
            return "📍 \(venue.title) — \(venue.address) (\(venue.location.latitude), \(venue.location.longitude))"
        }
        if let location = message.location, message.text == nil {
            return "📍 \(location.latitude), \(location.longitude)"
        }
        return (message.text ?? "").replacingOccurrences(of: "\n", with: "\n  ")
    }

    /// The first line of a message, shortened: enough to tell which message's buttons changed.
    static func firstLine(of message: Message) -> String {
        let line = render(message).split(separator: "\n").first.map(String.init) ?? ""
        return line.count > 60 ? String(line.prefix(60)) + "…" : line
    }
}
