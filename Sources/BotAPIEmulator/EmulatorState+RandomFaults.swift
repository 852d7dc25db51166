import TelegramBotAPI

/// Faults drawn at random for every Bot API request, as an unreliable network or a struggling Telegram
/// produces them: some requests answer 502, some lose their connection.
///
/// A dropped connection happens either before the request is processed (Telegram never saw it) or
/// after (Telegram accepted the message, the answer was lost): a client that retries the latter sends
/// the message twice, and the emulator counts those so that a report can tell them apart.
public struct RandomFaults: Sendable, Hashable {
    /// The share of requests answered with HTTP 502 Bad Gateway (0...1).
    public var serverErrorRate: Double
    /// The share of requests whose connection is dropped (0...1), drawn after the 502s.
    public var dropRate: Double
    /// Of the dropped connections, the share dropped after the request was processed (0...1).
    public var dropAfterProcessingShare: Double
    /// The generator's seed: the same seed and the same order of requests give the same faults.
    public var seed: UInt64

    /// Random faults; rates are clamped to 0...1.
    public init(serverErrorRate: Double, dropRate: Double, dropAfterProcessingShare: Double = 0.5, seed: UInt64 = 1) {
        self.serverErrorRate = min(max(serverErrorRate, 0), 1)
        self.dropRate = min(max(dropRate, 0), 1)
        self.dropAfterProcessingShare = min(max(dropAfterProcessingShare, 0), 1)
        self.seed = seed
    }

    /// Whether any fault can happen.
    public var isActive: Bool { serverErrorRate > 0 || dropRate > 0 }
}

/// What the random faults did so far.
public struct RandomFaultCounts: Sendable, Hashable {
    /// Requests answered 502.
    public var serverErrors = 0
    /// Connections dropped before the request was processed.
    public var droppedBeforeProcessing = 0
    /// Connections dropped after the request was processed, whatever its outcome.
    public var droppedAfterProcessing = 0
    /// Sending methods (sendMessage, editMessageText, …) that succeeded but whose answer was dropped:
    /// the message is in the chat although the client saw a failure.
    public var acceptedAnswersDropped = 0
    /// `acceptedAnswersDropped` per chat.
    public var acceptedAnswersDroppedByChat: [Int64: Int] = [:]
}

/// The random-fault settings, the generator and the counters, kept by `EmulatorState`.
struct RandomFaultState: Sendable {
    var settings: RandomFaults?
    var generator = FaultGenerator(seed: 1)
    var counts = RandomFaultCounts()
}

/// SplitMix64: small, fast and seedable, so a fault pattern can be replayed.
struct FaultGenerator: Sendable {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    /// A uniform value in [0, 1).
    mutating func unit() -> Double {
        state &+= 0x9E37_79B9_7F4A_7C15
        var value = state
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        value ^= value >> 31
        return Double(value >> 11) / Double(UInt64(1) << 53)
    }
}

extension EmulatorState {
    /// Switches random faults on for every method (getUpdates included), or off with nil; counters restart.
    public func setRandomFaults(_ faults: RandomFaults?) {
        randomFaults = RandomFaultState(settings: faults?.isActive == true ? faults : nil,
                                        generator: FaultGenerator(seed: faults?.seed ?? 1))
    }

    /// Switches random faults on: `serverErrorRate` of requests answer 502, `dropRate` lose their connection
    /// (half of those after the request was processed).
    public func setRandomFaults(serverErrorRate: Double, dropRate: Double, seed: UInt64) {
        setRandomFaults(RandomFaults(serverErrorRate: serverErrorRate, dropRate: dropRate, seed: seed))
    }

    /// What the random faults did since they were last set.
    public var randomFaultCounts: RandomFaultCounts { randomFaults.counts }

    /// Answers a Bot API call like `answer(method:parameters:)`, with a random fault drawn first.
    func answerWithRandomFaults(method: String, parameters: JSONValue) async -> EmulatorAnswer {
        guard let settings = randomFaults.settings else { return await answer(method: method, parameters: parameters) }
        let chatID = parameters["chat_id"]?.int64Value
        let roll = randomFaults.generator.unit()
        if roll < settings.serverErrorRate {
            randomFaults.counts.serverErrors += 1
            record(method, chatID: chatID, status: 502, violated: false)
            return .error(502, Self.reasonPhrase(502))
        }
        guard roll < settings.serverErrorRate + settings.dropRate else { return await answer(method: method, parameters: parameters) }
        guard randomFaults.generator.unit() < settings.dropAfterProcessingShare else {
            randomFaults.counts.droppedBeforeProcessing += 1
            record(method, chatID: chatID, status: 0, violated: false)
            return EmulatorAnswer(status: 200, body: .dropConnection)
        }
        let processed = await answer(method: method, parameters: parameters)
        randomFaults.counts.droppedAfterProcessing += 1
        if processed.status == 200, sendingMethods.contains(method) {
            randomFaults.counts.acceptedAnswersDropped += 1
            if let chatID { randomFaults.counts.acceptedAnswersDroppedByChat[chatID, default: 0] += 1 }
        }
        return EmulatorAnswer(status: 200, body: .dropConnection)
    }
}
