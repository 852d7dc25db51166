import Testing
import TelegramBotAPI

@Suite("The message pacer keeps Telegram's limits by construction")
struct PacerTests {
    @Test("Bulk slots are evenly spaced a little wider than 1/rate, never bunched to catch up")
    func evenSpacing() {
        let clock = ManualClock()
        let pacer = MessagePacer(rate: 30, clock: clock)
        let slots = (0..<31).compactMap { index -> Duration? in
            guard case .at(let slot) = pacer.reserveBulkSlot(chatID: Int64(index)) else { return nil }
            return slot
        }
        #expect(slots.count == 31)
        // 31 slots span more than a second: no one-second window holds more than 30.
        #expect(slots[30] - slots[0] > .seconds(1))
        clock.advance(by: .seconds(10))  // a pause does not earn a burst afterwards
        guard case .at(let first) = pacer.reserveBulkSlot(chatID: 100), case .at(let second) = pacer.reserveBulkSlot(chatID: 101) else {
            Issue.record("no slot")
            return
        }
        #expect(first == clock.now && second - first == pacer.spacing)
    }

    @Test("A reply takes the next free slot ahead of bulk sends: while a broadcast runs it waits at most a slot or two")
    func interactiveFirst() {
        let clock = ManualClock()
        let pacer = MessagePacer(rate: 30, clock: clock)
        #expect(pacer.reserveInteractiveSlot(chatID: 1) == clock.now)  // idle: at once
        guard case .at(let bulk) = pacer.reserveBulkSlot(chatID: 3) else { Issue.record("no slot"); return }
        #expect(bulk == clock.now + pacer.spacing)
        // A reply during the broadcast goes right after the one bulk slot already reserved, before the rest.
        let reply = pacer.reserveInteractiveSlot(chatID: 2)
        #expect(reply == bulk + pacer.spacing && reply - clock.now < .milliseconds(100))
        guard case .at(let nextBulk) = pacer.reserveBulkSlot(chatID: 4) else { Issue.record("no slot"); return }
        #expect(nextBulk == reply + pacer.spacing)
    }

    @Test("One chat gets at most one message a second; other chats go meanwhile")
    func perChat() {
        let clock = ManualClock()
        let pacer = MessagePacer(rate: 30, clock: clock)
        _ = pacer.reserveInteractiveSlot(chatID: 7)
        #expect(pacer.reserveBulkSlot(chatID: 7) == .chatBusyUntil(clock.now + .seconds(1)))
        guard case .at = pacer.reserveBulkSlot(chatID: 8) else { Issue.record("chat 8 should be free"); return }
        clock.advance(by: .seconds(1))
        guard case .at = pacer.reserveBulkSlot(chatID: 7) else { Issue.record("chat 7 should be free again"); return }
    }

    @Test("After a 429 no bulk slot is given before retry_after has passed")
    func holdAfterFlood() {
        let clock = ManualClock()
        let pacer = MessagePacer(rate: 30, clock: clock)
        pacer.holdBulk(for: .seconds(3))
        guard case .at(let slot) = pacer.reserveBulkSlot(chatID: 1) else { Issue.record("no slot"); return }
        #expect(slot > clock.now + .seconds(3))
    }
}
