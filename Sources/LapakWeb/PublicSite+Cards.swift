import Foundation
import LapakBot
import LapakRegistry
import Synchronization

/// Result cards already rendered, kept with the snapshot they were rendered from.
///
/// Rendering twenty cards with Mustache over `[String: Any]` contexts was most of the CPU of a new search
/// page (each `{{name}}` a walk down the context stack with dynamic casts). A card depends only on its
/// entry, the language and the texts, so one rendered for a snapshot stays right until the snapshot goes;
/// a card with a distance (a search from a location) is rendered each time.
final class CardCache: Sendable {
    struct Key: Hashable, Sendable {
        var index: Int32
        var language: String
        /// Whether the page filters on vendors out today: the template's `{{#today}}` falls back to that
        /// flag for a card without a today line, as it did when cards were a section of the page.
        var sellingToday: Bool
    }

    /// Cards kept at most (a card is under a kilobyte): past it, cards are rendered and not kept.
    static let capacity = 16_384

    private let cards = Mutex<[Key: String]>([:])

    func card(_ key: Key) -> String? { cards.withLock { $0[key] } }

    func keep(_ card: String, for key: Key) {
        cards.withLock { cards in
            if cards.count < Self.capacity { cards[key] = card }
        }
    }
}

extension PublicSite {
    /// The HTML of a page's result cards (`card.mustache` for each entry), from the snapshot's card cache
    /// where it can.
    func cardsHTML(_ entries: [DirectoryEntry], answer: DirectoryAnswer, language: Language, sellingToday: Bool) -> String {
        var snapshot: DirectorySnapshot?
        var indices: [Int32] = []
        if case .snapshot(let made, let page, _) = answer, page.count == entries.count {
            snapshot = made
            indices = page
        }
        var html = ""
        for (position, entry) in entries.enumerated() {
            let key = snapshot.map { _ in CardCache.Key(index: indices[position], language: language.rawValue, sellingToday: sellingToday) }
            let cacheable = entry.distance == nil
            if cacheable, let key, let kept = snapshot?.cards.card(key) {
                html += kept
                continue
            }
            var context = entryContext(entry, language)
            context["t"] = texts.all(language)
            if context["today"] == nil, sellingToday { context["today"] = true }
            let card = render(context, withTemplate: "card") ?? ""
            if cacheable, let key { snapshot?.cards.keep(card, for: key) }
            html += card
        }
        return html
    }
}

/// The search form's option lists, rendered once per language and selection: 31 options through Mustache
/// were a tenth of a new page's CPU, and they change only with the taxonomy (fixed while the site runs).
final class OptionsCache: Sendable {
    private let lists = Mutex<[String: String]>([:])

    /// The list kept under `key`, or `make()`'s, kept.
    func list(_ key: String, _ make: () -> String) -> String {
        if let kept = lists.withLock({ $0[key] }) { return kept }
        let made = make()
        lists.withLock { $0[key] = made }
        return made
    }
}

extension PublicSite {
    /// The kinds' `<option>`s of the search form, `selected` marked.
    func kindOptions(_ language: Language, selected: String?) -> String {
        options.list("kind\u{0}" + language.rawValue + "\u{0}" + (selected ?? "")) {
            let kinds = registry.taxonomy.categories.map { kind -> [String: Any] in
                ["slug": kind.slug, "name": kind.name(language), "emoji": kind.emoji, "selected": kind.slug == selected]
            }
            return render(["kinds": kinds], withTemplate: "kind-options") ?? ""
        }
    }

    /// The kelurahans' `<option>`s of the search form, `selected` marked.
    func kelurahanOptions(_ language: Language, selected: Kelurahan?) -> String {
        options.list("kelurahan\u{0}" + language.rawValue + "\u{0}" + (selected?.name ?? "")) {
            let places = Kelurahan.bontang.sorted { $0.name < $1.name }.map { place -> [String: Any] in
                ["slug": DirectoryRequest.slug(place.name), "name": place.name, "selected": place == selected]
            }
            return render(["kelurahans": places], withTemplate: "kelurahan-options") ?? ""
        }
    }
}
