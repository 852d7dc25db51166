import LapakDemo
import Logging
import Synchronization
import Testing

@Suite("make demo")
struct DemoTests {
    @Test("The scripted demo talks to the real bot through the emulator and shows its answers")
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
        #expect(transcript.contains("The nearest Laundry"))
        #expect(transcript.contains("What I can do"))
        #expect(transcript.contains("Warung Demo Bu Sari</b>") == false && transcript.contains("Warung Demo Bu Sari tersimpan (nomor TG-000001)"))
        #expect(transcript.contains("Kirim pengumuman ini ke 241 pelaku usaha?"))
        #expect(transcript.contains("Pengumuman #1 selesai: terkirim 241 dari 241"))
        #expect(transcript.contains("Terkirim 241 / 241"))
        #expect(transcript.contains("end of the scripted demo"))
    }
}
