import Foundation
import Testing

/// Row files can be `-` (standard input) or a pipe, as with the Unix tools users chain; unreadable
/// inputs say why in words; token ids outside the vocabulary are errors.
@Suite struct InputCommandTests {
    static let request = "{\"dataset\": \"gsm8k\", \"response\": \"#### 8\", \"ground_truth\": \"8\"}\n"
    static var model: String? {
        let path = OutputFailureTests.root + "/" + OutputFailureTests.model
        return FileManager.default.fileExists(atPath: path) ? path : nil
    }

    @Test func rowsComeFromStandardInputAndPipes() throws {
        for input in ["-", "/dev/stdin"] {
            let outcome = try BinaryRunner.run(["verify", "--input", input], input: Self.request)
            #expect(outcome.status == 0, "--input \(input): \(outcome.output)")
            #expect(outcome.output.contains("\"verified\":true"), "--input \(input): \(outcome.output)")
        }
        if let model = Self.model {
            let outcome = try BinaryRunner.run(["tokenize", "--model", model, "--input", "-"], input: "{\"text\": \"Hello\"}\n")
            #expect(outcome.status == 0 && outcome.output.hasPrefix("["), "\(outcome.output)")
        }
    }

    @Test func unreadableInputsSayWhy() throws {
        let folder = try temporaryFolder()
        let asFolder = try BinaryRunner.run(["verify", "--input", folder])
        #expect(asFolder.status == 2 && asFolder.output.contains("\(folder): is a folder, not a file"), "\(asFolder.output)")
        let missing = try BinaryRunner.run(["verify", "--input", folder + "/none.jsonl"])
        #expect(missing.status == 2 && missing.output.contains("\(folder)/none.jsonl: No such file or directory"), "\(missing.output)")
    }

    @Test func verifyRefusesWhatItCannotCheck() throws {
        let cases: [(String, [String], String)] = [
            (#"{"dataset": "gsm8k", "response": "8", "ground_truth": {"x": 8}}"#, [], "<stdin>:1: gsm8k expects ground_truth as a number or a string, got a JSON object"),
            (#"{"dataset": "gsm8k", "response": "8", "ground_truth": [8]}"#, [], "<stdin>:1: gsm8k expects ground_truth as a number or a string, got a list"),
            (#"{"dataset": "ifeval", "response": "x", "ground_truth": {"instruction_id_list": ["no:such"], "kwargs": [{}]}}"#, [],
             "<stdin>:1: ifeval: unknown instruction id \"no:such\""),
            (Self.request, ["--verifiers", "/nonexistent/plug-ins"], "/nonexistent/plug-ins: no such folder of plug-in verifiers"),
        ]
        for (row, options, message) in cases {
            let outcome = try BinaryRunner.run(["verify"] + options, input: row + "\n")
            #expect(outcome.status == 2, "\(row): \(outcome.output)")
            #expect(outcome.output.contains(message), "\(row): \(outcome.output)")
        }
    }

    @Test func idsOutsideTheVocabularyAreErrors() throws {
        guard let model = Self.model else { return }
        for ids in ["49152", "1,2,70000"] {
            let outcome = try BinaryRunner.run(["tokenize", "--model", model, "--decode", "--text", ids])
            #expect(outcome.status == 2, "--text \(ids): \(outcome.output)")
            #expect(outcome.output.contains("is outside the vocabulary (0..<49152)"), "--text \(ids): \(outcome.output)")
        }
        // a negative number after a space is the option's value, not an unknown option
        let negative = try BinaryRunner.run(["tokenize", "--model", model, "--decode", "--text", "-1"])
        #expect(negative.status == 2 && negative.output.contains("--text: item 1 is \"-1\", expected a non-negative integer token id"), "\(negative.output)")
        let tokens = try BinaryRunner.run(["generate", "--model", model, "--prompt", "hi", "--max-new-tokens", "-5"])
        #expect(tokens.status == 2 && tokens.output.contains("max new tokens must be ≥ 1, got -5"), "\(tokens.output)")
        let rows = try BinaryRunner.run(["tokenize", "--model", model, "--decode", "--input", "-"], input: "{\"ids\": [1, 49152]}\n")
        #expect(rows.status == 2 && rows.output.contains("-:1: token id 49152 is outside the vocabulary"), "\(rows.output)")
    }
}
