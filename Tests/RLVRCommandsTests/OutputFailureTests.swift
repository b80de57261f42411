import Foundation
import Testing
import TestSupport

/// Output that cannot be written (a full disk: /dev/full) is a run-time failure with one line and
/// exit code 1, never a crash and never silent success.
@Suite struct OutputFailureTests {
    /// The README's downloaded model: tests that need real weights run only where it is present.
    static let model = "models/SmolLM2-135M-Instruct.Q4_1.gguf"
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    @Test func everyCommandReportsAFullDisk() throws {
        let model = try tinyModelFolder(prefix: "full-disk") + "/model"
        let commands: [[String]] = [
            ["config", "show", "--config", "configs/tiny/sft.yaml"],
            ["--help"],
            ["bench", "kernels", "--rows", "1", "--seconds", "0.01", "--threads", "1"],
            ["verify"],
            ["inspect", model, "--json"],
            ["tokenize", "--model", model, "--text", "hello"],
            ["score", "--model", model, "--text", "hello there", "--threads", "1"],
            ["generate", "--model", model, "--prompt", "hi", "--max-new-tokens", "3", "--threads", "1"],
        ]
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
