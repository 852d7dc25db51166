import LapakDatabase
import LapakLanguage
import LapakRegistry
import TelegramBotAPI

/// Dispatch: from an update to the route that answers it, with access checked on the way.
extension BotRouter {
    /// Answers a message: a command, a dialog's answer, a location, a contact, or free text.
    func route(_ message: Message, _ context: BotContext, bot: Bot) throws {
        guard message.chat.kind == .privateChat else {
            // In groups Lapak speaks only when a command calls it (the handler drops the rest), and then
            // points to the private chat.
            context.route = "group"
            if let command = message.command { try continueInPrivate(command: command, argument: message.commandArgument, context, bot: bot) }
            return
        }
        let state = try context.dialogState()
        if let command = message.command {
            return try route(command: command, argument: message.commandArgument, state: state, context, bot: bot)
        }

        if let location = message.location ?? message.venue?.location {
            let point = GeoPoint(latitude: location.latitude, longitude: location.longitude)
            let live = location.livePeriod.map { LiveShare(messageID: message.messageID, until: bot.liveEnd(period: $0, now: context.now)) }
            context.route = state.map { "dialog:\($0.kind)" } ?? "location"
            if let state, let handle = dialogs[state.kind]?.location, try handle(context, state, point, live) { return }
            context.route = "location"
            if let state, state.capturesInput {
                try context.send(bot.texts.text("unexpected_location", context.language))
                return try askAgain(state, context)
            }
            try locationRoute?(context, point, live)
        } else if let text = message.text {
            try route(text: text, state: state, context, bot: bot)
        } else if let contact = message.contact {
            try route(contact: contact, state: state, context, bot: bot)
        } else {
            try context.send(bot.texts.text("no_text", context.language))
            if let state, dialogs[state.kind]?.holdsAnswers == true { try askAgain(state, context) }  // the dialog still waits
        }
    }

    /// Answers a button press: the route of its prefix, after checking its data and the user's rights.
    func route(_ query: CallbackQuery, _ context: BotContext, bot: Bot) throws {
        let expired = { try context.answer(bot.texts.text("button_expired", context.language)) }
        // Lapak's messages in groups carry only links; a press there cannot be one of its buttons.
        guard query.message.map({ $0.chat.kind == .privateChat }) ?? true else { return try expired() }
        guard let data = query.data, data.utf8.count <= 64 else { return try expired() }
        var parts = data.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        let prefix = parts.removeFirst()
        guard let route = buttons[prefix], route.arguments.contains(parts.count) else { return try expired() }
        context.route = "button:" + prefix
        var press = ButtonPress(query: query, arguments: parts, business: nil)
        do {
            switch route.access {
            case .anyone:
                break
            case .staff:
                guard context.isStaff else { throw StaleButton() }
            case .owner:
                guard let business = try context.registry.business(id: try press.id(0)), business.status != .inactive,
                      business.ownerTelegramID == context.user.id || context.isStaff
                else { throw StaleButton() }
                press.business = business
            }
            try route.handler(context, press)
        } catch is StaleButton {
            try expired()
        }
        // Every press stops its spinner, even when the handler had nothing to say.
        try context.answer()
    }

    /// Runs a command by its action, enforcing its access.
    func run(_ action: CommandAction, argument: String?, _ context: BotContext, bot: Bot) throws {
        guard let route = commands[action] else {
            try context.send(bot.texts.text("unknown_command", context.language, ["command": HTML.escape("/" + action.rawValue)]))
            return
        }
        context.route = action.rawValue
        if route.access == .staff && !context.isStaff {
            try context.send(bot.texts.text("staff_only", context.language))
            return
        }
        try route.handler(context, argument)
    }

    /// Asks a dialog's question again.
    func askAgain(_ state: DialogState, _ context: BotContext) throws {
        try dialogs[state.kind]?.askAgain?(context, state)
    }

    private func route(command: String, argument: String?, state: DialogState?, _ context: BotContext, bot: Bot) throws {
        guard let action = bot.texts.action(forCommand: command) else {
            try context.send(bot.texts.text("unknown_command", context.language, ["command": HTML.escape("/" + command)]))
            return
        }
        try route(action: action, argument: argument, state: state, context, bot: bot)
    }

    /// Runs a command's action unless a dialog holding answers would lose them.
    func route(action: CommandAction, argument: String?, state: DialogState?, _ context: BotContext, bot: Bot) throws {
        // A vendor in the middle of enrolling or editing is not thrown out by another command: nothing typed so far is lost.
        if let state, let dialog = dialogs[state.kind], dialog.holdsAnswers,
           ![.help, .language, .cancel].contains(action), !dialog.continuedBy.contains(action) {
            try context.send(bot.texts.text("dialog_in_progress", context.language))
            return try askAgain(state, context)
        }
        try run(action, argument: argument, context, bot: bot)
    }

    private func route(text: String, state: DialogState?, _ context: BotContext, bot: Bot) throws {
        if bot.matchesButton(text, "cancel_button") { return try run(.cancel, argument: nil, context, bot: bot) }
        if let state, state.capturesInput {
            // "batal", "gak jadi", "cancel" typed during a dialog end it rather than becoming a name or an announcement.
            if text.count <= 20, bot.matcher.understand(text).intent == .cancel { return try run(.cancel, argument: nil, context, bot: bot) }
            context.route = "dialog:\(state.kind)"
            if let handle = dialogs[state.kind]?.text, try handle(context, state, text) { return }
        }
        if let button = keyboardButtons.first(where: { bot.matchesButton(text, $0.key) }) {
            return try run(button.action, argument: nil, context, bot: bot)
        }
        // A message clearly written in the other language is answered in it, unless the user chose one with /bahasa.
        if let written = bot.matcher.writtenLanguage(of: text), try context.preferences.chosenLanguage(of: context.user.id) == nil {
            context.switchLanguage(to: Language(written))
        }
        let understanding = bot.matcher.understand(text)
        switch understanding.intent {
        case .findNearby:
            context.route = "find"
            try findRoute?(context, understanding, text)
        case .fallback:
            context.route = "fallback"
            if let nameRoute, try nameRoute(context, text) { context.route = "name"; return }
            try fallbackRoute?(context, text)
        case let intent where intentRoutes[intent] != nil:
            context.route = intent.rawValue
            try intentRoutes[intent]?(context)
        case let intent:
            guard let action = intents[intent] else { try fallbackRoute?(context, text); return }
            try run(action, argument: nil, context, bot: bot)
        }
    }

    private func route(contact: Contact, state: DialogState?, _ context: BotContext, bot: Bot) throws {
        let language = context.language
        guard contact.userID == context.user.id else {
            try context.send(bot.texts.text("contact_not_yours", language))
            return
        }
        guard let phone = PhoneNumber.normalise(sharedContact: contact.phoneNumber) else {
            try context.send(bot.texts.text("phone_invalid", language, ["text": HTML.escape(contact.phoneNumber)]))
            return
        }
        context.route = "contact"
        if let state, let dialog = dialogs[state.kind] {
            context.route = "dialog:\(state.kind)"
            if let handle = dialog.contact, try handle(context, state, phone) { return }
            if dialog.holdsAnswers {
                // Another step is waiting: the contact does not replace the answers given so far.
                try context.send(bot.texts.text("unexpected_contact", language))
                return try askAgain(state, context)
            }
        }
        try contactRoute?(context, phone)
    }
}
