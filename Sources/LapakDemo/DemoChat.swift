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
    /// Typed lines in interactive mode; standard input when nil.
    let input: AsyncStream<String>?
    let answerTimeout: Duration
    let output: @Sendable (String) -> Void

    /// The simulated citizen.
    static let user = User(id: 700_001, firstName: "Sari", lastName: "Wulandari", username: "sari_btg", languageCode: "id")

    func run() async throws {
        let screen = DemoScreen(output: output)
        output(banner)
        // Messages that arrive between typed lines (broadcast progress, the announcement, the final report)
        // are printed as they come, not only when the next line or a /tunggu happens to look.
        let watcher = Task { await watch(screen) }
        defer { watcher.cancel() }
        switch mode {
        case .scripted:
            for line in script {
                output("› \(line)")
                guard try await perform(line, on: screen, strict: true) else { break }
            }
            output("(end of the scripted demo: run `make demo` on a terminal to chat yourself)")
        case .interactive:
            prompt()
            // Ctrl-C triggers graceful shutdown: stop waiting for the terminal at once.
            try await cancelWhenGracefulShutdown {
                for await line in input ?? Self.standardInputLines() {
                    guard try await perform(line, on: screen, strict: false) else { break }
                    prompt()
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
          #N                press button N: those of the newest keyboard (older ones are marked stale), then the reply keyboard
          /tunggu [DETIK]   wait (default 5 s); what the bot sends or edits meanwhile is shown as it comes
          /tunggu TEKS      wait until the bot shows TEKS (at most 120 s), e.g. /tunggu selesai
          /keluar           quit (or Ctrl-D)
        You are also a vendor (/daftar, /jualan, /usahaku) and agency staff (/umumkan, /verifikasi, /statistik).
        """
    }

    /// Whether a person types at a terminal, where the prompt is shown and output may interrupt it.
    private var atTerminal: Bool { mode == .interactive && input == nil }

    /// The prompt, on a terminal only.
    private func prompt() {
        if atTerminal { FileHandle.standardOutput.write(Data("› ".utf8)) }
    }

    /// Prints what the bot sends while no typed line waits for an answer.
    private func watch(_ screen: DemoScreen) async {
        let state = emulator.state
        while !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(300))
            let snapshot = await screen.generation
            let messages = await state.botMessages(chatID: Self.user.id)
            let keyboard = await state.currentReplyKeyboard(chatID: Self.user.id)
            if await screen.showIfIdle(messages, readAt: snapshot, replyKeyboard: keyboard, interrupting: atTerminal) { prompt() }
        }
    }

    /// Performs one typed line; false when the user wants to leave.
    private func perform(_ rawLine: String, on screen: DemoScreen, strict: Bool) async throws -> Bool {
        let line = rawLine.trimmingCharacters(in: .whitespaces)
        if line.isEmpty { return true }
        if ["/keluar", "/quit", "/exit"].contains(line.lowercased()) { return false }
        if line.lowercased().hasPrefix("/tunggu") {
            // The watcher prints what comes meanwhile.
            let argument = line.dropFirst("/tunggu".count).trimmingCharacters(in: .whitespaces)
            if argument.isEmpty || Int(argument) != nil {
                try? await Task.sleep(for: .seconds(min(max(Int(argument) ?? 5, 1), 120)))
            } else {
                // Until the bot shows the text (a report that takes as long as the machine is slow), or 120 s.
                let deadline = ContinuousClock.now + .seconds(120)
                while ContinuousClock.now < deadline,
                      !(await emulator.state.botMessages(chatID: Self.user.id).contains { $0.text?.contains(argument) == true }) {
                    try? await Task.sleep(for: .milliseconds(200))
                }
            }
            return true
        }
        await screen.setBusy(true)
        let result = try await answer(line, on: screen, strict: strict)
        await screen.setBusy(false)
        return result
    }

    /// Sends one line's action and prints the bot's answer to it.
    private func answer(_ line: String, on screen: DemoScreen, strict: Bool) async throws -> Bool {
        let state = emulator.state
        let chatID = Self.user.id
        // What arrived unseen before this line is printed first, so the answer below is this line's own.
        await screen.show(await state.botMessages(chatID: chatID), replyKeyboard: await state.currentReplyKeyboard(chatID: chatID))
        var query: String?
        do {
            if line.lowercased().hasPrefix("/lokasi") {
                guard let point = Self.point(from: String(line.dropFirst("/lokasi".count))) else {
                    output("  (give a latitude and longitude, e.g. /lokasi 0.1335 117.5081, or a kelurahan: "
                        + Kelurahan.bontang.map(\.name).joined(separator: ", ") + ")")
                    return true
                }
                await state.sendLocation(from: Self.user, latitude: point.latitude, longitude: point.longitude)
            } else if line.hasPrefix("#"), let number = Int(line.dropFirst()) {
                let available = await screen.numbered
                guard (1...max(available.count, 1)).contains(number), number <= available.count else {
                    output("  (there is no button #\(number))")
                    return true
                }
                query = try await press(available[number - 1].press)
            } else {
                await state.sendText(from: Self.user, line)
            }
        } catch {
            output("  (\(error))")
            return true
        }

        // Wait for the bot to send something new, to edit a message or its buttons, or to answer the press with a notice.
        let deadline = ContinuousClock.now + answerTimeout
        var toast: String?
        while await screen.changes(in: await state.botMessages(chatID: chatID)).isEmpty {
            if let query, let answered = await state.answeredCallbackQueries[query], let text = answered {
                toast = text
                break
            }
            guard ContinuousClock.now < deadline else {
                if strict { throw DemoError(message: "the bot did not answer “\(line)” within \(answerTimeout)") }
                output("  (no answer yet)")
                return true
            }
            try? await Task.sleep(for: .milliseconds(50))
        }
        // Let a reply made of several messages arrive before printing: wait until the chat has been quiet a
        // while. A script types faster than a person, so its chat soon meets the per-chat spacing (about a
        // message a second after a short burst) and waits longer for quiet.
        let quiet: Duration = strict ? .milliseconds(1_200) : .milliseconds(300)
        var seen = await screen.changes(in: await state.botMessages(chatID: chatID)).count
        var quietSince = ContinuousClock.now
        while ContinuousClock.now - quietSince < quiet, ContinuousClock.now < deadline + .seconds(5) {
            try? await Task.sleep(for: .milliseconds(50))
            let count = await screen.changes(in: await state.botMessages(chatID: chatID)).count
            if count != seen { (seen, quietSince) = (count, ContinuousClock.now) }
        }
        if toast == nil, let query, let answered = await state.answeredCallbackQueries[query] { toast = answered }
        if let toast { await screen.showToast(toast) }
        await screen.show(await state.botMessages(chatID: chatID), replyKeyboard: await state.currentReplyKeyboard(chatID: chatID))
        return true
    }

    /// Presses a numbered button; the callback query's id for an inline button, to find its answer.
    private func press(_ press: DemoScreen.Press) async throws -> String? {
        let state = emulator.state
        switch press {
        case .inline(let messageID, let data):
            let update = try await state.pressInlineButton(from: Self.user, messageID: messageID, callbackData: data)
            if case .callbackQuery(let query) = update.content { return query.id }
            return nil
        case .keyboard(let button):
            // A location button shares the demo user's position: the centre of Bontang Baru.
            let here = Kelurahan.named("Bontang Baru")!
            try await state.pressKeyboardButton(from: Self.user, label: button.text,
                                                location: button.requestLocation ? (here.latitude, here.longitude) : nil)
            return nil
        }
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

extension DemoChat: CustomStringConvertible {
    /// How a service group names it in the log.
    var description: String { "demo chat" }
}
