import Foundation
import LapakDatabase
import LapakLanguage
import LapakRegistry
import TelegramBotAPI

/// /start, /bantuan, /batal, /bahasa, and what Lapak says to text it does not understand.
struct GeneralFeature: BotFeature, BotFeatureServices {
    let bot: Bot

    func register(in router: inout BotRouter) {
        router.command(.start, access: .anyone) { context, argument in
            // `/start g-…`: a command carried over from a group by the deep link (see BotRouter+Groups).
            if let argument, try context.routes.runDeepLink(argument, context, bot: bot) { return }
            // `/start u123`: "Chat di Telegram" on the agency's website, for one business.
            if let argument, let id = Self.websiteBusinessID(argument) { return try showPublicCard(id, context) }
            try start(context)
        }
        router.command(.help, access: .anyone) { context, _ in try help(context) }
        router.command(.cancel, access: .anyone) { context, _ in try cancel(context) }
        router.command(.language, access: .anyone) { context, argument in try switchLanguage(to: Self.requestedLanguage(argument), context) }
        for (intent, action) in [(Intent.start, CommandAction.start), (.help, .help), (.cancel, .cancel), (.language, .language)] {
            router.intent(intent, runs: action)
        }
        router.keyboardButton("help_button", runs: .help)
        router.fallbackRoute = { context, text in try fallback(text, context) }
    }

    /// /start begins afresh: any dialog is dropped. Someone who owns no business yet also learns how to enrol one.
    func start(_ context: BotContext) throws {
        try context.setDialogState(nil)
        var text = texts.text("start", context.language, ["name": HTML.escape(context.user.firstName)])
        if try context.registry.businesses(ownedBy: context.user.id).isEmpty {
            text += "\n\n" + texts.text("start_enrol_hint", context.language)
        }
        try send(text, to: context, keyboard: mainKeyboard(context.language))
    }

    /// /bantuan: the public help, and for staff the staff commands of commands.yml, which the public menu leaves out.
    func help(_ context: BotContext) throws {
        let language = context.language
        var text = texts.text("help", language)
        if context.isStaff {
            let staffCommands = (texts.commands[language] ?? []).filter(\.staffOnly)
            text += "\n\n" + texts.text("help_staff_header", language) + "\n"
                + staffCommands.map { "/\($0.command) — \(HTML.escape($0.description))" }.joined(separator: "\n")
        }
        try send(text, to: context, keyboard: mainKeyboard(language))
    }

    /// Ends the dialog in progress, saying which one ended.
    func cancel(_ context: BotContext) throws {
        let state = try context.dialogState()
        try context.setDialogState(nil)
        let key = state.map { $0.capturesInput ? context.routes.dialogs[$0.kind]?.cancelledKey ?? "cancelled" : "nothing_to_cancel" } ?? "nothing_to_cancel"
        try send(texts.text(key, context.language), to: context, keyboard: mainKeyboard(context.language))
    }

    /// Switches to `requested`, or to the other language when none is named; the choice is stored.
    func switchLanguage(to requested: Language?, _ context: BotContext) throws {
        let chosen = requested ?? (context.language == .indonesian ? .english : .indonesian)
        try context.preferences.setLanguage(chosen.rawValue, of: context.user.id, handling: nil)
        context.switchLanguage(to: chosen)
        try send(texts.text("language_switched", chosen), to: context, keyboard: mainKeyboard(chosen))
    }

    /// Text Lapak did not understand: said back (shortened) with the main keyboard.
    func fallback(_ text: String, _ context: BotContext) throws {
        let shown = text.count > 80 ? String(text.prefix(80)) + "…" : text
        try send(texts.text("fallback", context.language, ["text": HTML.escape(shown)]), to: context, keyboard: mainKeyboard(context.language))
    }

    static func requestedLanguage(_ argument: String?) -> Language? {
        switch argument?.lowercased() {
        case "id", "indonesia", "indonesian", "bahasa": return .indonesian
        case "en", "english", "inggris": return .english
        default: return nil
        }
    }
}
