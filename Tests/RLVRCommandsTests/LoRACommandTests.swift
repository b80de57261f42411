import Foundation
import LlamaModel
import ModelIO
import Testing
import TestSupport
import RLVRCommands

/// `--adapter` on the commands that take `--model`, and `rlvr merge`.
@Suite(.serialized) struct LoRACommandTests {
    /// The tiny model and a random rank-2 adapter for it saved in PEFT's layout (naming the base).
    static func modelAndAdapter(_ name: String) throws -> (model: String, adapter: String) {
        let model = try tinyModelFolder(prefix: name) + "/model"
        let llama = try LlamaCheckpoint.load(model)
        let adapters = attachRandomAdapters(to: llama, rank: 2, targets: [.q, .v, .down])
        let adapter = try ScratchFolder.make(name + "-adapter")
        try LoRAAdapterFiles.save(adapters, to: adapter, baseModel: model)
        return (model, adapter)
    }

    @Test func mergeWritesTheMergedWeightsWithTheTokenizer() throws {
        let (model, adapter) = try Self.modelAndAdapter("merge")
        let out = try ScratchFolder.make("merge-out") + "/merged"
        #expect(CommandLineEntry.run(["merge", "--model", model, "--adapter", adapter, "--out", out, "--threads", "1"]) == 0)
        let want = try LlamaCheckpoint.load(model, adapter: adapter).merged()
        let got = try LlamaCheckpoint.load(out)
        #expect(got.adapters == nil && Array(got.parameters.buffer) == Array(want.parameters.buffer))
        for file in ["tokenizer.json", "generation_config.json", "special_tokens_map.json"] {
            #expect(FileManager.default.fileExists(atPath: out + "/" + file), "\(file)")
        }
        // an adapter folder that names its base merges alone
        let alone = try ScratchFolder.make("merge-alone") + "/merged"
        #expect(CommandLineEntry.run(["merge", "--model", adapter, "--out", alone, "--threads", "1"]) == 0)
        let aloneModel = try LlamaCheckpoint.load(alone)
        let diffs = zip(Array(aloneModel.parameters.buffer), Array(want.parameters.buffer)).enumerated().filter { $0.element.0 != $0.element.1 }
        #expect(diffs.isEmpty, "\(diffs.count) differ: \(diffs.prefix(4).map { "\($0.offset): \($0.element)" }), entries \(aloneModel.layout.entries.filter { e in diffs.first.map { $0.offset >= e.offset && $0.offset < e.offset + e.count } ?? false }.map(\.name))")
        // nothing to merge, or no such adapter: exit 2
        #expect(CommandLineEntry.run(["merge", "--model", model, "--out", alone + "-2"]) == 2)
        #expect(CommandLineEntry.run(["merge", "--model", model, "--adapter", adapter + "/missing", "--out", alone + "-3"]) == 2)
        #expect(CommandLineEntry.run(["merge", "--model", adapter, "--out", out + "/model.safetensors"]) == 2)   // a file, not a folder
    }

    @Test func commandsApplyTheAdapter() throws {
        let (model, adapter) = try Self.modelAndAdapter("adapter-commands")
        let data = try benchmarkDataFolder()
        let plain = try ScratchFolder.make("adapter-eval-plain"), adapted = try ScratchFolder.make("adapter-eval")
        let eval = ["eval", "--model", model, "--data", data, "--tasks", "piqa", "--threads", "1"]
        #expect(CommandLineEntry.run(eval + ["--out", plain]) == 0)
        #expect(CommandLineEntry.run(eval + ["--adapter", adapter, "--out", adapted]) == 0)
        func digest(_ folder: String) throws -> String? {
            (try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder + "/results.json"))) as? [String: Any])?["model_sha256"] as? String
        }
        #expect(try digest(plain) != nil && digest(plain) != digest(adapted))
        // the adapter folder alone names its base: the same model, the same digest
        let alone = try ScratchFolder.make("adapter-eval-alone")
        #expect(CommandLineEntry.run(["eval", "--model", adapter, "--data", data, "--tasks", "piqa", "--threads", "1", "--out", alone]) == 0)
        #expect(try digest(alone) == digest(adapted))
        #expect(CommandLineEntry.run(["generate", "--model", model, "--adapter", adapter, "--prompt", "ab", "--max-new-tokens", "2", "--threads", "1"]) == 0)
        #expect(CommandLineEntry.run(["score", "--model", model, "--adapter", adapter, "--tokens", "1,2,3", "--threads", "1"]) == 0)
        #expect(CommandLineEntry.run(["generate", "--model", model, "--adapter", model, "--prompt", "ab", "--threads", "1"]) == 2)
    }

    /// A LoRA run folder: its final/ and every checkpoint are adapter folders naming the base.
    @Test func loraRunFoldersEvaluateEveryCheckpoint() throws {
        let (_, adapter) = try Self.modelAndAdapter("adapter-run")
        let run = try ScratchFolder.make("adapter-run-folder")
        try FileManager.default.createDirectory(atPath: run + "/checkpoints", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: adapter, toPath: run + "/checkpoints/step-2")
        try FileManager.default.copyItem(atPath: adapter, toPath: run + "/final")
        let out = try ScratchFolder.make("adapter-run-out")
        #expect(CommandLineEntry.run(["eval", "--model", run, "--data", try benchmarkDataFolder(), "--tasks", "piqa", "--threads", "1",
                                      "--checkpoints", "all", "--out", out]) == 0)
        for label in ["step-2", "final"] {
            #expect(FileManager.default.fileExists(atPath: out + "/\(label)/results.json"), "\(label)")
        }
    }
}
