import LapakDemo
import Logging
import Synchronization
import Testing

@Suite("make demo")
struct DemoTests {
    @Test("The scripted demo talks to the real bot through the emulator and shows what Telegram would: literal < and >, keyboard-only edits, notices, stale keyboards, ✋ Ikut counted")
    func scriptedDemo() async throws {
        let lines = Mutex<[String]>([])
        let demo = DemoRunner(mode: .scripted, output: { line in lines.withLock { $0.append(line) } }, logger: Logger(label: "demo"))
        try await demo.run()
        let transcript = lines.withLock { $0.joined(separator: "\n") }
        #expect(transcript.contains("Registry: 16000 synthetic UMKM"))
        #expect(transcript.contains("‹ Lapak: Halo, Sari!"))
        #expect(transcript.contains("Bagikan lokasi Anda"))
        #expect(transcript.contains("Katering terdekat dari lokasi Anda"))
        #expect(transcript.contains("‹ Lapak: 📍 "))  // the first result as a map pin
        #expect(transcript.contains("Bakso dan mie terdekat"))
        #expect(transcript.contains("Penjahit dan konveksi terdekat"))
        // A trade by name first, an emoji read as its kind, its second page numbered on, thanks, a place outside Bontang.
        #expect(transcript.contains("Fotokopi terdekat dari lokasi Anda") && transcript.contains("1. Fotokopi "), "\(transcript)")
        #expect(transcript.contains("› 🍜\n‹ Lapak: 🔎 Bakso dan mie terdekat"))
        #expect(transcript.contains("  6. ") && transcript.contains("Sebelumnya"), "\(transcript)")
        #expect(transcript.contains("Sama-sama!"))
        #expect(transcript.contains("Your location is outside Kota Bontang"), "\(transcript)")
        #expect(transcript.contains("The nearest Laundry"))
        #expect(transcript.contains("What I can do"))
        #expect(transcript.contains("Warung Demo Bu Sari</b>") == false && transcript.contains("Warung Demo Bu Sari tersimpan (nomor TG-000001)"))
        #expect(transcript.contains("Kirim pengumuman ini ke 241 pelaku usaha?"))
        #expect(transcript.contains("Pengumuman #1 selesai: terkirim 241 dari 241"))
        #expect(transcript.contains("Terkirim 241 / 241"))
        // Texts as Telegram displays them: the entities decoded, nothing taken for a tag.
        #expect(transcript.contains("tidak boleh berisi tanda < atau > atau kode HTML"), "\(transcript)")
        #expect(transcript.contains("untuk <30 orang>, Sabtu"))
        #expect(transcript.contains("‹ Lapak: Jenis usaha: Katering ✔"))
        // Only the newest keyboard is numbered; the older one is printed as stale.
        #expect(transcript.contains("(stale buttons, not pressable by number:"))
        // Sari's own copy of the announcement, her ✋ Ikut with its notice, and /statistik counting it.
        #expect(transcript.contains("ⓘ ✋ Tercatat: Anda ikut. Terima kasih!"), "\(transcript)")
        #expect(transcript.contains("✋ ikut 1"), "\(transcript)")
        // An edit of the buttons alone: the staff's kind picker under the audience panel.
        #expect(transcript.contains("‹ Lapak (new buttons under “📣 Penerima pengumuman”)"))
        #expect(transcript.contains("end of the scripted demo"))
    }

    @Test("An interactive demo prints the broadcast's progress, the announcement and the report as they come, with nothing typed")
    func messagesAtThePrompt() async throws {
        let lines = Mutex<[String]>([])
        let (input, typing) = AsyncStream<String>.makeStream()
        let demo = DemoRunner(mode: .interactive, input: input, sampleSize: 1_000, output: { line in lines.withLock { $0.append(line) } },
                              logger: Logger(label: "demo"))
        let running = Task { try await demo.run() }
        /// Waits (up to a minute) until a printed line contains `text`, as a person reads before typing on.
        func waitFor(_ text: String) async throws {
            let deadline = ContinuousClock.now + .seconds(60)
            while ContinuousClock.now < deadline, !lines.withLock({ $0.contains { $0.contains(text) } }) {
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        for (line, answer) in [("/umumkan Rapat pelaku UMKM, Senin pukul 10.00", "👁 Pratinjau]"), ("#8", "📤 Kirim]"), ("#1", "📤 Terkirim")] {
            typing.yield(line)
            try await waitFor(answer)
        }
        // Nothing more is typed: the progress and the report must still be printed.
        try await waitFor("Pengumuman #1 selesai")
        typing.finish()
        try await running.value
        let transcript = lines.withLock { $0.joined(separator: "\n") }
        #expect(transcript.contains("‹ Lapak: ✅ Pengumuman #1 selesai: terkirim 240 dari 240"), "\(transcript)")
        #expect(transcript.contains("‹ Lapak (edited): "))  // the progress message, edited while nobody typed
    }
}
