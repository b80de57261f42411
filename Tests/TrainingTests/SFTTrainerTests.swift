import Foundation
import Kernels
import LlamaModel
import ModelIO
import RunConfig
import Testing
import Tokenization
import Training

/// A tiny byte-level chat model saved as a Hugging Face folder, and a small SFT data file.
private func tinySetup() throws -> (folder: String, configYAML: (String, Int?) -> String) {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rlvr-sft-run-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: folder + "/model", withIntermediateDirectories: true)
    let tokens = (0..<256).map { ByteLevel.token(for: [UInt8($0)]) } + ["<|im_start|>", "<|im_end|>"]
    let config = LlamaConfig(vocabSize: tokens.count, hiddenSize: 32, intermediateSize: 64, numHiddenLayers: 2,
                             numAttentionHeads: 4, numKeyValueHeads: 2, maxPositionEmbeddings: 128, eosTokenIDs: [257])
    let model = try LlamaModel(config: config)
    var state: UInt64 = 3
    for entry in model.layout.entries {
        for i in 0..<entry.count {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            model.parameters[entry.offset + i] = entry.isNorm ? 1 : (Float(state >> 40) / Float(1 << 24) - 0.5) * 0.2
        }
    }
    try LlamaCheckpoint.save(model, to: folder + "/model")
    let vocabulary = try tokens.enumerated().map { index, token in
        String(decoding: try JSONSerialization.data(withJSONObject: token, options: [.fragmentsAllowed]), as: UTF8.self) + ": \(index)"
    }.joined(separator: ", ")
    try Data("""
    {"model": {"type": "BPE", "vocab": {\(vocabulary)}, "merges": []},
     "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": false, "use_regex": true},
     "added_tokens": [{"id": 256, "content": "<|im_start|>", "special": true}, {"id": 257, "content": "<|im_end|>", "special": true}]}
    """.utf8).write(to: URL(fileURLWithPath: folder + "/model/tokenizer.json"))
    try Data(#"{"eos_token": "<|im_end|>"}"#.utf8).write(to: URL(fileURLWithPath: folder + "/model/tokenizer_config.json"))
    var rows: [String] = []
    for a in 1...6 {
        rows.append(#"{"messages": [{"role": "user", "content": "add \#(a) and \#(a)"}, {"role": "assistant", "content": "\#(a + a)"}]}"#)
    }
    try Data(rows.joined(separator: "\n").utf8).write(to: URL(fileURLWithPath: folder + "/train.jsonl"))
    let yaml = { (run: String, saveEvery: Int?) in
        """
        seed: 7
        threads: 1
        model: {path: \(folder)/model, chat_template: chatml}
        data: {train: \(folder)/train.jsonl, max_length: 64}
        optimizer: {lr: 0.003, weight_decay: 0.0}
        schedule: {kind: linear, warmup_steps: 1}
        training: {batch_size: 4, micro_batch_size: 2, epochs: 5, loss_reduction: mean}
        output: {dir: \(folder)/\(run), save_every: \(saveEvery ?? 0), keep_checkpoints: 3}
        """
    }
    return (folder, yaml)
}

@Suite(.serialized) struct SFTTrainerTests {
    private func trainer(_ yaml: String, maxSteps: Int? = nil, resume: Bool = false, out: String? = nil) throws -> SFTTrainer {
        let config = try ConfigLoader.load(RunConfiguration.self, yaml: yaml)
        return try SFTTrainer(config: config, options: .init(outDir: out, maxSteps: maxSteps, resume: resume, log: { _ in }))
    }

    @Test func lossFallsAndARunIsWritten() throws {
        let (folder, yaml) = try tinySetup()
        let losses = try trainer(yaml("run", 4)).train()
        #expect(losses.count == 10)  // ceil(6 rows / batch 4) = 2 steps × 5 epochs
        #expect(losses.last! < losses.first! * 0.8, "losses \(losses)")
        let run = folder + "/run"
        for file in ["config.yaml", "metrics.jsonl", "final/model.safetensors", "final/config.json", "final/tokenizer.json", "checkpoints/step-4/state.json"] {
            #expect(FileManager.default.fileExists(atPath: run + "/" + file), "\(file)")
        }
        let lines = try String(contentsOfFile: run + "/metrics.jsonl", encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 10 && lines[0].contains("\"grad_norm\"") && lines[0].contains("\"tokens_per_s\""))
    }

    /// `eval_fraction` holds out a seeded ⌈f·n⌉ of the rows, the same for the same seed; eval loss is
    /// logged every `eval_every` steps and at the end, and falls with training.
    @Test func heldOutExamplesAreEvaluated() throws {
        let (folder, yaml) = try tinySetup()
        let config = yaml("eval", 0).replacingOccurrences(of: "max_length: 64}", with: "max_length: 64, eval_fraction: 0.3}")
        let sft = try trainer(config.replacingOccurrences(of: "output: {", with: "output: {eval_every: 3, "))
        #expect(sft.evalExamples.count == 2 && sft.trainExamples.count == 4)
        let again = try trainer(config)
        #expect(again.evalExamples.map(\.tokens) == sft.evalExamples.map(\.tokens))
        #expect(Set(sft.trainExamples.map(\.tokens)).isDisjoint(with: sft.evalExamples.map(\.tokens)))
        let before = try sft.evaluate()
        try sft.train()
        let lines = try String(contentsOfFile: folder + "/eval/metrics.jsonl", encoding: .utf8).split(separator: "\n")
        // 4 training rows at batch 4 for 5 epochs: steps 1…5, evaluated at 3 and at the end
        #expect(lines.indices.filter { lines[$0].contains("eval_loss") } == [2, 4])
        #expect(try sft.evaluate() < before)
    }

    /// Stopped after 3 steps, then the step-3 checkpoint is removed and a half-written checkpoint
    /// folder left behind, as a kill after step 3 mid-write would: resuming from step 2 (re-running
    /// step 3) gives the same weights and metrics as the run that never stopped.
    @Test func resumeIsBitIdentical() throws {
        let (folder, yaml) = try tinySetup()
        let whole = try trainer(yaml("whole", 2))
        try whole.train()
        let interrupted = try trainer(yaml("cut", 2), maxSteps: 3)
        try interrupted.train()
        #expect(FileManager.default.fileExists(atPath: folder + "/cut/checkpoints/step-3/state.json"), "an early stop keeps its place")
        try FileManager.default.removeItem(atPath: folder + "/cut/checkpoints/step-3")
        try FileManager.default.createDirectory(atPath: folder + "/cut/checkpoints/.tmp-step-4", withIntermediateDirectories: true)
        let resumed = try trainer(yaml("cut", 2), resume: true)
        try resumed.train()
        let a = Array(UnsafeBufferPointer(start: whole.model.parameters.pointer, count: whole.model.layout.count))
        let b = Array(UnsafeBufferPointer(start: resumed.model.parameters.pointer, count: resumed.model.layout.count))
        #expect(a.map(\.bitPattern) == b.map(\.bitPattern))
        func metrics(_ run: String) throws -> [String] {
            // tokens_per_s is wall-clock: compare everything else
            try String(contentsOfFile: folder + "/\(run)/metrics.jsonl", encoding: .utf8).split(separator: "\n").map {
                $0.replacingOccurrences(of: #""tokens_per_s":[0-9.e+-]+"#, with: "", options: .regularExpression)
            }
        }
        #expect(try metrics("whole") == metrics("cut"))
    }
}

@Test func remainingTimeReads() {
    #expect(SFTTrainer.duration(42.4) == "42s" && SFTTrainer.duration(185) == "3m05s" && SFTTrainer.duration(3725) == "1h02m")
}

@Test func resumingAFolderWithoutCheckpointsIsAnError() throws {
    let (folder, yaml) = try tinySetup()
    let config = try ConfigLoader.load(RunConfiguration.self, yaml: yaml("empty", 0))
    let sft = try SFTTrainer(config: config, options: .init(resume: true, log: { _ in }))
    #expect(throws: SFTTrainer.TrainerError.self) { try sft.train() }
    #expect(!FileManager.default.fileExists(atPath: folder + "/empty/metrics.jsonl"))
}
