/// Hands updates to a fixed set of workers: one chat's updates in order, different chats in parallel.
actor UpdateDispatcher {
    private var queues: [Int64: [Update]] = [:]
    private var readyChats: [Int64] = []
    private var readyHead = 0
    private var readySet: Set<Int64> = []
    private var busyChats: Set<Int64> = []
    private var idleWorkers: [CheckedContinuation<(chat: Int64, update: Update)?, Never>] = []
    private var capacityWaiters: [(limit: Int, continuation: CheckedContinuation<Void, Never>)] = []
    private var closed = false
    /// Updates enqueued and not yet done, running ones included.
    private(set) var pendingCount = 0

    /// Adds an update to its chat's queue.
    func enqueue(_ update: Update, chat: Int64) {
        guard !closed else { return }
        pendingCount += 1
        queues[chat, default: []].append(update)
        if !busyChats.contains(chat) && !readySet.contains(chat) { makeReady(chat) }
    }

    /// The next update for a worker; nil once the dispatcher is closed and nothing is ready.
    func take() async -> (chat: Int64, update: Update)? {
        if let work = nextReadyWork() { return work }
        if closed { return nil }
        return await withCheckedContinuation { idleWorkers.append($0) }
    }

    /// A worker finished the update it took for `chat`.
    func done(chat: Int64) {
        pendingCount -= 1
        busyChats.remove(chat)
        if queues[chat]?.isEmpty == false {
            makeReady(chat)
        } else {
            queues[chat] = nil
        }
        let released = capacityWaiters.filter { pendingCount < $0.limit }
        capacityWaiters.removeAll { pendingCount < $0.limit }
        for waiter in released { waiter.continuation.resume() }
    }

    /// Suspends until fewer than `limit` updates are pending: backpressure for the poller.
    func waitForCapacity(below limit: Int) async {
        guard pendingCount >= limit, !closed else { return }
        await withCheckedContinuation { capacityWaiters.append((limit, $0)) }
    }

    /// Stops handing out work that has not started; running updates finish. Returns how many were left queued.
    @discardableResult
    func close() -> Int {
        closed = true
        let left = queues.values.reduce(0) { $0 + $1.count }
        queues.removeAll()
        readyChats.removeAll()
        readyHead = 0
        readySet.removeAll()
        for worker in idleWorkers { worker.resume(returning: nil) }
        idleWorkers.removeAll()
        for waiter in capacityWaiters { waiter.continuation.resume() }
        capacityWaiters.removeAll()
        return left
    }

    private func makeReady(_ chat: Int64) {
        if !idleWorkers.isEmpty, let work = startWork(for: chat) {
            idleWorkers.removeFirst().resume(returning: work)
            return
        }
        readyChats.append(chat)
        readySet.insert(chat)
    }

    private func nextReadyWork() -> (chat: Int64, update: Update)? {
        while readyHead < readyChats.count {
            let chat = readyChats[readyHead]
            readyHead += 1
            readySet.remove(chat)
            if readyHead > 1024 && readyHead * 2 > readyChats.count {
                readyChats.removeFirst(readyHead)
                readyHead = 0
            }
            if let work = startWork(for: chat) { return work }
        }
        return nil
    }

    private func startWork(for chat: Int64) -> (chat: Int64, update: Update)? {
        guard var queue = queues[chat], !queue.isEmpty else { return nil }
        let update = queue.removeFirst()
        queues[chat] = queue
        busyChats.insert(chat)
        return (chat, update)
    }
}
