import ArgumentParser
import Foundation
import Testing
import RLVRCommands

/// The help of every command reads cleanly: one style of placeholder, no doubled command names, one
/// default per option, examples the command accepts, and `help` of an unknown command is an error.
@Suite struct HelpTextTests {
    /// Every command reachable from `rlvr`, with its path.
    static func commands(_ type: ParsableCommand.Type = RLVR.self, path: [String] = ["rlvr"]) -> [(path: [String], type: ParsableCommand.Type)] {
        [(path, type)] + type.configuration.subcommands.flatMap { commands($0, path: path + [$0._commandName]) }
    }

    @Test func everyHelpTextIsClean() {
        for (path, type) in Self.commands() {
            let help = RLVR.helpMessage(for: type)
            let name = path.joined(separator: " ")
            #expect(!help.contains("\(name) \(path.last!) "), "\(name): the usage repeats the command name")
            #expect(help.range(of: #"<[A-Z]"#, options: .regularExpression) == nil, "\(name): upper-case placeholder in\n\(help)")
            for line in help.split(separator: "\n") where line.contains("(default:") {
                #expect(line.components(separatedBy: "(default:").count == 2, "\(name): two defaults in \(line)")
            }
        }
        func help(_ path: String) -> String {
            guard let type = Self.commands().first(where: { $0.path.joined(separator: " ") == path })?.type else {
                Issue.record("no command \(path)")
                return ""
            }
            return RLVR.helpMessage(for: type)
        }
        #expect(!help("rlvr bench verify").contains("verify verify"))
        #expect(!help("rlvr pipeline").contains("optimizer.lr"))
        #expect(!help("rlvr verify").contains("matrix products"))
    }

    @Test func helpOfAnUnknownCommandIsAnError() {
        #expect(CommandLineEntry.run(["help", "nosuch"]) == 2)
        #expect(CommandLineEntry.run(["help", "bench", "nosuch"]) == 2)
    }
}
