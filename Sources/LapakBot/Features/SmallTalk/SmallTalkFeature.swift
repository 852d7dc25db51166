import Foundation
import LapakLanguage
import TelegramBotAPI

/// The small words people type ("halo", "makasih", "thanks"): a short, friendly answer.
///
/// Not the whole /start welcome: someone who says thanks after a search has already been welcomed, and a
/// greeting deserves a greeting back with a hint of what to type, not a page of instructions.
struct SmallTalkFeature: BotFeature, BotFeatureServices {
    let bot: Bot

    func register(in router: inout BotRouter) {
        router.intent(.greeting) { context in
            try send(texts.text("greeting_reply", context.language, ["name": HTML.escape(context.user.firstName)]), to: context)
        }
        router.intent(.thanks) { context in
            try send(texts.text("thanks_reply", context.language), to: context)
        }
    }
}
