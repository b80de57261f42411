import Foundation
import Testing
import TestSupport
import RLVRCommands

/// `rlvr eval` end to end on a tiny model and a small benchmark folder: results, the resume cache,
/// and bad input as exit 2.
@Suite struct EvalCommandTests {
    @Test func runsResumesAndRefusesOtherSettings() throws {
        let model = try tinyModelFolder(prefix: "eval-model") + "/model"
        let data = try benchmarkDataFolder()
        let out = try ScratchFolder.make("eval-out")
        let base = ["eval", "--model", model, "--data", data, "--out", out, "--threads", "1", "--max-new-tokens", "4"]
        #expect(CommandLineEntry.run(base + ["--tasks", "piqa,gsm8k", "--shots", "2", "--json"]) == 0)
        let first = try String(contentsOfFile: out + "/results.json", encoding: .utf8)
        let samples = try String(contentsOfFile: out + "/samples.jsonl", encoding: .utf8)
        #expect(samples.split(separator: "\n").count == 5)
        #expect(first.contains("\"model_sha256\"") && first.contains("\"acc_norm\"") && first.contains("\"exact_match_flexible\""))

        // Interrupted: two documents and half a line left; the rerun scores only what is missing.
        let lines = samples.split(separator: "\n")
        try Data((lines.prefix(2).joined(separator: "\n") + "\n{\"task\": \"pi").utf8).write(to: URL(fileURLWithPath: out + "/samples.jsonl"))
        try FileManager.default.removeItem(atPath: out + "/results.json")
        #expect(CommandLineEntry.run(base + ["--tasks", "piqa,gsm8k", "--shots", "2", "--json"]) == 0)
        let resumed = try String(contentsOfFile: out + "/samples.jsonl", encoding: .utf8)
        #expect(Set(resumed.split(separator: "\n")) == Set(lines))
        let again = try String(contentsOfFile: out + "/results.json", encoding: .utf8)
        func metrics(_ text: String) throws -> NSArray? {
            let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
            return (object?["tasks"] as? [[String: Any]])?.map { [$0["task"]!, $0["metrics"]!] } as NSArray?
        }
        #expect(try metrics(first) != nil && metrics(first) == metrics(again))

        // Other settings on the same folder: refused, unless --overwrite.
        #expect(CommandLineEntry.run(base + ["--tasks", "piqa", "--shots", "1"]) == 2)
        #expect(CommandLineEntry.run(base + ["--tasks", "piqa", "--shots", "1", "--overwrite"]) == 0)
    }

