import Foundation
import Testing
import TestSupport
import RLVRCommands

/// `rlvr eval` end to end on a tiny model and a small benchmark folder: results, the resume cache,
/// and bad input as exit 2.
@Suite struct EvalCommandTests {
    /// A data folder with three PIQA rows, two GSM8K test and three train rows, and the CoT exemplars.
    static func dataFolder() throws -> String {
        let folder = try ScratchFolder.make("eval-data")
        func write(_ relative: String, _ text: String) throws {
            let path = folder + "/" + relative
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        }
        try write("piqa/valid.jsonl", """
        {"goal": "Open a jar", "sol1": "twist the lid", "sol2": "kick the jar"}
        {"goal": "Dry hair", "sol1": "use a towel", "sol2": "use a spoon"}
        {"goal": "Cool tea", "sol1": "wait", "sol2": "boil it"}

        """)
        try write("piqa/valid-labels.lst", "0\n0\n0\n")
        try write("gsm8k/test.jsonl", """
        {"question": "What is 2 + 3?", "answer": "2 + 3 = 5\\n#### 5"}
        {"question": "What is 4 + 4?", "answer": "#### 8"}

        """)
        try write("gsm8k/train.jsonl", """
        {"question": "1 + 1?", "answer": "#### 2"}
        {"question": "2 + 2?", "answer": "#### 4"}
        {"question": "3 + 3?", "answer": "#### 6"}

        """)
        try write("gsm8k/cot_8shot_exemplars.jsonl", "{\"question\": \"1 + 1?\", \"target\": \"1 + 1 = 2. The answer is 2.\"}\n")
        return folder
    }

    @Test func runsResumesAndRefusesOtherSettings() throws {
        let model = try tinyModelFolder(prefix: "eval-model") + "/model"
        let data = try Self.dataFolder()
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

    @Test func badInputExitsWithTwo() throws {
        let model = try tinyModelFolder(prefix: "eval-model") + "/model"
        let data = try Self.dataFolder()
        let base = ["eval", "--model", model, "--data", data, "--threads", "1"]
        #expect(CommandLineEntry.run(base + ["--tasks", "nosuch"]) == 2)
        #expect(CommandLineEntry.run(base + ["--tasks", "piqa", "--limit", "0"]) == 2)
        #expect(CommandLineEntry.run(base + ["--tasks", "piqa", "--format", "helm"]) == 2)
        #expect(CommandLineEntry.run(base + ["--tasks", "hellaswag"]) == 2)                 // no such file in the folder
        #expect(CommandLineEntry.run(base + ["--tasks", "gsm8k_cot", "--shots", "9"]) == 2)  // 8 exemplars at most
        #expect(CommandLineEntry.run(base + ["--tasks", "gsm8k", "--shots", "4"]) == 2)      // the train split has 3
        #expect(CommandLineEntry.run(base + ["--tasks", "piqa", "--chat"]) == 2)            // no chat template
        #expect(CommandLineEntry.run(base + ["--tasks", "gsm8k", "--n", "4"]) == 2)          // samples need a temperature
        try Data("{\"goal\": \"x\", \"sol1\": \"a\"}\n".utf8).write(to: URL(fileURLWithPath: data + "/piqa/valid.jsonl"))
        try Data("0\n".utf8).write(to: URL(fileURLWithPath: data + "/piqa/valid-labels.lst"))
        #expect(CommandLineEntry.run(base + ["--tasks", "piqa"]) == 2)                      // valid.jsonl:1: no sol2
        #expect(CommandLineEntry.run(base + ["--model", model + "/missing", "--tasks", "piqa"]) == 2)
    }
}
