import BotAPIEmulator
import Foundation
import LapakBot
import LapakRegistry
import ServiceLifecycle
import TelegramBotAPI

/// The terminal side of the demo: turns typed lines into a simulated user's actions and prints the bot's answers.
struct DemoChat: Service {
    let emulator: BotAPIEmulator
    let mode: DemoRunner.Mode
    let script: [String]
    let answerTimeout: Duration
    let output: @Sendable (String) -> Void

    /// The simulated citizen.
    static let user = User(id: 700_001, firstName: "Sari", lastName: "Wulandari", username: "sari_btg", languageCode: "id")

    func run() async throws {
        output(banner)
        switch mode {
        case .scripted:
            for line in script {
                output("› \(line)")
                guard try await perform(line, strict: true) else { break }
            }
            output("(end of the scripted demo: run `make demo` on a terminal to chat yourself)")
        case .interactive:
            output("› ", terminator: false)
            // Ctrl-C triggers graceful shutdown: stop waiting for the terminal at once.
            try await cancelWhenGracefulShutdown {
                for await line in Self.standardInputLines() {
                    guard try await perform(line, strict: false) else { break }
                    output("› ", terminator: false)
                }
            }
            output("")
        }
    }

    private var banner: String {
        """
        Lapak demo — a local Bot API emulator at \(emulator.apiURL) and the real bot, no token, no network.
        You are \(Self.user.firstName) (Telegram user \(Self.user.id)). Type a message, or:
          /lokasi LAT LON   or   /lokasi KELURAHAN   share a location (e.g. /lokasi 0.1335 117.5081, /lokasi Bontang Kuala)
          #N                press button N of the last keyboard
          /tunggu [DETIK]   wait (default 5 s) and show what the bot sent or edited meanwhile (broadcast progress)
          /keluar           quit (or Ctrl-D)
        You are also a vendor (/daftar, /jualan, /usahaku) and agency staff (/umumkan, /verifikasi, /statistik).
        """
    }