    /// Several samples per prompt: each metric's mean over samples, pass@k and maj@k per document.
    @Test func samplesGivePassAndMajority() throws {
        let model = try tinyModelFolder(prefix: "eval-model") + "/model"
        let out = try ScratchFolder.make("eval-out")
        #expect(CommandLineEntry.run(["eval", "--model", model, "--data", try benchmarkDataFolder(), "--out", out, "--tasks", "gsm8k", "--shots", "1",
                                      "--n", "4", "--temperature", "1", "--max-new-tokens", "3", "--threads", "1"]) == 0)
        let lines = try String(contentsOfFile: out + "/samples.jsonl", encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 2)
        for line in lines {
            let row = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            #expect((row["responses"] as? [String])?.count == 4)
            let metrics = try #require(row["metrics"] as? [String: [Double]])
            let mean = try #require(metrics["exact_match_flexible"]?.first), pass = try #require(metrics["exact_match_flexible_pass@4"]?.first)
            #expect(metrics["exact_match_flexible_maj@4"] != nil && pass >= mean && (mean == 0) == (pass == 0))
        }
    }

    /// A run folder: its final/ by default, every saved step with --checkpoints all (the tokenizer
    /// from final/, as checkpoints keep none).
    @Test func runFoldersAndTheirCheckpoints() throws {
        let model = try tinyModelFolder(prefix: "eval-model") + "/model"
        let run = try ScratchFolder.make("eval-run")
        try FileManager.default.createDirectory(atPath: run + "/checkpoints/step-2", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: model, toPath: run + "/final")
        for file in ["config.json", "model.safetensors"] {
            try FileManager.default.copyItem(atPath: model + "/" + file, toPath: run + "/checkpoints/step-2/" + file)
        }
        let out = try ScratchFolder.make("eval-out")
        let base = ["eval", "--model", run, "--data", try benchmarkDataFolder(), "--tasks", "piqa", "--threads", "1"]
        #expect(CommandLineEntry.run(base) == 0)
        #expect(CommandLineEntry.run(base + ["--checkpoints", "all", "--out", out]) == 0)
        for label in ["step-2", "final"] {
            #expect(FileManager.default.fileExists(atPath: out + "/\(label)/results.json"), "\(label)")
        }
        #expect(CommandLineEntry.run(base + ["--checkpoints", "some"]) == 2)
        #expect(CommandLineEntry.run(["eval", "--model", model, "--checkpoints", "all", "--tasks", "piqa", "--data", try benchmarkDataFolder()]) == 2)
    }

    /// Two shards into two folders, their samples concatenated in a third: the rerun there scores
    /// nothing and reports what one unsplit run reports.
    @Test func shardsMergeIntoTheWholeRun() throws {
        let model = try tinyModelFolder(prefix: "eval-model") + "/model"
        let data = try benchmarkDataFolder()
        let base = ["eval", "--model", model, "--data", data, "--threads", "1", "--max-new-tokens", "4", "--tasks", "piqa,gsm8k", "--shots", "2"]
        let whole = try ScratchFolder.make("eval-whole"), merged = try ScratchFolder.make("eval-merged")
        #expect(CommandLineEntry.run(base + ["--out", whole]) == 0)
        var lines: [Substring] = []
        for part in 1...2 {
            let out = try ScratchFolder.make("eval-shard")
            #expect(CommandLineEntry.run(base + ["--out", out, "--shard", "\(part)/2"]) == 0)
            lines += try String(contentsOfFile: out + "/samples.jsonl", encoding: .utf8).split(separator: "\n")
            if part == 1 { try FileManager.default.copyItem(atPath: out + "/eval_settings.json", toPath: merged + "/eval_settings.json") }
        }
        let wholeLines = try String(contentsOfFile: whole + "/samples.jsonl", encoding: .utf8).split(separator: "\n")
        #expect(lines.count == wholeLines.count && Set(lines) == Set(wholeLines))
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: merged + "/samples.jsonl"))
        #expect(CommandLineEntry.run(base + ["--out", merged]) == 0)
        #expect(try String(contentsOfFile: merged + "/samples.jsonl", encoding: .utf8).split(separator: "\n").count == lines.count)
        func metrics(_ folder: String) throws -> NSArray? {
            let object = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder + "/results.json"))) as? [String: Any]
            return (object?["tasks"] as? [[String: Any]])?.map { [$0["task"]!, $0["metrics"]!, $0["items"]!] } as NSArray?
        }
        #expect(try metrics(whole) != nil && metrics(whole) == metrics(merged))
        #expect(CommandLineEntry.run(base + ["--shard", "3/2"]) == 2)
        #expect(CommandLineEntry.run(base + ["--shard", "half"]) == 2)
    }

    @Test func badInputExitsWithTwo() throws {
        let model = try tinyModelFolder(prefix: "eval-model") + "/model"
        let data = try benchmarkDataFolder()
        let base = ["eval", "--model", model, "--data", data, "--threads", "1"]
        #expect(CommandLineEntry.run(base + ["--tasks", "nosuch"]) == 2)
        #expect(CommandLineEntry.run(base + ["--tasks", "piqa", "--limit", "0"]) == 2)
        #expect(CommandLineEntry.run(base + ["--tasks", "piqa", "--format", "helm"]) == 2)
        #expect(CommandLineEntry.run(base + ["--tasks", "hellaswag"]) == 2)                 // no such file in the folder
        #expect(CommandLineEntry.run(base + ["--tasks", "gsm8k_cot", "--shots", "9"]) == 2)  // 8 exemplars at most
        #expect(CommandLineEntry.run(base + ["--tasks", "gsm8k", "--shots", "4"]) == 2)      // the train split has 3
        #expect(CommandLineEntry.run(base + ["--tasks", "piqa", "--chat"]) == 2)            // no chat template
        #expect(CommandLineEntry.run(base + ["--tasks", "gsm8k", "--n", "4"]) == 2)          // samples need a temperature
        #expect(CommandLineEntry.run(base + ["--tasks", "piqa", "--out", data + "/piqa/valid.jsonl/out"]) == 2)   // a file in the way
        try Data("{\"goal\": \"x\", \"sol1\": \"a\"}\n".utf8).write(to: URL(fileURLWithPath: data + "/piqa/valid.jsonl"))
        try Data("0\n".utf8).write(to: URL(fileURLWithPath: data + "/piqa/valid-labels.lst"))
        #expect(CommandLineEntry.run(base + ["--tasks", "piqa"]) == 2)                      // valid.jsonl:1: no sol2
        #expect(CommandLineEntry.run(base + ["--model", model + "/missing", "--tasks", "piqa"]) == 2)
        // A vocabulary without a token for the space byte cannot render the prompts.
        let tokenizerFile = model + "/tokenizer.json"
        var tokenizer = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: tokenizerFile))) as? [String: Any])
        var bpe = try #require(tokenizer["model"] as? [String: Any])
        var vocabulary = try #require(bpe["vocab"] as? [String: Int])
        vocabulary["<no space>"] = vocabulary.removeValue(forKey: "\u{0120}")
        bpe["vocab"] = vocabulary
        tokenizer["model"] = bpe
        try JSONSerialization.data(withJSONObject: tokenizer).write(to: URL(fileURLWithPath: tokenizerFile))
        try Data("{\"goal\": \"a b\", \"sol1\": \"c\", \"sol2\": \"d\"}\n".utf8).write(to: URL(fileURLWithPath: data + "/piqa/valid.jsonl"))
        #expect(CommandLineEntry.run(base + ["--tasks", "piqa"]) == 2)
    }
}
