import Foundation
import LapakDatabase
import GRDB
import Testing

@Suite("A citizen's location is kept only for the remembering window")
struct PrivacyTests {
    @Test("After the window the location is neither returned nor stored")
    func forgotten() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lapak-privacy-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let database = try AppDatabase.open(path: folder.appendingPathComponent("lapak.sqlite").path)
        let store = ConversationStore(database: database)
        let shared = Date(timeIntervalSince1970: 1_764_400_000)
        try await store.rememberLocation(of: 1, latitude: 0.1335, longitude: 117.5081, now: shared, window: 1800)
        #expect(try await store.recentLocation(of: 1, now: shared.addingTimeInterval(1799), window: 1800) != nil)
        #expect(try await store.recentLocation(of: 1, now: shared.addingTimeInterval(1801), window: 1800) == nil)

        // Someone else sharing later sweeps the old row out of the file, not just out of view.
        try await store.rememberLocation(of: 2, latitude: 0.14, longitude: 117.49, now: shared.addingTimeInterval(1801), window: 1800)
        let rows = try await database.writer.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM user_location") ?? 0 }
        #expect(rows == 1)
        #expect(try await store.forgetOldLocations(now: shared.addingTimeInterval(4000), window: 1800) == 1)
    }
}
