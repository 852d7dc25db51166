import Foundation
import LapakRegistry

extension IntentMatcher {
    /// The business names `text` asks for, if some business carries them; otherwise none, so that words
    /// that name nothing ("ada tukang jahit gak") search the kind rather than a name nobody has.
    ///
    /// A mistyped word ("Bakso Mas Jokko") that no name carries is replaced by the closest word in spelling
    /// of the names sharing its three-letter pieces, and the name is asked for as corrected. The bot's
    /// search and the website's search box both ask this, so they understand the same words.
    public func registeredNames(in text: String, registry: some BusinessNameIndex) throws -> NameQuery {
        let names = NameQuery(names(in: text))
        if try registry.hasBusinessNamed(names) { return names }
        guard names.alternatives.count == 1, let terms = names.alternatives.first else { return NameQuery() }
        let corrected = try terms.map { term in
            if try registry.hasBusinessNamed(NameQuery([[term]])) { return term }
            return try closestWord(to: term, in: registry.namesSharingTrigrams(with: term)) ?? term
        }
        let fixed = NameQuery([corrected])
        return try corrected != terms && registry.hasBusinessNamed(fixed) ? fixed : NameQuery()
    }
}
