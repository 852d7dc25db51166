import Foundation
import LapakLanguage
import LapakRegistry
import Logging
import TelegramBotAPI

/// Creating a group: its name (typed), its kind and kelurahan (buttons), then its members, toggled from
/// the beginners of that kind or the businesses of that kind and kelurahan, a page at a time.
extension BusinessGroupFeature {
    /// Candidates shown per page of the member picker.
    static let candidatesPerPage = 8

    /// Asks the question of the draft's current step.
    func askStep(_ draft: GroupDraft, _ context: BotContext) throws {
        let language = context.language
        let name = HTML.escape(draft.name ?? "")
        switch draft.step {
        case .name:
            try send(texts.text("group_ask_name", language), to: context, keyboard: cancelKeyboard(language))
        case .category:
            try send(texts.text("group_ask_category", language, ["name": name]), to: context,
                     keyboard: .inlineKeyboard(categoryKeyboard(page: 0, language, prefix: "kg:")))
        case .kelurahan:
            let buttons = Kelurahan.bontang.enumerated().map { InlineKeyboardButton(text: $0.element.name, callbackData: "kg:l:\($0.offset)") }
            let rows = stride(from: 0, to: buttons.count, by: 3).map { Array(buttons[$0..<min($0 + 3, buttons.count)]) }
            try send(texts.text("group_ask_kelurahan", language, ["name": name]), to: context, keyboard: .inlineKeyboard(InlineKeyboardMarkup(rows: rows)))
        case .members:
            let (text, keyboard) = try membersPanel(draft, context)
            try send(text, to: context, keyboard: .inlineKeyboard(keyboard))
        }
    }

    /// Typed text during creation: the group's name at the first step; later steps take buttons.
    func groupText(_ draft: GroupDraft, text: String, _ context: BotContext) throws {
        guard draft.step == .name else {
            try send(texts.text("use_the_buttons", context.language), to: context)
            return try askStep(draft, context)
        }
        switch VendorInput.businessName(text) {
        case .failure(let problem):
            try send(texts.text(problem.rawValue, context.language), to: context)
        case .success(let name):
            var draft = draft
            draft.name = name
            draft.step = .category
            try context.setDialogState(.creatingGroup(draft))
            try send(texts.text("group_name_received", context.language, ["name": HTML.escape(name)]), to: context, keyboard: mainKeyboard(context.language))
            try askStep(draft, context)
        }
    }

    /// The candidates of the draft's current source, oldest beginners or businesses by name.
    func candidates(_ draft: GroupDraft, _ context: BotContext) throws -> [Business] {
        guard let category = draft.category else { return [] }
        switch draft.source {
        case .beginners: return try context.registry.beginners(category: category, kelurahan: nil, limit: 200)
        case .kindAndKelurahan: return try context.registry.businesses(category: category, kelurahan: draft.kelurahan ?? "", limit: 200)
        }
    }

    /// The member picker: one toggle button per candidate of the page, the sources, paging, save and cancel.
    func membersPanel(_ draft: GroupDraft, _ context: BotContext) throws -> (String, InlineKeyboardMarkup) {
        let language = context.language
        let all = try candidates(draft, context)
        let pages = max(1, (all.count + Self.candidatesPerPage - 1) / Self.candidatesPerPage)
        let page = min(max(draft.page, 0), pages - 1)
        let chosen = Set(draft.members)
        var rows: [[InlineKeyboardButton]] = [[
            InlineKeyboardButton(text: (draft.source == .beginners ? "● " : "") + texts.text("group_source_beginners_button", language), callbackData: "kg:src:b"),
            InlineKeyboardButton(text: (draft.source == .kindAndKelurahan ? "● " : "") + texts.text("group_source_kind_button", language),
                                 callbackData: "kg:src:k"),
        ]]
        for business in all.dropFirst(page * Self.candidatesPerPage).prefix(Self.candidatesPerPage) {
            let mark = chosen.contains(business.id) ? "☑" : "☐"
            rows.append([InlineKeyboardButton(text: "\(mark) \(business.name) · \(business.kelurahan)", callbackData: "kg:t:\(business.id)")])
        }
        var paging: [InlineKeyboardButton] = []
        if page > 0 { paging.append(InlineKeyboardButton(text: texts.text("previous_button", language), callbackData: "kg:p:\(page - 1)")) }
        if page + 1 < pages { paging.append(InlineKeyboardButton(text: texts.text("next_button", language), callbackData: "kg:p:\(page + 1)")) }
        if !paging.isEmpty { rows.append(paging) }
        rows.append([InlineKeyboardButton(text: texts.text("group_save_button", language, ["count": String(draft.members.count)]), callbackData: "kg:save"),
                     InlineKeyboardButton(text: texts.text("cancel_inline_button", language), callbackData: "kg:x")])
        let text = texts.text("group_members_panel", language, [
            "name": HTML.escape(draft.name ?? ""), "category": HTML.escape(label(of: draft.category, language)),
            "kelurahan": HTML.escape(draft.kelurahan ?? "–"), "count": String(draft.members.count),
            "source": texts.text(draft.source == .beginners ? "group_source_beginners" : "group_source_kind", language),
            "candidates": String(all.count), "page": String(page + 1), "pages": String(pages),
        ])
        return (text, InlineKeyboardMarkup(rows: rows))
    }

