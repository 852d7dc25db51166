import Foundation

/// Where a handler writes its replies: the reply outbox, inside the update's transaction.
///
/// Replies commit with the handler's effects and the update's "handled" mark, then a `ReplySender` delivers
/// them. Both stores implement it (SQLite's reply outbox, the PostgreSQL one).
public protocol ReplyWriter {
    /// Adds a reply to the outbox and returns it with its row id.
    /// - Parameter messageOf: an earlier reply whose message this request edits, once that one is sent.
    func addReply(_ request: BotRequest, chatID: Int64, updateID: Int64?, messageOf: Int64?, at createdAt: Int64) throws -> OutgoingReply
    /// The Telegram message id of a delivered reply, nil while it is not sent.
    func sentMessageID(ofReply id: Int64) throws -> Int?
}
