import Checkpoints
import Foundation
import Kernels
import LlamaModel
import ModelIO
import RunConfig
import Testing
import TestSupport
import Tokenization
import Training

/// The tiny model and a small SFT data file.
private func tinySetup() throws -> (folder: String, configYAML: (String, Int?) -> String) {
    let folder = try tinyModelFolder(prefix: "rlvr-sft-run")
    var rows: [String] = []
    for a in 1...6 {
        rows.append(#"{"messages": [{"role": "user", "content": "add \#(a) and \#(a)"}, {"role": "assistant", "content": "\#(a + a)"}]}"#)
    }
    try writeRows(rows, to: folder, name: "train.jsonl")
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
        return try SFTTrainer(config: config, options: TrainerOptions(outDir: out, maxSteps: maxSteps, resume: resume, log: { _ in }))
    }

    @Test func lossFallsAndARunIsWritten() throws {
        let (folder, yaml) = try tinySetup()
        let losses = try trainer(yaml("run", 4)).train()
        #expect(losses.count == 10)  // ceil(6 rows / batch 4) = 2 steps × 5 epochs
        #expect(losses.last! < losses.first! * 0.8, "losses \(losses)")
        let run = folder + "/run"
        for file in ["config.yaml", "metrics.jsonl", "final/model.safetensors", "final/config.json", "final/tokenizer.json", "final/generation_config.json", "final/special_tokens_map.json", "checkpoints/step-4/state.json"] {
            #expect(FileManager.default.fileExists(atPath: run + "/" + file), "\(file)")
        }
        let lines = try String(contentsOfFile: run + "/metrics.jsonl", encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 10 && lines[0].contains("\"grad_norm\"") && lines[0].contains("\"tokens_per_s\""))
        // the run's report: a loss curve through its 10 steps
        let report = try String(contentsOfFile: run + "/report.html", encoding: .utf8)
        #expect(report.contains(">loss</text>") && report.contains("<path class=\"series\" d=\"M"))
        #expect(report.contains("<td>AdamW moments</td>"))   // memory_plan.json, written when the run started
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
        #expect(parameterBits(whole.model) == parameterBits(resumed.model))
        #expect(try deterministicMetrics(folder + "/whole") == deterministicMetrics(folder + "/cut"))
    }

    /// `model.lora`: only the adapters train (the base stays bit for bit as loaded), the loss falls,
    /// the memory plan has no base gradients or moments, and final/ is a PEFT folder naming its base
    /// that loads back to the trained model's numbers, tokenizer files beside it.
    @Test func loraTrainsTheAdaptersAlone() throws {
        let (folder, yaml) = try tinySetup()
        let config = yaml("lora", 4).replacingOccurrences(of: "chat_template: chatml}", with: "chat_template: chatml, lora: {rank: 4, alpha: 8}}")
            .replacingOccurrences(of: "lr: 0.003", with: "lr: 0.02")
        let sft = try trainer(config)
        let base = parameterBits(sft.model)
        let losses = try sft.train()
        #expect(losses.last! < losses.first! * 0.8, "losses \(losses)")
        #expect(parameterBits(sft.model) == base)
        let final = folder + "/lora/final"
        for file in ["adapter_config.json", "adapter_model.safetensors", "tokenizer.json", "generation_config.json", "checkpoints/step-4/adapter_model.safetensors"] {
            let path = file.hasPrefix("checkpoints") ? folder + "/lora/" + file : final + "/" + file
            #expect(FileManager.default.fileExists(atPath: path), "\(file)")
        }
        #expect(!FileManager.default.fileExists(atPath: final + "/model.safetensors"))
        let plan = try String(contentsOfFile: folder + "/lora/memory_plan.json", encoding: .utf8)
        #expect(plan.contains("LoRA adapters") && plan.contains("weights (frozen)"))
        let reloaded = try LlamaCheckpoint.load(final)
        let trained = try #require(sft.model.adapters), loaded = try #require(reloaded.adapters)
        #expect(Array(loaded.parameters.buffer) == Array(trained.parameters.buffer) && loaded.scale == 2)
        #expect(parameterBits(reloaded) == base)
    }

    /// An earlier LoRA stage's final/ as model.path: its adapters are merged into the starting
    /// weights, for full fine-tuning or for new adapters on top (whose final/ loads back through both).
    @Test func aLoRAStageFeedsTheNext() throws {
        let (folder, yaml) = try tinySetup()
        let lora = yaml("first", 0).replacingOccurrences(of: "chat_template: chatml}", with: "chat_template: chatml, lora: {rank: 2}}")
        let first = try trainer(lora)
        try first.train()
        let merged = try first.model.merged()
        for (run, stacked) in [("full", false), ("stacked", true)] {
            var text = yaml(run, 0).replacingOccurrences(of: "path: \(folder)/model,", with: "path: \(folder)/first/final,")
            if stacked { text = text.replacingOccurrences(of: "chat_template: chatml}", with: "chat_template: chatml, lora: {rank: 2}}") }
            let next = try trainer(text)
            #expect(parameterBits(next.model) == parameterBits(merged), "\(run): starts from the merged weights")
            #expect((next.model.adapters != nil) == stacked)
            try next.train()
            let reloaded = try LlamaCheckpoint.load(folder + "/\(run)/final")
            #expect((reloaded.adapters != nil) == stacked)
            if stacked { #expect(parameterBits(reloaded) == parameterBits(merged)) }
        }
    }

    /// With adapter dropout too: its masks are keyed by step and micro-batch, so the resumed run draws
    /// the masks the whole run drew (and dropout changes what is learnt).
    @Test(arguments: [0.0, 0.3]) func loraResumeIsBitIdentical(dropout: Double) throws {
        let (folder, yaml) = try tinySetup()
        let lora = { (run: String, p: Double) in
            yaml(run, 2).replacingOccurrences(of: "chat_template: chatml}", with: "chat_template: chatml, lora: {rank: 2, dropout: \(p), targets: [q, v, down]}}")
        }
        let whole = try trainer(lora("whole", dropout))
        try whole.train()
        try trainer(lora("cut", dropout), maxSteps: 3).train()
        let resumed = try trainer(lora("cut", dropout), resume: true)
        try resumed.train()
        let adapters = Array(try #require(whole.model.adapters).parameters.buffer)
        #expect(adapters == Array(try #require(resumed.model.adapters).parameters.buffer))
        #expect(try deterministicMetrics(folder + "/whole") == deterministicMetrics(folder + "/cut"))
        // a LoRA checkpoint cannot resume a full fine-tuning run, nor the other way round
        #expect(throws: (any Error).self) { try trainer(yaml("cut", 2), resume: true).train() }
        let saved = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder + "/whole/final/adapter_config.json"))) as? [String: Any]
        #expect((saved?["lora_dropout"] as? Double) == dropout)
        if dropout > 0 {
            let without = try trainer(lora("without", 0))
            try without.train()
            #expect(adapters != Array(try #require(without.model.adapters).parameters.buffer))
        }
    }

    /// `model.base_dtype: bf16`: training adapters over the base stored as bfloat16 gives the bits of
    /// training them over an fp32 base whose layer weights were rounded to bfloat16 beforehand.
    @Test func aBF16BaseTrainsAsTheRoundedFP32Base() throws {
        let (folder, yaml) = try tinySetup()
        let lora = { (run: String, dtype: String) in
            yaml(run, 0).replacingOccurrences(of: "chat_template: chatml}", with: "chat_template: chatml, lora: {rank: 2}, base_dtype: \(dtype)}")
        }
        let stored = try trainer(lora("bf16", "bf16"))
        #expect(stored.model.baseIsBF16)
        let losses = try stored.train()
        #expect(losses.last! < losses.first!, "losses \(losses)")
        let path = folder + "/model"
        let config = try ConfigLoader.load(RunConfiguration.self, yaml: lora("rounded", "f32"))
        var options = TrainerOptions(log: { _ in })
        options.startingModel = {
            let model = try LlamaCheckpoint.load(path)
            for i in model.layout.layers[0].inputNorm..<model.layout.finalNorm {
                model.parameters[i] = HalfPrecision.floatFromBFloat16(HalfPrecision.bfloat16FromFloat(model.parameters[i]))
            }
            return model
        }
        let rounded = try SFTTrainer(config: config, options: options)
        try rounded.train()
        #expect(Array(try #require(stored.model.adapters).parameters.buffer).map(\.bitPattern)
                == Array(try #require(rounded.model.adapters).parameters.buffer).map(\.bitPattern))
        let plan = try String(contentsOfFile: folder + "/bf16/memory_plan.json", encoding: .utf8)
        #expect(plan.contains("decoder layers bf16"))
        // without adapters there is nothing frozen to store as bf16
        #expect(throws: (any Error).self) { try trainer(yaml("full", 0).replacingOccurrences(of: "chat_template: chatml}", with: "chat_template: chatml, base_dtype: bf16}")) }
    }

    /// `output.tensorboard: true`: one scalar event per metrics line, and a resumed run first tells
    /// TensorBoard to drop the steps after its checkpoint.
    @Test func tensorBoardLogsEveryStepAndTheRestart() throws {
        let (folder, yaml) = try tinySetup()
        let config = yaml("tb", 2).replacingOccurrences(of: "keep_checkpoints: 3}", with: "keep_checkpoints: 3, tensorboard: true}")
        try trainer(config, maxSteps: 3).train()
        try FileManager.default.removeItem(atPath: folder + "/tb/checkpoints/step-3")   // resume from step 2: step 3 is run again
        try trainer(config, resume: true).train()
        let files = try FileManager.default.contentsOfDirectory(atPath: folder + "/tb/tensorboard")
        #expect(files.count == 1 && files[0].hasPrefix("events.out.tfevents."))
        let bytes = try Array(Data(contentsOf: URL(fileURLWithPath: folder + "/tb/tensorboard/" + files[0])))
        let events = try #require(TFRecord.records(bytes)).map(topLevelFields)
        let lines = try String(contentsOfFile: folder + "/tb/metrics.jsonl", encoding: .utf8).split(separator: "\n")
        // version; steps 1, 2, 3; restart at 3; steps 3 … last
        let steps = events.map { $0[2] ?? 0 }, restarts = events.indices.filter { events[$0][7] != nil }
        #expect(events[0][3] != nil && restarts == [4] && steps[4] == 3)
        #expect(Array(steps[1...3]) == [1, 2, 3] && Array(steps[5...]) == Array(3...lines.count))
        #expect(events.filter { $0[5] != nil }.count == 3 + lines.count - 2)
    }
}

