import Foundation
import Testing

/// `rlvr contamination` as a user runs it: the table, the pairs and decontaminated files, and bad
/// input as one line and exit 2.
@Suite struct ContaminationCommandTests {
    static let data = OutputFailureTests.root + "/data/eval"

    static func writeRows(_ folder: String) throws -> String {
        let path = folder + "/train.jsonl"
        let rows = [
            #"{"messages": [{"role": "user", "content": "Janet’s ducks lay 16 eggs per day. She eats three for breakfast every morning and bakes muffins for her friends every day with four. She sells the remainder at the farmers' market daily for $2 per fresh duck egg. How much in dollars does she make every day at the farmers' market?"}]}"#,
            #"{"prompt": "Write a haiku about autumn leaves.", "completion": "…"}"#,
        ]
        try Data((rows.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func tableAndFiles() throws {
        let folder = try temporaryFolder()
        let train = try Self.writeRows(folder)
        let outcome = try BinaryRunner.run(["contamination", "--train", train, "--eval", "gsm8k,ifeval", "--data", Self.data,
                                            "--pairs", folder + "/pairs.jsonl", "--remove", folder + "/clean.jsonl", "--threads", "1"])
        #expect(outcome.status == 0, "\(outcome.output)")
        #expect(outcome.output.contains("| gsm8k | 1319 | 0.08 % (1) |") && outcome.output.contains("| ifeval | 541 | 0.00 % (0) |"), "\(outcome.output)")
        #expect(outcome.output.contains("1 rows kept, 1 removed"), "\(outcome.output)")
        let pairs = try String(contentsOfFile: folder + "/pairs.jsonl", encoding: .utf8)
        #expect(pairs.contains(#""document":0"#) && pairs.contains(#""line":1"#) && pairs.contains(#""eval":"gsm8k""#), "\(pairs)")
        let clean = try String(contentsOfFile: folder + "/clean.jsonl", encoding: .utf8)
        #expect(clean == #"{"prompt": "Write a haiku about autumn leaves.", "completion": "…"}"# + "\n")
        let json = try BinaryRunner.run(["contamination", "--train", train, "--eval", "gsm8k", "--data", Self.data, "--exact", "--json"])
        #expect(json.status == 0 && json.output.contains(#""contaminated":1"#) && json.output.contains(#""mode":"exact""#), "\(json.output)")
    }

    @Test func badInputIsExitTwo() throws {
        let folder = try temporaryFolder()
        let train = try Self.writeRows(folder)
        try Data("{\"messages\": [}\n".utf8).write(to: URL(fileURLWithPath: folder + "/broken.jsonl"))
        let base = ["contamination", "--data", Self.data]
        let cases: [([String], String)] = [
            (["--train", train, "--eval", "gsm9k"], "unknown eval set \"gsm9k\""),
            (["--train", train, "--eval", "gsm8k", "--ngram", "0"], "--ngram must be at least 1, got 0"),
            (["--train", train, "--eval", "gsm8k", "--threshold", "0"], "--threshold must be in (0, 1], got 0.0"),
            (["--train", train, "--eval", "gsm8k", "--threshold", "1.5"], "--threshold must be in (0, 1], got 1.5"),
            (["--train", train, "--eval", "gsm8k", "--exact", "--ngram", "8"], "--exact takes no --ngram or --threshold"),
            (["--train", folder + "/none.jsonl", "--eval", "gsm8k"], "\(folder)/none.jsonl: no such training file"),
            (["--train", folder + "/broken.jsonl", "--eval", "gsm8k"], "\(folder)/broken.jsonl:1: not valid JSON at byte 15: expected a value"),
            (["--train", train, "--eval", "gsm8k", "--remove", train], "is one of the --train files"),
            (["--train", train, "--eval", folder + "/missing.jsonl"], "\(folder)/missing.jsonl"),
        ]
        for (arguments, message) in cases {
            let outcome = try BinaryRunner.run(base + arguments)
            #expect(outcome.status == 2 && outcome.output.contains(message), "\(arguments): \(outcome.output)")
        }
    }
}
