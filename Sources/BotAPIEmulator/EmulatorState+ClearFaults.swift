import TelegramBotAPI

extension EmulatorState {
    /// Removes every fault still waiting to be injected (a test's "the network is back").
    public func clearFaults() {
        faults.removeAll()
    }
}