/// An encoded protobuf message's top-level fields: varints by value, other fields as 1 (present).
private func topLevelFields(_ message: [UInt8]) -> [Int: Int] {
    var fields: [Int: Int] = [:], at = 0
    func varint() -> Int {
        var value = 0, shift = 0
        while at < message.count {
            let byte = message[at]
            at += 1
            value |= Int(byte & 0x7F) << shift
            shift += 7
            if byte < 0x80 { break }
        }
        return value
    }
    while at < message.count {
        let key = varint(), field = key >> 3
        switch key & 7 {
        case 0: fields[field] = varint()
        case 1: at += 8; fields[field] = 1
        case 5: at += 4; fields[field] = 1
        default: at += varint(); fields[field] = 1
        }
    }
    return fields
}

/// Packing fills micro-batches by tokens: fewer passes, the same per-token log-probs (so the first
/// loss has the same bits); later steps differ only by the rounding of gradient sums.
@Test func packingMakesFewerPassesWithTheSameLosses() throws {
    let (_, yaml) = try tinySetup()
    let plainYAML = yaml("plain", 0).replacingOccurrences(of: "max_length: 64", with: "max_length: 96")
    let plain = try SFTTrainer(config: ConfigLoader.load(RunConfiguration.self, yaml: plainYAML), options: TrainerOptions(log: { _ in }))
    let packedYAML = yaml("packed", 0).replacingOccurrences(of: "max_length: 64", with: "max_length: 96")
        .replacingOccurrences(of: "loss_reduction: mean}", with: "loss_reduction: mean, packing: true}")
    let packed = try SFTTrainer(config: ConfigLoader.load(RunConfiguration.self, yaml: packedYAML), options: TrainerOptions(log: { _ in }))
    let a = try plain.train(), b = try packed.train()
    #expect(packed.forwardPasses < plain.forwardPasses, "\(packed.forwardPasses) vs \(plain.forwardPasses)")
    #expect(a[0].bitPattern == b[0].bitPattern)
    for (x, y) in zip(a, b) { #expect(abs(x - y) <= 1e-3 * abs(x), "\(a) vs \(b)") }
}

@Test func remainingTimeReads() {
    #expect(SFTTrainer.duration(42.4) == "42s" && SFTTrainer.duration(185) == "3m05s" && SFTTrainer.duration(3725) == "1h02m")
}

@Test func resumingAFolderWithoutCheckpointsIsAnError() throws {
    let (folder, yaml) = try tinySetup()
    let config = try ConfigLoader.load(RunConfiguration.self, yaml: yaml("empty", 0))
    let sft = try SFTTrainer(config: config, options: TrainerOptions(resume: true, log: { _ in }))
    #expect(throws: TrainerError.self) { try sft.train() }
    #expect(!FileManager.default.fileExists(atPath: folder + "/empty/metrics.jsonl"))
}