    /// A button of the creation dialog, valid only at its step.
    func draftButton(_ draft: GroupDraft, _ operation: String, _ argument: String?, _ context: BotContext) throws {
        var draft = draft
        let language = context.language
        switch (operation, draft.step) {
        case ("c", .category):
            guard let page = argument.flatMap(Int.init) else { throw StaleButton() }
            try context.answer()
            return try context.editPressedKeyboard(categoryKeyboard(page: page, language, prefix: "kg:"))
        case ("k", .category):
            guard let slug = argument, bot.taxonomy.category(slug) != nil else { throw StaleButton() }
            draft.category = slug
            draft.step = .kelurahan
        case ("l", .kelurahan):
            guard let index = argument.flatMap(Int.init), Kelurahan.bontang.indices.contains(index) else { throw StaleButton() }
            draft.kelurahan = Kelurahan.bontang[index].name
            draft.step = .members
        case ("src", .members):
            guard let source = argument.map({ $0 == "b" ? GroupDraft.Source.beginners : .kindAndKelurahan }) else { throw StaleButton() }
            draft.source = source
            draft.page = 0
            return try updatePanel(draft, context)
        case ("p", .members):
            guard let page = argument.flatMap(Int.init), page >= 0 else { throw StaleButton() }
            draft.page = page
            return try updatePanel(draft, context)
        case ("t", .members):
            guard let id = argument.flatMap(Int64.init) else { throw StaleButton() }
            // Only a candidate on offer (or one already chosen) can be toggled: a forged id is refused.
            let offered = try candidates(draft, context).contains { $0.id == id }
            guard draft.members.contains(id) || offered else { throw StaleButton() }
            guard draft.toggle(id) else {
                return try context.answer(texts.text("group_full", language, ["max": String(GroupDraft.maxMembers)]), alert: true)
            }
            return try updatePanel(draft, context)
        case ("save", .members):
            return try saveGroup(draft, context)
        case ("x", _):
            try context.answer()
            try context.setDialogState(nil)
            try context.editPressedKeyboard(nil)
            return try send(texts.text("cancelled", language), to: context, keyboard: mainKeyboard(language))
        default:
            throw StaleButton()
        }
        try context.answer()
        try context.editPressedKeyboard(nil)
        try context.setDialogState(.creatingGroup(draft))
        try askStep(draft, context)
    }

    /// Stores the draft and redraws the member picker in place.
    private func updatePanel(_ draft: GroupDraft, _ context: BotContext) throws {
        try context.answer()
        try context.setDialogState(.creatingGroup(draft))
        let (text, keyboard) = try membersPanel(draft, context)
        try context.editPressedMessage(text, keyboard: keyboard)
    }

    /// Creates the group; its members' owners hear that they belong to it.
    private func saveGroup(_ draft: GroupDraft, _ context: BotContext) throws {
        let language = context.language
        guard let name = draft.name, let category = draft.category, let kelurahan = draft.kelurahan else { throw StaleButton() }
        guard !draft.members.isEmpty else { return try context.answer(texts.text("group_no_members", language), alert: true) }
        try context.answer()
        let group: BusinessGroup
        let added: Set<Int64>
        if let id = draft.groupID {
            // Changing an existing group's members: only the newly added hear of it.
            guard try context.registry.businessGroup(id: id) != nil else { throw StaleButton() }
            added = Set(try context.registry.setMembers(ofGroup: id, to: draft.members, now: context.now))
            guard let changed = try context.registry.businessGroup(id: id) else { throw StaleButton() }
            group = changed
        } else {
            group = try context.registry.createGroup(name: name, category: category, kelurahan: kelurahan, members: draft.members,
                                                     by: context.user.id, now: context.now)
            added = Set(draft.members)
        }
        try context.setDialogState(nil)
        try context.editPressedKeyboard(nil)
        logger.info("Business group saved", metadata: ["group": "\(group.id)", "members": "\(group.memberCount)", "staff_id": "\(context.user.id)"])
        try send(texts.text(draft.groupID == nil ? "group_created" : "group_members_saved", language,
                            ["name": HTML.escape(group.name), "count": String(group.memberCount)]), to: context,
                 keyboard: mainKeyboard(language))
        for member in try context.registry.members(ofGroup: group.id) where added.contains(member.id) {
            guard let owner = member.ownerTelegramID else { continue }
            let ownerLanguage = try context.replyLanguage(of: owner)
            try context.send(texts.text("group_member_added", ownerLanguage, ["name": HTML.escape(group.name), "business": HTML.escape(member.name)]),
                             toChat: owner)
        }
    }
}
