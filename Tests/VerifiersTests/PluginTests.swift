import Foundation
import Testing
import Verifiers
import TestSupport

@Suite(.serialized) struct PluginTests {
    static let projectRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func temporaryFolder() throws -> String {
        try ScratchFolder.make("rlvr-plugins")
    }

    @Test func ruleFilesInTheProjectLoadAndWork() throws {
        FileManager.default.changeCurrentDirectoryPath(Self.projectRoot.path)
        let registry = try VerifierRegistry.withPlugins(folder: "verifiers")
        let choice = try registry.verifier(named: "multiple_choice")
        #expect(choice.verify(response: "I think the answer is (c).", groundTruth: .text("C"), prompt: nil).verified)
        #expect(!choice.verify(response: "Answer: B", groundTruth: .text("C"), prompt: nil).verified)
        #expect(choice.verify(response: "no letter", groundTruth: .text("C"), prompt: nil).reason.contains("no answer"))
        let number = try registry.verifier(named: "final_number")
        #expect(number.verify(response: "so it is 1,234.0000001", groundTruth: .text("1234"), prompt: nil).verified)
        #expect(!number.verify(response: "so it is 1,235", groundTruth: .text("1234"), prompt: nil).verified)
    }

    @Test func externalExamplesInPythonAndShell() throws {
        FileManager.default.changeCurrentDirectoryPath(Self.projectRoot.path)
        let registry = try VerifierRegistry.withPlugins(folder: "verifiers")
        let length = try registry.verifier(named: "length_bonus")
        let exact = length.verify(response: "one two three four", groundTruth: .text("4"), prompt: nil)
        #expect(exact.score == 1, "\(exact.reason)")
        let half = length.verify(response: "one two", groundTruth: .text("4"), prompt: nil)
        #expect(half.score == 0.5, "\(half.reason)")
        let tags = try registry.verifier(named: "answer_tags")
        #expect(tags.verify(response: "x <answer>7</answer>", groundTruth: .text(""), prompt: nil).verified)
        #expect(!tags.verify(response: "7", groundTruth: .text(""), prompt: nil).verified)
    }

    @Test func aHangingPluginTimesOutAndIsRestarted() throws {
        let folder = try Self.temporaryFolder()
        let script = folder + "/slow.sh"
        // Answers "1" to ordinary requests, hangs on a request containing "hang".
        try Data("""
        while IFS= read -r line; do
          case "$line" in *hang*) sleep 30 ;; *) echo '{"score": 1}' ;; esac
        done
        """.utf8).write(to: URL(fileURLWithPath: script))
        let verifier = ExternalVerifier(name: "slow", command: ["sh", script], timeout: 0.5)
        #expect(verifier.verify(response: "ok", groundTruth: .text(""), prompt: nil).score == 1)
        let start = Date()
        let stuck = verifier.verify(response: "hang", groundTruth: .text(""), prompt: nil)
        #expect(stuck.score == 0 && stuck.reason.contains("no answer within"))
        #expect(Date().timeIntervalSince(start) < 5)
        #expect(verifier.verify(response: "ok again", groundTruth: .text(""), prompt: nil).score == 1)
        #expect(verifier.restarts >= 1)
    }

    /// A timed-out plug-in is killed with everything it started: `sh -c "sleep …"` leaves no orphan
    /// (which would also keep the engine's output pipe open).
    @Test func aTimedOutPluginLeavesNoProcessBehind() throws {
        let marker = "9\(Int.random(in: 10_000_000..<99_999_999))"
        let verifier = ExternalVerifier(name: "sleepy", command: ["sh", "-c", "sleep \(marker); sleep \(marker)"], timeout: 0.2)
        for request in 0..<5 {
            let verdict = verifier.verify(response: "r\(request)", groundTruth: .text(""), prompt: nil)
            #expect(verdict.score == 0 && verdict.reason.contains("no answer within 0.2 s"), "\(verdict.reason)")
        }
        func sleepers() -> [Int32] {
            let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
            return entries.compactMap { Int32($0) }.filter { pid in
                guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
                return String(decoding: data, as: UTF8.self).contains(marker)
            }
        }
        var left = sleepers()
        for _ in 0..<50 where !left.isEmpty {
            usleep(20_000)
            left = sleepers()
        }
        #expect(left.isEmpty, "\(left.count) processes of the timed-out plug-in are still running")
        for pid in left { kill(pid, SIGKILL) }   // so that a failure does not also hang the test run
    }

    @Test func aPluginThatExitsAtOnceSaysSoInWords() throws {
        let verifier = ExternalVerifier(name: "quitter", command: ["sh", "-c", "exit 3"], timeout: 2)
        let verdict = verifier.verify(response: String(repeating: "x", count: 200_000), groundTruth: .text(""), prompt: nil)
        #expect(verdict.score == 0)
        #expect(verdict.reason.contains("the verifier exited with status 3"), "\(verdict.reason)")
        #expect(!verdict.reason.contains("NSCocoaErrorDomain"), "\(verdict.reason)")
    }

