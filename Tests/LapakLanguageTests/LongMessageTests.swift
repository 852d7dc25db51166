import Foundation
import LapakLanguage
import Testing

/// A message as long as Telegram allows, for the bounded reading of intent matching.
enum LongMessage {
    /// Filler that means nothing to the matcher: no phrase starts with "x", so no word is a typo of one.
    static func filler(characters: Int) -> String {
        String(repeating: "xqxq ", count: characters / 5 + 1).prefix(characters).trimmingCharacters(in: .whitespaces)
    }

    /// `head`, then filler up to about 4 KB, then `tail`.
    static func text(head: String, tail: String = "") -> String {
        head + " " + filler(characters: 4096 - head.count - tail.count - 2) + " " + tail
    }
}

@Suite("Long messages are read up to a bound")
struct LongMessageTests {
    let matcher = ShippedLanguage.matcher

    @Test("A 4 KB message whose request comes first is understood")
    func requestFirst() {
        let text = LongMessage.text(head: "cari bakso terdekat ya pak")
        #expect(text.count >= 4000)
        #expect(matcher.understand(text) == Understanding(intent: .findNearby, category: "bakso-mie"))
    }

    @Test("A keyword past the bound is not read, one just inside is")
    func keywordPastTheBound() {
        let bound = IntentMatcher.scannedLength
        let inside = LongMessage.filler(characters: bound - 8) + " bakso " + LongMessage.filler(characters: 4000)
        #expect(matcher.understand(inside).category == "bakso-mie")
        let outside = LongMessage.filler(characters: bound + 1) + " bakso " + LongMessage.filler(characters: 4000)
        #expect(matcher.understand(outside) == Understanding(intent: .fallback))
        // Its place decides, not the message's length.
        #expect(matcher.understand(LongMessage.filler(characters: bound + 1) + " bakso").category == nil)
        #expect(matcher.understand(LongMessage.filler(characters: 40) + " bakso").category == "bakso-mie")
    }

    @Test("A word cut by the bound is left out, not read as a shorter word")
    func cutWord() {
        // "ikanbakar…" would be cut to "ikan" and read as fish; it is one long word that means nothing.
        let text = LongMessage.filler(characters: IntentMatcher.scannedLength - 5) + " ikanbakarxxxx " + LongMessage.filler(characters: 100)
        #expect(matcher.understand(text).category == nil)
    }
}
