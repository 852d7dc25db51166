import Foundation
import LapakLanguage
import Logging
import ServiceLifecycle
import TelegramBotAPI

/// What every daemon does before it takes updates, on either store: getMe (retried while the network is
/// down, a rejected token fatal) and the command menu.
struct BotStartup: Sendable {
    let client: BotAPIClient
    let texts: LanguagePack
    let backoff: Backoff
    let clock: any MonotonicClock
    let logger: Logger

    /// getMe, retried while the network is down; a rejected token is fatal.
    func identifyBot() async throws -> User? {
        var failures = 0
        while !Task.isShuttingDownGracefully {
            do {
                return try await cancelWhenGracefulShutdown { try await client.getMe() }
            } catch let error as BotAPIError {
                if Task.isShuttingDownGracefully { return nil }  // SIGTERM while still starting: stop quietly
                if let code = error.errorCode, code == 401 || code == 404 {
                    throw LapakStartupError.tokenRejected(code: code)
                }
                guard error.isTransient else { throw error }
                let delay = backoff.delay(afterFailures: failures, jitter: Double.random(in: 0...1))
                failures += 1
                if case .transport = error {
                    logger.warning("cannot reach \(client.apiURL) (telegram.api_url / LAPAK_TELEGRAM_API_URL); retrying",
                                   metadata: ["error": "\(error)", "retry_in_ms": "\(delay.milliseconds)"])
                } else {
                    logger.warning("The Bot API is not answering yet; retrying", metadata: ["error": "\(error)", "retry_in_ms": "\(delay.milliseconds)"])
                }
                // A SIGTERM during the pause stops the start at once.
                do { try await cancelWhenGracefulShutdown { try await clock.sleep(for: delay) } } catch { return nil }
            } catch {
                return nil
            }
        }
        return nil
    }

    /// Switching back from webhook mode (`lapak run --mode polling`): deletes the webhook, since Telegram
    /// answers getUpdates with 409 while one is set and keeps undelivered updates for getUpdates.
    func deleteWebhook() async {
        do {
            try await client.deleteWebhook()
            logger.notice("Deleted the webhook; receiving updates by long polling")
        } catch {
            logger.warning("Could not delete the webhook; getUpdates will say if one is still set", metadata: ["error": "\(error)"])
        }
    }

    /// setMyCommands for Indonesian (the default for every language) and English.
    func publishCommands() async {
        for (language, code) in [(Language.indonesian, nil), (.english, "en")] as [(Language, String?)] {
            let commands = (texts.commands[language] ?? []).filter { !$0.staffOnly }.map { BotCommand(command: $0.command, description: $0.description) }
            do {
                try await client.setMyCommands(commands, languageCode: code)
            } catch {
                logger.warning("Could not publish the command menu", metadata: ["language": "\(language.rawValue)", "error": "\(error)"])
            }
        }
    }
}
