import Logging
import Synchronization

/// The handling half shared by the long poller and the webhook receiver: updates stored in the inbox are
/// queued per chat and handled by a fixed set of workers, one chat's updates in order, different chats at
/// once; each is marked handled after its handler returns (unless the handler marks it itself).
struct UpdateWorkers: Sendable {
    let dispatcher = UpdateDispatcher()
    let inbox: any UpdateInbox
    let handler: any UpdateHandler
    let logger: Logger
    private let handled = Counter()

    init(inbox: any UpdateInbox, handler: any UpdateHandler, logger: Logger) {
        self.inbox = inbox
        self.handler = handler
        self.logger = logger
    }

    /// Updates whose handling finished since start.
    var handledCount: Int { handled.value.load(ordering: .relaxed) }

    /// Queues a stored update for its chat; an update without a chat (a kind Lapak does not handle) is
    /// marked handled at once.
    func dispatch(_ update: Update) async {
        guard let chat = update.chatID else {
            if case .unhandled(let kind) = update.content {
                logger.debug("Skipping an update kind Lapak does not handle", metadata: ["update_id": "\(update.updateID)", "kind": "\(kind)"])
            }
            await markHandled(update.updateID)
            return
        }
        await dispatcher.enqueue(update, chat: chat)
    }

    /// One worker: takes updates until the dispatcher is closed.
    func work() async {
        while let work = await dispatcher.take() {
            await handle(work.update)
            // A cancelled task is an abrupt stop: leave the update unfinished in the inbox, as a crash would,
            // so the next start handles it again rather than trusting a handler that was cut short.
            if !Task.isCancelled {
                if handler.marksHandled {
                    handled.value.add(1, ordering: .relaxed)  // the handler's own transaction marked it
                } else {
                    await markHandled(work.update.updateID)
                }
            }
            await dispatcher.done(chat: work.chat)
        }
    }

    /// Runs the handler once. Its effects are its own business: a handler that commits them (with its
    /// replies) is never run again for the same update, and a failure is logged, not retried here; the
    /// reply sender retries the failed request instead.
    private func handle(_ update: Update) async {
        do {
            try await handler.handle(update)
        } catch {
            logger.error("Handling an update failed", metadata: ["update_id": "\(update.updateID)", "error": "\(error)"])
        }
    }

    private func markHandled(_ updateID: Int64) async {
        do {
            try await inbox.markHandled(updateID)
            handled.value.add(1, ordering: .relaxed)
        } catch {
            logger.error("Could not record a handled update; it will be handled again after a restart",
                         metadata: ["update_id": "\(updateID)", "error": "\(error)"])
        }
    }

    private final class Counter: Sendable {
        let value = Atomic<Int>(0)
    }
}
