import LapakLanguage
import LapakRegistry
import TelegramBotAPI

/// Who may use a route. The router checks it before the handler runs, so no handler has to remember.
public enum Access: Sendable, Hashable {
    /// Everyone.
    case anyone
    /// The owner of the business named by the button's first argument, or staff. The router loads the
    /// business and hands it to the handler; a press by anyone else is answered as an expired button.
    case owner
    /// Agency staff (`staff.ids`) only; anyone else is told the command is for staff.
    case staff
}

/// A command's handler with its access; `argument` is the text after the command.
struct CommandRoute: Sendable {
    var access: Access
    var handler: @Sendable (BotContext, _ argument: String?) throws -> Void
}

/// A button press as the router hands it over: the query, the data's arguments after its prefix, and
/// for `.owner` routes the business the press acts on (already checked).
struct ButtonPress {
    var query: CallbackQuery
    var arguments: [String]
    var business: Business?

    /// The argument at `index` as an integer id; a forged or malformed one is a stale button.
    func id(_ index: Int) throws -> Int64 {
        guard index < arguments.count, let id = Int64(arguments[index]) else { throw StaleButton() }
        return id
    }

    /// The argument at `index`, if present.
    func argument(_ index: Int) -> String? { index < arguments.count ? arguments[index] : nil }
}

/// A button's handler with its access and how many arguments its data carries.
struct ButtonRoute: Sendable {
    var access: Access
    var arguments: ClosedRange<Int>
    var handler: @Sendable (BotContext, ButtonPress) throws -> Void
}

/// What a dialog does with the user's next message, registered by the feature that owns the dialog.
struct DialogRoute: Sendable {
    /// Whether the dialog holds typed answers that another command must not silently drop.
    var holdsAnswers = false
    /// Commands that may interrupt the dialog without losing it (help, language and cancel always may).
    var continuedBy: Set<CommandAction> = []
    /// The reply key when the user cancels it.
    var cancelledKey = "cancelled"
    /// Free text for the dialog; false when the text is not for it (the router treats it as usual).
    var text: (@Sendable (BotContext, DialogState, String) throws -> Bool)?
    /// A location for the dialog; false when the dialog's current step does not take one.
    var location: (@Sendable (BotContext, DialogState, GeoPoint, LiveShare?) throws -> Bool)?
    /// A contact (the user's own, normalised phone) for the dialog; false when its current step does not take one.
    var contact: (@Sendable (BotContext, DialogState, String) throws -> Bool)?
    /// Asks the dialog's question again after an interruption or an answer that did not fit.
    var askAgain: (@Sendable (BotContext, DialogState) throws -> Void)?
}

/// The bot's routes: commands, free-text intents, buttons, dialogs and the default handlers of
/// locations, contacts and edits. Features register what they answer and who may use it; the table is
/// built once at start and every update is dispatched through it.
struct BotRouter: Sendable {
    private(set) var commands: [CommandAction: CommandRoute] = [:]
    private(set) var intents: [Intent: CommandAction] = [:]
    private(set) var buttons: [String: ButtonRoute] = [:]
    private(set) var dialogs: [DialogState.Kind: DialogRoute] = [:]
    /// The main keyboard's buttons arrive as their labels: reply key → command.
    private(set) var keyboardButtons: [(key: String, action: CommandAction)] = []
    var findRoute: (@Sendable (BotContext, Understanding, _ text: String) throws -> Void)?
    /// Text that names a business ("Amplang Bu Ani") without a kind: returns false when no name matches.
    var nameRoute: (@Sendable (BotContext, String) throws -> Bool)?
    /// Intents answered without a command (small words).
    private(set) var intentRoutes: [Intent: @Sendable (BotContext) throws -> Void] = [:]
    var fallbackRoute: (@Sendable (BotContext, String) throws -> Void)?
    var locationRoute: (@Sendable (BotContext, GeoPoint, LiveShare?) throws -> Void)?
    var contactRoute: (@Sendable (BotContext, String) throws -> Void)?
    var editRoute: (@Sendable (BotContext, Message) throws -> Void)?

    /// Registers a command; `access` has no default, so a staff command cannot be added without saying so.
    mutating func command(_ action: CommandAction, access: Access, _ handler: @escaping @Sendable (BotContext, String?) throws -> Void) {
        precondition(commands[action] == nil, "the command \(action) is registered twice")
        precondition(access != .owner, "a command names no business: use .anyone or .staff")
        commands[action] = CommandRoute(access: access, handler: handler)
    }

    /// Free text understood as `intent` runs the command `action` (with its access).
    mutating func intent(_ intent: Intent, runs action: CommandAction) {
        intents[intent] = action
    }

    /// Free text understood as `intent` is answered by `handler` (an intent with no command of its own).
    mutating func intent(_ intent: Intent, _ handler: @escaping @Sendable (BotContext) throws -> Void) {
        intentRoutes[intent] = handler
    }

    /// A main-keyboard button (its label is the reply text `key`) runs the command `action`.
    mutating func keyboardButton(_ key: String, runs action: CommandAction) {
        keyboardButtons.append((key, action))
    }

    /// Registers the button whose callback data is `prefix:arg1:arg2…`; `access` has no default.
    mutating func button(_ prefix: String, access: Access, arguments: ClosedRange<Int> = 1...1,
                         _ handler: @escaping @Sendable (BotContext, ButtonPress) throws -> Void) {
        precondition(buttons[prefix] == nil, "the button prefix \(prefix) is registered twice")
        precondition(access != .owner || arguments.lowerBound >= 1, "an owner button carries the business id as its first argument")
        buttons[prefix] = ButtonRoute(access: access, arguments: arguments, handler: handler)
    }

    /// Registers what a dialog does with the next message.
    mutating func dialog(_ kind: DialogState.Kind, _ route: DialogRoute) {
        precondition(dialogs[kind] == nil, "the dialog \(kind) is registered twice")
        dialogs[kind] = route
    }

    /// Adds a feature's routes.
    mutating func add(_ feature: some BotFeature) {
        feature.register(in: &self)
    }
}

/// A part of the bot (search, enrollment, check-in, …) that registers its routes in one place.
protocol BotFeature {
    /// Adds this feature's commands, intents, buttons and dialogs to `router`.
    func register(in router: inout BotRouter)
}

/// Thrown by a button handler when the press no longer applies (forged data, another user's
/// business, a finished dialog): the router answers "this button has expired".
struct StaleButton: Error {}

extension BotRouter {
    /// Disagreements between the command menu in `intents/commands.yml` and the registered routes: a
    /// command with no route, or one marked `staff:` there whose route is open to everyone. Checked at
    /// start, so an edited menu cannot open a staff command to citizens.
    func problems(with texts: LanguagePack) -> [String] {
        var problems: [String] = []
        for (language, definitions) in texts.commands.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            for definition in definitions {
                guard let route = commands[definition.action] else {
                    problems.append("/\(definition.command) (\(language.rawValue)) runs \(definition.action.rawValue), which no feature answers")
                    continue
                }
                if definition.staffOnly && route.access != .staff {
                    problems.append("/\(definition.command) (\(language.rawValue)) is marked staff in commands.yml but its route is open to everyone")
                }
            }
        }
        return problems
    }
}
