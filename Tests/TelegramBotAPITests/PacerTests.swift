import Testing
@testable import TelegramBotAPI

/// The most sends in any window of `length` that ends at a send (the count only rises at a send); with
/// `endingAt`, only windows ending at those instants.
private func busiestWindow(_ sends: [Duration], length: Duration = .seconds(1), endingAt ends: [Duration]? = nil) -> Int {
    let sorted = sends.sorted()
    return (ends ?? sorted).map { end in sorted.filter { $0 > end - length && $0 <= end }.count }.max() ?? 0
}

@Suite("The message pacer: replies never wait for broadcasts, bulk uses what is left")
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

    @Test("Replies never wait for a global slot: 200 citizens during a full-rate broadcast all go at once")
    func repliesNeverWait() {
        let clock = ManualClock()
        let pacer = MessagePacer(rate: 30, clock: clock)
        for index in 0..<30 { _ = pacer.reserveBulkSlot(chatID: 1_000 + Int64(index)) }  // a second of broadcast reserved
        let replies = (0..<200).map { pacer.reserveReplySlot(chatID: Int64($0)) }
        #expect(replies.allSatisfy { $0 == clock.now })
        // The broadcast is what waits: its next slot comes only once the replies have left the window.
        guard case .at(let bulk) = pacer.reserveBulkSlot(chatID: 2_000) else { Issue.record("no slot"); return }
        #expect(bulk >= clock.now + pacer.window)
        #expect(pacer.sendsInWindow(endingAt: bulk) <= 30)  // the 29 bulk sends still in its window, and itself
    }

    @Test("With no broadcast running, replies are not throttled at all except per chat")
    func repliesUnthrottledWithoutBulk() {
        let clock = ManualClock()
        let pacer = MessagePacer(rate: 30, clock: clock)
        for round in 0..<5 {
            #expect((0..<100).allSatisfy { pacer.reserveReplySlot(chatID: Int64(round * 100 + $0)) == clock.now })
            clock.advance(by: .milliseconds(300))
        }
        #expect(pacer.reserveReplySlot(chatID: nil) == clock.now)  // an inline message edit has no chat
    }

    @Test("Bulk takes only what replies leave: every bulk send finds bulk plus replies within the rate in its one-second window")
    func bulkPlusRepliesWithinRate() throws {
        let clock = ManualClock()
        let pacer = MessagePacer(rate: 30, clock: clock)
        var replies: [Duration] = []
        var bulk: [Duration] = []
        var pending: Duration?
        var nextChat: Int64 = 1_000_000
        let step = Duration.milliseconds(5)
        // Four seconds of a broadcast sender (one slot reserved at a time, as BroadcastSender does) while
        // citizens write: a burst of 10 every second and one more every 100 ms (20 a second, below the rate
        // on their own: replies are never throttled, so only then can the sum stay within it).
        for tick in 0..<800 {
            if tick % 200 == 0 { replies += (0..<10).map { pacer.reserveReplySlot(chatID: Int64(tick * 100 + $0)) } }
            if tick % 20 == 7 { replies.append(pacer.reserveReplySlot(chatID: 500_000 + Int64(tick))) }
            if pending == nil {
                guard case .at(let slot) = pacer.reserveBulkSlot(chatID: nextChat) else { Issue.record("distinct chats are free"); return }
                nextChat += 1
                pending = slot
            }
            if let slot = pending, slot <= clock.now {
                if let moved = pacer.recheckBulkSlot(slot) {
                    pending = moved  // citizens filled its window meanwhile: it goes later
                } else {
                    bulk.append(slot)
                    pending = nil
                }
            }
            clock.advance(by: step)
        }
        #expect(replies.allSatisfy { $0 <= clock.now })  // no reply was ever scheduled later than asked
        #expect(bulk.count > 20)  // the broadcast still moves
        // Telegram's check (and the emulator's): when a bulk message arrives, the last second holds fewer
        // than `rate` messages, replies included. Replies themselves are never held, so a window ending at a
        // reply burst may hold more: that is the point, citizens are not queued behind broadcasts.
        #expect(busiestWindow(replies + bulk, endingAt: bulk) <= 30)
        #expect(busiestWindow(bulk) <= 30)
    }

    @Test("A bulk slot whose window citizens filled while it waited moves past them; one that still fits stays")
    func bulkSlotRechecked() throws {
        let clock = ManualClock()
        let pacer = MessagePacer(rate: 30, clock: clock)
        guard case .at(let first) = pacer.reserveBulkSlot(chatID: 1) else { Issue.record("no slot"); return }
        #expect(pacer.recheckBulkSlot(first) == nil)
        guard case .at(let second) = pacer.reserveBulkSlot(chatID: 2) else { Issue.record("no slot"); return }
        let burst = clock.now
        for index in 0..<29 { _ = pacer.reserveReplySlot(chatID: 100 + Int64(index)) }  // with `first`: 30 in the window
        clock.advance(by: second - clock.now)
        let moved = try #require(pacer.recheckBulkSlot(second))
        #expect(moved >= burst + pacer.window)
        clock.advance(by: moved - clock.now)
        #expect(pacer.recheckBulkSlot(moved) == nil)
        guard case .at(let third) = pacer.reserveBulkSlot(chatID: 3) else { Issue.record("no slot"); return }
        #expect(third >= moved + pacer.spacing)
    }

    @Test("One chat: a short burst, then about one message a second; other chats are unaffected")
    func perChatBurst() {
        let clock = ManualClock()
        let pacer = MessagePacer(rate: 30, chatBurst: 3, clock: clock)
        let slots = (0..<6).map { _ in pacer.reserveReplySlot(chatID: 5) }
        #expect(slots[0...2].allSatisfy { $0 == clock.now })
        for index in 3..<6 {
            #expect(slots[index] - slots[index - 1] >= pacer.perChatInterval)
            #expect(slots[index] - slots[index - 1] < pacer.perChatInterval * 1.1)
        }
        #expect(pacer.reserveReplySlot(chatID: 6) == clock.now)
        // After a quiet spell the burst is available again.
        clock.advance(by: .seconds(10))
        #expect((0..<3).allSatisfy { _ in pacer.reserveReplySlot(chatID: 5) == clock.now })
    }

    @Test("A group (negative chat id) gets at most 20 messages a minute")
    func groupSpacing() {
        let clock = ManualClock()
        let pacer = MessagePacer(rate: 30, clock: clock)
        let group: Int64 = -100_123
        let slots = (0..<45).map { _ in pacer.reserveReplySlot(chatID: group) }
        #expect(busiestWindow(slots, length: .seconds(60)) <= 20)
        #expect(slots[20] - slots[0] >= .seconds(60))
        // A private chat with the same number of messages is only held to its burst and one a second.
        let privateSlots = (0..<45).map { _ in pacer.reserveReplySlot(chatID: 100_123) }
        #expect(privateSlots[44] - privateSlots[0] < .seconds(60))
        // Bulk sends to the group count toward its minute as well.
        #expect(pacer.reserveBulkSlot(chatID: group) != .at(clock.now))
    }

    @Test("A bulk message to a chat needs a second since its last message; other chats go meanwhile")
    func bulkPerChat() {
        let clock = ManualClock()
        let pacer = MessagePacer(rate: 30, clock: clock)
        _ = pacer.reserveReplySlot(chatID: 7)
        #expect(pacer.reserveBulkSlot(chatID: 7) == .chatBusyUntil(clock.now + .seconds(1)))
        guard case .at = pacer.reserveBulkSlot(chatID: 8) else { Issue.record("chat 8 should be free"); return }
        clock.advance(by: .seconds(1))
        guard case .at = pacer.reserveBulkSlot(chatID: 7) else { Issue.record("chat 7 should be free again"); return }
    }

    @Test("After a 429 no bulk slot is given before retry_after has passed; replies to other chats still go at once")
    func holdAfterFlood() {
        let clock = ManualClock()
        let pacer = MessagePacer(rate: 30, clock: clock)
        pacer.holdBulk(for: .seconds(3))
        guard case .at(let slot) = pacer.reserveBulkSlot(chatID: 1) else { Issue.record("no slot"); return }
        #expect(slot > clock.now + .seconds(3))
        #expect(pacer.reserveReplySlot(chatID: 2) == clock.now)
    }

    @Test("A chat held by a 429 gets neither replies nor bulk before it ends; other chats are not held")
    func holdChat() {
        let clock = ManualClock()
        let pacer = MessagePacer(rate: 30, clock: clock)
        pacer.holdChat(9, for: .seconds(5))
        #expect(pacer.reserveReplySlot(chatID: 9) == clock.now + .seconds(5))
        #expect(pacer.reserveReplySlot(chatID: 10) == clock.now)
        guard case .chatBusyUntil(let free) = pacer.reserveBulkSlot(chatID: 9) else { Issue.record("chat 9 is held"); return }
        #expect(free >= clock.now + .seconds(5))
        guard case .at = pacer.reserveBulkSlot(chatID: 11) else { Issue.record("chat 11 is not held"); return }
    }

    @Test("The sliding-window search finds the earliest instant with room, counting sends reserved in the future")
    func earliestInWindow() {
        let second = Duration.seconds(1)
        // Nothing recorded: now.
        #expect(MessagePacer.earliest(from: .zero, sends: [], window: second, limit: 2) == .zero)
        // Two sends at 0 fill the window of a limit of 2: the next fits when the first leaves.
        #expect(MessagePacer.earliest(from: .zero, sends: [.zero, .milliseconds(100)], window: second, limit: 2) == second)
        // A future send at 0.5 s: a send at 0 would share its window with it and the one at -0.2 s.
        let sends: [Duration] = [.milliseconds(-200), .milliseconds(500)]
        #expect(MessagePacer.earliest(from: .zero, sends: sends, window: second, limit: 2) == .milliseconds(800))
    }
}
