import BotAPIEmulator
import Logging
import Testing
import TelegramBotAPI

/// Random faults (EmulatorState+RandomFaults.swift) and the probe read-outs (BotAPIEmulator+ProbeControl.swift).
@Suite("Emulator random faults and probe control")
struct EmulatorRandomFaultTests {
    private let ani = User(id: 7_101, firstName: "Ani", languageCode: "id")

    @Test("a connection dropped after processing keeps the message and counts it as accepted with its answer lost")
    func droppedAfterProcessing() async throws {
        try await EmulatorFixture.with { fixture in
            let state = fixture.emulator.state
            await state.registerUsers([ani])
            await state.setRandomFaults(RandomFaults(serverErrorRate: 0, dropRate: 1, dropAfterProcessingShare: 1, seed: 3))
            await #expect(throws: BotAPIError.self) { _ = try await fixture.client.sendMessage(chatID: ani.id, text: "halo") }
            #expect(await state.botMessages(chatID: ani.id).map(\.text) == ["halo"])
            let counts = await state.randomFaultCounts
            #expect(counts.droppedAfterProcessing == 1 && counts.acceptedAnswersDropped == 1)
            #expect(counts.acceptedAnswersDroppedByChat == [ani.id: 1])
        }
    }

    @Test("a connection dropped before processing and a 502 leave no message")
    func droppedBeforeProcessingAndServerError() async throws {
        try await EmulatorFixture.with { fixture in
            let state = fixture.emulator.state
            await state.registerUsers([ani])
            await state.setRandomFaults(RandomFaults(serverErrorRate: 0, dropRate: 1, dropAfterProcessingShare: 0, seed: 3))
            await #expect(throws: BotAPIError.self) { _ = try await fixture.client.sendMessage(chatID: ani.id, text: "satu") }
            await state.setRandomFaults(serverErrorRate: 1, dropRate: 0, seed: 3)
            await #expect(throws: BotAPIError.self) { _ = try await fixture.client.sendMessage(chatID: ani.id, text: "dua") }
            #expect(await state.botMessages(chatID: ani.id).isEmpty)
            #expect(await state.randomFaultCounts.serverErrors == 1)
            await state.setRandomFaults(nil)
            _ = try await fixture.client.sendMessage(chatID: ani.id, text: "tiga")
            #expect(await state.botMessages(chatID: ani.id).map(\.text) == ["tiga"])
        }
    }

    @Test("rates apply to every method at about the shares asked for, the same for the same seed")
    func rates() async throws {
        func run(seed: UInt64) async throws -> RandomFaultCounts {
            try await EmulatorFixture.with { fixture in
                await fixture.emulator.state.setRandomFaults(serverErrorRate: 0.10, dropRate: 0.05, seed: seed)
                for _ in 0..<400 { _ = try? await fixture.client.getMe() }
                return await fixture.emulator.state.randomFaultCounts
            }
        }
        let first = try await run(seed: 11), again = try await run(seed: 11)
        #expect((20...60).contains(first.serverErrors))
        #expect((5...40).contains(first.droppedBeforeProcessing + first.droppedAfterProcessing))
        #expect(first == again)
    }

    @Test("transcripts carry times; batch and registerUsers work over HTTP")
    func probeControl() async throws {
        try await EmulatorFixture.with { fixture in
            let state = fixture.emulator.state
            func control(_ action: String, _ body: JSONValue) async throws -> JSONValue {
                let response = try await fixture.transport.post(HTTPRequest(url: fixture.emulator.apiURL + "/control/" + action,
                                                                            body: body.serialized(), timeout: .seconds(5)))
                #expect(response.status == 200, "\(action)")
                return try JSONValue.parse(response.body)["result"] ?? .null
            }
            let user: JSONValue = ["id": .int(ani.id), "is_bot": false, "first_name": "Ani"]
            let batch = try await control("batch", ["actions": [["action": "sendText", "user": user, "text": "/cari katering"],
                                                                        ["action": "sendLocation", "user": user, "latitude": 0.13, "longitude": 117.49]]])
            #expect(batch.arrayValue?.count == 2)
            #expect(await state.pendingUpdateCount == 2)
            _ = try await fixture.client.sendMessage(chatID: ani.id, text: "🔎 Katering terdekat")
            let transcript = await state.transcript(chatID: ani.id)
            #expect(transcript.count == 3 && transcript[0].at <= transcript[2].at)
            #expect(try await control("registerUsers", ["first_id": 9_000_000, "count": 3]) == 3)
        }
    }
}