    /// Performs one typed line; false when the user wants to leave.
    private func perform(_ rawLine: String, strict: Bool) async throws -> Bool {
        let line = rawLine.trimmingCharacters(in: .whitespaces)
        if line.isEmpty { return true }
        if ["/keluar", "/quit", "/exit"].contains(line.lowercased()) { return false }
        let state = emulator.state
        let chatID = Self.user.id
        let before = await state.botMessages(chatID: chatID)

        if line.lowercased().hasPrefix("/tunggu") {
            let seconds = Int(line.dropFirst("/tunggu".count).trimmingCharacters(in: .whitespaces)) ?? 5
            try? await Task.sleep(for: .seconds(min(max(seconds, 1), 120)))
            for change in Self.changes(from: before, to: await state.botMessages(chatID: chatID)) {
                output((change.edited ? "‹ Lapak (edited): " : "‹ Lapak: ") + render(change.message))
            }
            return true
        }
        do {
            if line.lowercased().hasPrefix("/lokasi") {
                guard let point = Self.point(from: String(line.dropFirst("/lokasi".count))) else {
                    output("  (give a latitude and longitude, e.g. /lokasi 0.1335 117.5081, or a kelurahan: "
                        + Kelurahan.bontang.map(\.name).joined(separator: ", ") + ")")
                    return true
                }
                await state.sendLocation(from: Self.user, latitude: point.latitude, longitude: point.longitude)
            } else if line.hasPrefix("#"), let number = Int(line.dropFirst()) {
                guard try await press(number) else { return true }
            } else {
                await state.sendText(from: Self.user, line)
            }
        } catch {
            output("  (\(error))")
            return true
        }

        // Wait for the bot to send something new or to edit a message (paging edits in place).
        let deadline = ContinuousClock.now + answerTimeout
        var changed: [(message: Message, edited: Bool)] = []
        while changed.isEmpty {
            guard ContinuousClock.now < deadline else {
                if strict { throw DemoError(message: "the bot did not answer “\(line)” within \(answerTimeout)") }
                output("  (no answer yet)")
                return true
            }
            try? await Task.sleep(for: .milliseconds(50))
            changed = Self.changes(from: before, to: await state.botMessages(chatID: chatID))
        }
        // Let a reply made of several messages arrive before printing. The bot paces a run of messages to
        // one chat (a short burst, then about one a second, as Telegram requires), so wait until nothing
        // new has come for a little over a second; else the next answer would show this one's tail.
        var seen = changed.map(\.message)
        var quietSince = ContinuousClock.now
        while ContinuousClock.now - quietSince < .milliseconds(1_300) && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(50))
            let now = Self.changes(from: before, to: await state.botMessages(chatID: chatID)).map(\.message)
            if now != seen {
                seen = now
                quietSince = ContinuousClock.now
            }
        }
        for change in Self.changes(from: before, to: await state.botMessages(chatID: chatID)) {
            output((change.edited ? "‹ Lapak (edited): " : "‹ Lapak: ") + render(change.message))
        }
        await printButtons()
        return true
    }

    /// Messages that are new, or whose text changed, since `before`.
    static func changes(from before: [Message], to after: [Message]) -> [(message: Message, edited: Bool)] {
        let old = Dictionary(before.map { ($0.messageID, $0) }, uniquingKeysWith: { _, last in last })
        return after.compactMap { message in
            guard let previous = old[message.messageID] else { return (message, false) }
            return previous.text != message.text ? (message, true) : nil
        }
    }

    /// The buttons a user can press now: the last inline keyboard, then the reply keyboard.
    private func buttons() async -> [(label: String, press: Press)] {
        let state = emulator.state
        var result: [(String, Press)] = []
        if let message = await state.botMessages(chatID: Self.user.id).last(where: { !($0.replyMarkup?.rows.isEmpty ?? true) }),
           let rows = message.replyMarkup?.rows
        {
            for button in rows.joined() {
                if let data = button.callbackData { result.append((button.text, .inline(messageID: message.messageID, data: data))) }
            }
        }
        if let keyboard = await state.currentReplyKeyboard(chatID: Self.user.id) {
            for button in keyboard.keyboard.joined() { result.append((button.text, .keyboard(button))) }
        }
        return result
    }

    private enum Press {
        case inline(messageID: Int, data: String)
        case keyboard(KeyboardButton)
    }

    private func press(_ number: Int) async throws -> Bool {
        let available = await buttons()
        guard (1...max(available.count, 1)).contains(number), number <= available.count else {
            output("  (there is no button #\(number))")
            return false
        }
        let state = emulator.state
        switch available[number - 1].press {
        case .inline(let messageID, let data):
            try await state.pressInlineButton(from: Self.user, messageID: messageID, callbackData: data)
        case .keyboard(let button):
            // A location button shares the demo user's position: the centre of Bontang Baru.
            let here = Kelurahan.named("Bontang Baru")!
            try await state.pressKeyboardButton(from: Self.user, label: button.text,
                                                location: button.requestLocation ? (here.latitude, here.longitude) : nil)
        }
        return true
    }

    private func printButtons() async {
        let available = await buttons()
        guard !available.isEmpty else { return }
        let labels = available.enumerated().map { "[#\($0.offset + 1) \($0.element.label)]" }
        output("  " + labels.joined(separator: " "))
    }

    private func render(_ message: Message) -> String {
        if let venue = message.venue {
            return "📍 \(venue.title) — \(venue.address) (\(venue.location.latitude), \(venue.location.longitude))"
        }
        if let location = message.location, message.text == nil {
            return "📍 \(location.latitude), \(location.longitude)"
        }
        return TerminalText.plain(fromHTML: message.text ?? "").replacingOccurrences(of: "\n", with: "\n  ")
    }

    static func point(from argument: String) -> (latitude: Double, longitude: Double)? {
        let parts = argument.split(whereSeparator: { $0 == " " || $0 == "," }).map(String.init)
        if parts.count == 2, let latitude = Double(parts[0]), let longitude = Double(parts[1]),
           (-90...90).contains(latitude), (-180...180).contains(longitude)
        {
            return (latitude, longitude)
        }
        if let place = Kelurahan.named(argument) { return (place.latitude, place.longitude) }
        return nil
    }

    /// Lines from standard input, read on a thread of their own so no task blocks on the terminal.
    static func standardInputLines() -> AsyncStream<String> {
        AsyncStream { continuation in
            let reader = Thread {
                while let line = readLine(strippingNewline: true) { continuation.yield(line) }
                continuation.finish()
            }
            reader.start()
        }
    }
}

extension DemoChat {
    fileprivate func output(_ text: String, terminator: Bool) {
        if terminator { output(text) } else { FileHandle.standardOutput.write(Data(text.utf8)) }
    }
}

/// Telegram HTML shown as plain terminal text.
enum TerminalText {
    static func plain(fromHTML html: String) -> String {
        var text = ""
        var insideTag = false
        for character in html {
            if character == "<" { insideTag = true; continue }
            if character == ">" && insideTag { insideTag = false; continue }
            if !insideTag { text.append(character) }
        }
        return text.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&amp;", with: "&")
    }
}
