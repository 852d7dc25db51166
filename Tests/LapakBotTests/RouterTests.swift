import Foundation
@testable import LapakBot
import LapakLanguage
import LapakRegistry
import Logging
import Testing

@Suite("The router: every command answered, staff commands closed to citizens")
struct RouterTests {
    static let intents = ResourceLocator.locate()!.intentsDirectory

    static func bot() throws -> Bot {
        let texts = try LanguagePack.load(from: intents)
        let taxonomy = try CategoryTaxonomy.load(from: intents.appendingPathComponent("categories.yml"))
        let matcher = try IntentMatcher.load(from: intents, taxonomy: taxonomy)
        return Bot(texts: texts, matcher: matcher, taxonomy: taxonomy, settings: ConversationSettings(), logger: .init(label: "test"))
    }

    @Test("The shipped menu and the routes agree; every staff command in commands.yml is routed as staff")
    func shippedMenuAgrees() throws {
        let bot = try Self.bot()
        let router = bot.router()
        #expect(router.problems(with: bot.texts).isEmpty)
        for action in CommandAction.allCases {
            #expect(router.commands[action] != nil, "\(action) has no route")
        }
        for action in [CommandAction.verify, .broadcast, .stats, .halal] {
            #expect(router.commands[action]?.access == .staff)
        }
    }

    @Test("A menu that marks a public command as staff is refused at start")
    func editedMenuIsChecked() throws {
        let bot = try Self.bot()
        let commands = try String(contentsOf: Self.intents.appendingPathComponent("commands.yml"), encoding: .utf8)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("intents-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: Self.intents, to: folder)
        defer { try? FileManager.default.removeItem(at: folder) }
        // /usahaku marked staff: the route is open to everyone, so the two disagree.
        let edited = commands.replacingOccurrences(of: "action: my_business", with: "action: my_business\n    staff: true")
        try edited.write(to: folder.appendingPathComponent("commands.yml"), atomically: true, encoding: .utf8)
        let texts = try LanguagePack.load(from: folder)
        #expect(!bot.router().problems(with: texts).isEmpty)
    }
}
