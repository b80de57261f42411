import Foundation
import Testing

/// Output that cannot be written (a full disk: /dev/full) is a run-time failure with one line and
/// exit code 1, never a crash and never silent success.
@Suite struct OutputFailureTests {
    static let model = "models/SmolLM2-135M-Instruct.Q4_1.gguf"
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    @Test func everyCommandReportsAFullDisk() throws {
        var commands: [[String]] = [
            ["config", "show", "--config", "configs/tiny/sft.yaml"],
            ["--help"],
            ["bench", "kernels", "--rows", "1", "--seconds", "0.01", "--threads", "1"],
            ["verify"],
        ]
        if FileManager.default.fileExists(atPath: Self.root + "/" + Self.model) {
            commands += [["inspect", Self.model, "--json"], ["tokenize", "--model", Self.model, "--text", "hello"],
                         ["score", "--model", Self.model, "--text", "The capital of France is"]]
        }
        let request = "{\"dataset\": \"gsm8k\", \"response\": \"#### 8\", \"ground_truth\": \"8\"}\n"
        for arguments in commands {
            let outcome = try BinaryRunner.run(arguments, input: request, standardOutput: "/dev/full", directory: Self.root)
            #expect(outcome.status == 1, "rlvr \(arguments.joined(separator: " ")): exit \(outcome.status): \(outcome.output)")
            #expect(outcome.output.contains("rlvr: error: could not write to standard output: No space left on device"),
                    "rlvr \(arguments.joined(separator: " ")): \(outcome.output)")
            #expect(!outcome.output.contains("Fatal error"), "\(outcome.output)")
        }
    }
}