    @Test func aScoreOutsideZeroToOneIsAnErrorNotAClamp() throws {
        let verifier = ExternalVerifier(name: "generous", command: ["sh", "-c", "while read -r line; do echo '{\"score\": 7.5}'; done"], timeout: 2)
        let verdict = verifier.verify(response: "a", groundTruth: .text(""), prompt: nil)
        #expect(verdict.score == 0 && !verdict.verified)
        #expect(verdict.reason.contains("the answer's score 7.5 is outside 0…1"), "\(verdict.reason)")
    }

    @Test func aMissingPluginFolderIsAnError() throws {
        let folder = try Self.temporaryFolder()
        #expect(throws: PluginLoader.Problem.self) { try PluginLoader.load(folder: folder + "/none") }
        try Data("x".utf8).write(to: URL(fileURLWithPath: folder + "/file"))
        #expect(throws: PluginLoader.Problem.self) { try PluginLoader.load(folder: folder + "/file") }
        #expect(try PluginLoader.load(folder: folder).isEmpty)
    }

    @Test func groundTruthsOfTheWrongKindAreNamed() {
        let gsm8k = GSM8KVerifier(), math = MathVerifier(), ifeval = IFEvalVerifier(mode: .strict), tulu = IFEvalTuluVerifier()
        #expect(gsm8k.groundTruthProblem(.text("8")) == nil)
        #expect(gsm8k.groundTruthProblem(.object(["x": .number(8)])) == "gsm8k expects ground_truth as a number or a string, got a JSON object")
        #expect(math.groundTruthProblem(.array([.number(8)])) == "math expects ground_truth as a number or a string, got a list")
        let good: GroundTruth = .object(["instruction_id_list": .array([.string("punctuation:no_comma")]), "kwargs": .array([.object([:])])])
        #expect(ifeval.groundTruthProblem(good) == nil)
        #expect(ifeval.groundTruthProblem(.text("x"))?.contains("expects ground_truth {\"instruction_id_list\"") == true)
        let unknown: GroundTruth = .object(["instruction_id_list": .array([.string("punctuation:no_semicolon")])])
        #expect(ifeval.groundTruthProblem(unknown)?.contains("unknown instruction id \"punctuation:no_semicolon\"") == true)
        #expect(tulu.groundTruthProblem(.object(["func_name": .string("validate_no_commas")])) == nil)
        #expect(tulu.groundTruthProblem(.object(["func_name": .string("validate_nothing")])) == "ifeval_tulu: unknown func_name \"validate_nothing\"")
    }

    @Test func aCrashingOrBabblingPluginScoresZero() throws {
        let folder = try Self.temporaryFolder()
        let crash = folder + "/crash.sh"
        try Data("read -r line; exit 3\n".utf8).write(to: URL(fileURLWithPath: crash))
        let crashing = ExternalVerifier(name: "crash", command: ["sh", crash], timeout: 2)
        #expect(crashing.verify(response: "a", groundTruth: .text(""), prompt: nil).reason.contains("exited"))
        #expect(crashing.verify(response: "b", groundTruth: .text(""), prompt: nil).score == 0)
        let babble = folder + "/babble.sh"
        try Data("while read -r line; do echo 'not json'; done\n".utf8).write(to: URL(fileURLWithPath: babble))
        let babbling = ExternalVerifier(name: "babble", command: ["sh", babble], timeout: 2)
        #expect(babbling.verify(response: "a", groundTruth: .text(""), prompt: nil).reason.contains("not a JSON object"))
        let missing = ExternalVerifier(name: "missing", command: ["/nonexistent/program"], timeout: 1)
        #expect(missing.verify(response: "a", groundTruth: .text(""), prompt: nil).score == 0)
    }

    @Test func badRuleFilesNameTheKey() throws {
        let folder = try Self.temporaryFolder()
        try Data("name: x\ncompare: fuzzy\n".utf8).write(to: URL(fileURLWithPath: folder + "/bad.yaml"))
        #expect(throws: PluginLoader.Problem.self) { try PluginLoader.load(folder: folder) }
        try Data("name: x\nextract: {pattern: '(unclosed'}\n".utf8).write(to: URL(fileURLWithPath: folder + "/bad.yaml"))
        #expect(throws: PluginLoader.Problem.self) { try PluginLoader.load(folder: folder) }
        try Data("name: gsm8k\n".utf8).write(to: URL(fileURLWithPath: folder + "/bad.yaml"))
        #expect(throws: PluginLoader.Problem.self) { try VerifierRegistry.withPlugins(folder: folder) }
        try Data("name: x\nextrct: {}\n".utf8).write(to: URL(fileURLWithPath: folder + "/bad.yaml"))
        #expect(throws: PluginLoader.Problem.self) { try PluginLoader.load(folder: folder) }
    }
}
