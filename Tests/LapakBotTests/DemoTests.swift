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
        #expect(transcript.contains("‹ Lapak: Halo, Sari!"))
        #expect(transcript.contains("Yang bisa saya lakukan"))
        #expect(transcript.contains("[#1 ❓ Bantuan]"))
        #expect(transcript.contains("answer in English"))
        #expect(transcript.contains("end of the scripted demo"))
    }
}
