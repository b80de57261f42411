import Foundation
import Testing

/// The README's commands run as written: every quick command of its "Using it" block (inspect,
/// config show, score, tokenize, generate, eval, contamination — seconds each) is run through bash from the repository
/// root with the built binary on the PATH, and must succeed. Commands that train or benchmark take
/// minutes and are exercised by their own tests.
@Suite struct ReadmeCommandTests {
    static let quick: Set<String> = ["inspect", "config", "score", "tokenize", "generate", "eval", "contamination"]

    /// `rlvr …` lines of the first shell block after "## Using it".
    static func readmeCommands() throws -> [String] {
        let readme = try String(contentsOfFile: OutputFailureTests.root + "/README.md", encoding: .utf8)
        guard let section = readme.range(of: "## Using it") else { return [] }
        let rest = readme[section.upperBound...]
        guard let open = rest.range(of: "```sh\n"), let close = rest[open.upperBound...].range(of: "```") else { return [] }
        return rest[open.upperBound..<close.lowerBound].split(separator: "\n").map(String.init).filter { $0.hasPrefix("rlvr ") }
    }

    @Test func quickReadmeCommandsRunAsWritten() throws {
        let commands = try Self.readmeCommands().filter { line in
            let words = line.split(separator: " ")
            return words.count > 1 && Self.quick.contains(String(words[1])) && !line.contains("runs/")
        }
        #expect(commands.count >= 7, "found \(commands)")
        let modelPresent = FileManager.default.fileExists(atPath: OutputFailureTests.root + "/" + OutputFailureTests.model)
        let binaryFolder = URL(fileURLWithPath: DistributedRunTests.binary).deletingLastPathComponent().path
        for line in commands where modelPresent || !line.contains("models/") {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/bash")
            process.arguments = ["-c", line]
            process.currentDirectoryURL = URL(fileURLWithPath: OutputFailureTests.root)
            var environment = ProcessInfo.processInfo.environment
            environment["PATH"] = binaryFolder + ":" + (environment["PATH"] ?? "/usr/bin:/bin")
            process.environment = environment
            let output = Pipe()
            process.standardOutput = output
            process.standardError = output
            try process.run()
            let data = output.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            #expect(process.terminationStatus == 0, "\(line)\n\(String(decoding: data, as: UTF8.self).suffix(600))")
        }
    }
}
