import Foundation
import PostgresNIO
import TelegramBotAPI

extension PostgresSession: ReplyWriter {
    /// Adds a reply claimed by this session's worker (see `PostgresReplyOutbox`): it sends the reply itself
    /// right after the commit, and another worker takes it over only if the claim lapses.
    public func addReply(_ request: BotRequest, chatID: Int64, updateID: Int64?, messageOf: Int64?, at createdAt: Int64) throws -> OutgoingReply {
        let json = request.parameters.serializedString()
        let claimedBy: String? = worker.isEmpty ? nil : worker
        let expires: Int64? = claimedBy == nil ? nil : createdAt + Int64(replyLease)
        guard let id = try one("""
            INSERT INTO reply_outbox (update_id, chat_id, method, parameters, message_of, created_at, claimed_by, claim_expires_at)
            VALUES (\(updateID), \(chatID), \(request.method), \(json), \(messageOf), \(createdAt), \(claimedBy), \(expires))
            RETURNING id
            """, as: Int64.self) else { throw PostgresStoreError("INSERT INTO reply_outbox returned no id") }
        return OutgoingReply(id: id, chatID: chatID, method: request.method, parameters: request.parameters, messageOf: messageOf,
                             body: Array(json.utf8))
    }

    public func sentMessageID(ofReply id: Int64) throws -> Int? {
        try one("SELECT message_id FROM reply_outbox WHERE id = \(id) AND state = 'sent'", as: Int64?.self).flatMap { $0 }.map(Int.init)
    }
}
