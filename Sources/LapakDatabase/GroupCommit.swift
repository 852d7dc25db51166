import GRDB
import Synchronization

/// Runs short units of work that arrive together in one write transaction (group commit), each in its
/// own savepoint.
///
/// Why: under a crowd, each update's handler is a transaction of a fraction of a millisecond, and the
/// commit, the WAL pages it writes and the threads waiting for the writer cost more than the work.
/// Units that arrive while a transaction runs are taken together by the next one. A unit that throws
/// is rolled back to its savepoint alone and its `recover` runs in its place; the others commit.
public final class GroupCommit: Sendable {
    /// One waiting unit: its work and what to do when the work throws.
    private struct Unit: Sendable {
        let id: UInt64
        let work: @Sendable (Database) throws -> any Sendable
        let recover: @Sendable (any Error, Database) throws -> any Sendable
    }

    /// What wakes a waiting caller: its outcome is ready, or it is to run the next batch.
    private enum Signal: Sendable {
        case done, lead
    }

    private struct State {
        var waiting: [Unit] = []
        var leading = false
        var wakers: [UInt64: CheckedContinuation<Signal, Never>] = [:]
        var outcomes: [UInt64: Result<any Sendable, any Error>] = [:]
        var nextID: UInt64 = 0
    }

    private let writer: any DatabaseWriter
    private let maxBatch: Int
    private let state = Mutex(State())

    /// Group commits into `writer`, at most `maxBatch` units a transaction.
    public init(writer: any DatabaseWriter, maxBatch: Int = 64) {
        self.writer = writer
        self.maxBatch = max(1, maxBatch)
    }

    /// Runs `work` in a transaction shared with the units waiting now; if it throws, its savepoint is
    /// rolled back and `recover` runs instead. Throws only when the transaction itself fails to commit,
    /// in which case nothing of any unit in it happened.
    ///
    /// A caller that finds no batch running runs the next one itself, on its own thread, then hands the
    /// lead to the next waiting caller: nobody runs other callers' batches for long.
    public func run<Output: Sendable>(_ work: @escaping @Sendable (Database) throws -> Output,
                                      recover: @escaping @Sendable (any Error, Database) throws -> Output) async throws -> Output {
        let id = state.withLock { state -> UInt64 in
            state.nextID += 1
            state.waiting.append(Unit(id: state.nextID, work: { try work($0) }, recover: { try recover($0, $1) }))
            return state.nextID
        }
        while true {
            let signal = await withCheckedContinuation { (continuation: CheckedContinuation<Signal, Never>) in
                let immediate = state.withLock { state -> Signal? in
                    if state.outcomes[id] != nil { return .done }
                    if !state.leading {
                        state.leading = true
                        return .lead
                    }
                    state.wakers[id] = continuation
                    return nil
                }
                if let immediate { continuation.resume(returning: immediate) }
            }
            if case .lead = signal { runBatch() }
            if let outcome = state.withLock({ $0.outcomes.removeValue(forKey: id) }) {
                // The unit's own closures produced the value, so its type is Output.
                return try outcome.get() as! Output
            }
        }
    }

    /// Runs the oldest waiting units in one transaction, then wakes their callers and hands the lead on.
    private func runBatch() {
        let batch = state.withLock { state -> [Unit] in
            let batch = Array(state.waiting.prefix(maxBatch))
            state.waiting.removeFirst(batch.count)
            return batch
        }
        var outcomes: [Result<any Sendable, any Error>] = []
        if !batch.isEmpty {
            do {
                try writeOnCallingThread { db in
                    outcomes = batch.map { Self.run($0, in: db) }
                }
            } catch {
                outcomes = batch.map { _ in .failure(error) }  // the commit failed: nothing of the batch happened
            }
        }
        let wake = state.withLock { state -> [(CheckedContinuation<Signal, Never>, Signal)] in
            var wake: [(CheckedContinuation<Signal, Never>, Signal)] = []
            for (unit, outcome) in zip(batch, outcomes) {
                state.outcomes[unit.id] = outcome
                if let waker = state.wakers.removeValue(forKey: unit.id) { wake.append((waker, .done)) }
            }
            state.leading = false
            // The next caller in line leads; one that has not started waiting yet will find no leader and lead.
            if let next = state.waiting.first, let waker = state.wakers.removeValue(forKey: next.id) {
                state.leading = true
                wake.append((waker, .lead))
            }
            return wake
        }
        for (waker, signal) in wake { waker.resume(returning: signal) }
    }

    /// The batch's transaction on the leader's own thread (the synchronous `write`, not the async one).
    private func writeOnCallingThread(_ updates: (Database) throws -> Void) throws {
        try writer.write(updates)
    }

    private static func run(_ unit: Unit, in db: Database) -> Result<any Sendable, any Error> {
        var output: (any Sendable)?
        do {
            try db.inSavepoint {
                output = try unit.work(db)
                return .commit
            }
        } catch {
            do {
                try db.inSavepoint {
                    output = try unit.recover(error, db)
                    return .commit
                }
            } catch {
                return .failure(error)
            }
        }
        guard let output else { return .failure(GroupCommitError()) }
        return .success(output)
    }
}

/// A unit produced no value (cannot happen: a savepoint that commits ran its work to the end).
struct GroupCommitError: Error {}
