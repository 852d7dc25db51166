import Testing
@testable import TelegramBotAPI

@Suite("JSON over jansson")
struct JSONTests {
    @Test("Text with emoji, quotes, backslashes, slashes and control characters survives a round trip",
          arguments: ["Kue <Bu> \"Ani\" & Co 🍰", "garis\\miring / slash", "baris\nbaru\ttab", "nol\u{0}byte", "中文 العربية 👩🏽‍🍳", ""])
    func stringRoundTrip(text: String) throws {
        let value: JSONValue = ["text": .string(text), "nested": ["list": [1, 2.5, true, nil]]]
        let parsed = try JSONValue.parse(value.serialized())
        #expect(parsed == value)
        #expect(parsed["text"]?.stringValue == text)
    }

    @Test("Slashes are not escaped and output is compact")
    func compactOutput() {
        let text = JSONValue.object(["url": "https://t.me/x"]).serializedString()
        #expect(text == #"{"url":"https://t.me/x"}"#)
    }

    @Test("Large Telegram ids stay integers and floats stay floats")
    func numbers() throws {
        let parsed = try JSONValue.parse(#"{"id": -1001234567890123, "lat": 0.1335, "whole": 117.0}"#)
        #expect(parsed["id"] == .int(-1001234567890123))
        #expect(parsed["lat"]?.doubleValue == 0.1335)
        #expect(parsed["whole"]?.int64Value == 117)
    }

    @Test("A parse error names the line and column")
    func parseError() {
        do {
            _ = try JSONValue.parse("{\n  \"a\": 1,\n  oops\n}")
            Issue.record("parsing should fail")
        } catch {
            #expect(error.line == 3)
            #expect(error.description.contains("line 3"))
        }
    }

    @Test("An update with unknown fields decodes; a command is recognised with and without @BotName")
    func tolerantUpdate() throws {
        let json = try JSONValue.parse(#"""
            {"update_id": 10, "future_field": {"x": 1},
             "message": {"message_id": 5, "date": 1700000000, "new_thing": [1],
                         "from": {"id": 7, "is_bot": false, "first_name": "Ani", "language_code": "en-GB"},
                         "chat": {"id": 7, "type": "private", "first_name": "Ani"},
                         "text": "/cari@LapakBot katering 🍱",
                         "entities": [{"type": "bot_command", "offset": 0, "length": 14}]}}
            """#)
        let update = try Update(json: json)
        guard case .message(let message) = update.content else {
            Issue.record("expected a message")
            return
        }
        #expect(message.command == "cari")
        #expect(message.commandTarget == "LapakBot")
        #expect(message.commandArgument == "katering 🍱")
        #expect(update.chatID == 7)
        #expect(update.sender?.languageCode == "en-GB")
        #expect(try Update(json: update.json) == update)
    }

    @Test("Unknown update kinds are kept by name, not rejected")
    func unknownKind() throws {
        let update = try Update(json: JSONValue.parse(#"{"update_id": 3, "message_reaction": {"chat": {"id": 1}}}"#))
        #expect(update.content == .unhandled(kind: "message_reaction"))
        #expect(update.chatID == nil)
    }

    @Test("A malformed update reports the path of the bad field")
    func malformedPath() throws {
        let json = try JSONValue.parse(#"{"update_id": 4, "message": {"message_id": 1, "date": 1, "chat": {"type": "private"}}}"#)
        #expect(throws: JSONDecodingError(path: "message.chat.id", reason: "missing")) { try Update(json: json) }
    }

    @Test("Keyboards encode as Telegram expects")
    func keyboards() throws {
        let reply = ReplyMarkup.replyKeyboard(ReplyKeyboardMarkup(keyboard: [[KeyboardButton(text: "📍 Lokasi", requestLocation: true)]]))
        #expect(reply.json == ["keyboard": [[["text": "📍 Lokasi", "request_location": true]]], "resize_keyboard": true])
        let inline = ReplyMarkup.inlineKeyboard(InlineKeyboardMarkup(rows: [[InlineKeyboardButton(text: "Berikutnya", callbackData: "n:1")]]))
        #expect(try ReplyMarkup(json: inline.json) == inline)
        #expect(ReplyMarkup.removeKeyboard.json == ["remove_keyboard": true])
    }
}

@Suite("Backoff")
struct BackoffTests {
    @Test("Waits grow exponentially, stay within the upper half of their ceiling and never pass the cap")
    func growth() {
        let backoff = Backoff(initial: .milliseconds(500), maximum: .seconds(30))
        #expect(backoff.delay(afterFailures: 0, jitter: 0) == .milliseconds(250))
        #expect(backoff.delay(afterFailures: 0, jitter: 1) == .milliseconds(500))
        #expect(backoff.delay(afterFailures: 3, jitter: 1) == .seconds(4))
        #expect(backoff.delay(afterFailures: 20, jitter: 1) == .seconds(30))
        #expect(backoff.delay(afterFailures: 20, jitter: 0) == .seconds(15))
    }
}

@Suite("Manual clock")
struct ManualClockTests {
    @Test("A sleeper wakes only when time is advanced past its deadline")
    func advancing() async throws {
        let clock = ManualClock()
        let task = Task { try await clock.sleep(for: .seconds(5)) }
        while clock.sleeperCount == 0 { await Task.yield() }
        clock.advance(by: .seconds(4))
        #expect(clock.sleeperCount == 1)
        clock.advance(by: .seconds(1))
        try await task.value
        #expect(clock.now == .seconds(5))
    }
}
