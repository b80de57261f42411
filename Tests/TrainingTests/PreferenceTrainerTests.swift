import Foundation
import LlamaModel
import ModelIO
import RunConfig
import Testing
import TestSupport
import Training

/// The tiny model with a learnable synthetic preference task: the preferred answer starts with
/// "yes", the other with "no", on prompts numbered 1…12 (training) and 13…18 (held out).
private func preferenceSetup() throws -> (folder: String, yaml: (_ stage: String, _ run: String, _ extra: String) -> String) {
    let folder = try tinyModelFolder(prefix: "rlvr-preference-run")
    func rows(_ numbers: ClosedRange<Int>) -> [String] {
        numbers.map { n in
            n % 2 == 0
                ? #"{"prompt": "question \#(n)?", "chosen": "yes \#(n)", "rejected": "no \#(n)"}"#
                : #"{"chosen": [{"role": "user", "content": "question \#(n)?"}, {"role": "assistant", "content": "yes \#(n)"}], "rejected": [{"role": "user", "content": "question \#(n)?"}, {"role": "assistant", "content": "no \#(n)"}]}"#
        }
    }
    try writeRows(rows(1...12), to: folder, name: "train.jsonl")
    try writeRows(rows(13...18), to: folder, name: "eval.jsonl")
    let yaml = { (stage: String, run: String, extra: String) in
        """
        stage: \(stage)
        seed: 11
        threads: 1
        model: {path: \(folder)/model, chat_template: chatml}
        data: {train: \(folder)/train.jsonl, eval: \(folder)/eval.jsonl, max_length: 64}
        optimizer: {lr: 0.002, weight_decay: 0.0}
        schedule: {kind: constant, warmup_steps: 0}
        training: {batch_size: 4, micro_batch_size: 2, epochs: 4}
        output: {dir: \(folder)/\(run), save_every: 2, keep_checkpoints: 3}
        dpo: {loss: dpo_norm, beta: 5, reference_cache: \(folder)/cache}
        \(extra)
        """
    }
    return (folder, yaml)
}

private func config(_ yaml: String) throws -> RunConfiguration {
    try ConfigLoader.load(RunConfiguration.self, yaml: yaml)
}

private func quiet(maxSteps: Int? = nil, resume: Bool = false, interruptAt: Int? = nil) -> TrainerOptions {
    var options = TrainerOptions(maxSteps: maxSteps, resume: resume, log: { _ in })
    options.interruptCheckpointAtStep = interruptAt
    return options
}

@Suite(.serialized) struct DPOTrainerTests {
    /// Before training the policy is the reference: every reward and margin is 0 and no pair counts
    /// as correct. Training raises held-out accuracy and margin.
    @Test func heldOutAccuracyAndMarginRise() throws {
        let (folder, yaml) = try preferenceSetup()
        let dpo = try DPOTrainer(config: config(yaml("dpo", "run", "")), options: quiet())
        let before = try dpo.evaluateHeldOut()
        #expect(before["eval_rewards/margins"] == 0 && before["eval_rewards/accuracies"] == 0)
        let losses = try dpo.train()
        #expect(losses.count == 12)  // 12 pairs / batch 4 × 4 epochs
        let after = try dpo.evaluateHeldOut()
        #expect(after["eval_rewards/accuracies"]! >= 0.8, "\(after)")
        #expect(after["eval_rewards/margins"]! > 0.5, "\(after)")
        #expect(losses.last! < losses.first!)
        let lines = try String(contentsOfFile: folder + "/run/metrics.jsonl", encoding: .utf8).split(separator: "\n")
        for key in ["\"rewards/accuracies\"", "\"rewards/margins\"", "\"rewards/chosen\"", "\"rewards/rejected\"", "\"grad_norm\""] {
            #expect(lines[0].contains(key), "\(key)")
        }
        #expect(lines.last!.contains("\"eval_rewards/accuracies\""))
        #expect(FileManager.default.fileExists(atPath: folder + "/run/final/model.safetensors"))
        #expect(FileManager.default.fileExists(atPath: folder + "/run/final/tokenizer.json"))
    }

    /// LoRA: the reference is the base (adapters off), so before training every margin is exactly 0;
    /// the adapters alone learn the preference, the base weights stay as loaded, and final/ is a PEFT
    /// adapter folder that loads back to the same model.
    @Test func loraLearnsThePreferenceWithAFrozenBase() throws {
        let (folder, yaml) = try preferenceSetup()
        let text = yaml("dpo", "lora", "").replacingOccurrences(of: "chat_template: chatml}", with: "chat_template: chatml, lora: {rank: 4}}")
            .replacingOccurrences(of: "lr: 0.002", with: "lr: 0.01")
        let dpo = try DPOTrainer(config: config(text), options: quiet())
        let base = parameterBits(dpo.model)
        let before = try dpo.evaluateHeldOut()
        #expect(before["eval_rewards/margins"] == 0 && before["eval_rewards/accuracies"] == 0)
        try dpo.train()
        let after = try dpo.evaluateHeldOut()
        #expect(after["eval_rewards/accuracies"]! >= 0.8 && after["eval_rewards/margins"]! > 0.5, "\(after)")
        #expect(parameterBits(dpo.model) == base)
        #expect(FileManager.default.fileExists(atPath: folder + "/lora/final/adapter_model.safetensors"))
        #expect(!FileManager.default.fileExists(atPath: folder + "/lora/final/model.safetensors"))
        let reloaded = try LlamaCheckpoint.load(folder + "/lora/final")
        #expect(Array(try #require(reloaded.adapters).parameters.buffer) == Array(try #require(dpo.model.adapters).parameters.buffer))
    }

    /// The second run over the same inputs does no reference forward pass; changing the data, the
    /// maximum length, the loss type or the reference weights computes (and stores) new values.
    @Test func referenceLogProbsAreCachedAndKeyed() throws {
        let (folder, yaml) = try preferenceSetup()
        let first = try DPOTrainer(config: config(yaml("dpo", "a", "")), options: quiet(maxSteps: 1))
        try first.train()
        #expect(first.referenceForwardPasses == 18)   // 18 pairs in 9 micro-batches of 2, chosen and rejected
        let cached = try #require(first.referenceCache)
        #expect(FileManager.default.fileExists(atPath: cached.path))
        let second = try DPOTrainer(config: config(yaml("dpo", "b", "")), options: quiet(maxSteps: 1))
        try second.train()
        #expect(second.referenceForwardPasses == 0 && second.referenceCache?.key == cached.key)
        #expect(try deterministicMetrics(folder + "/a") == deterministicMetrics(folder + "/b"))

        var changed: [String] = []
        for variant in [yaml("dpo", "c", "").replacingOccurrences(of: "max_length: 64", with: "max_length: 36"),
                        yaml("dpo", "d", "").replacingOccurrences(of: "loss: dpo_norm", with: "loss: dpo"),
                        yaml("dpo", "e", "").replacingOccurrences(of: "eval.jsonl", with: "train.jsonl")] {
            let trainer = try DPOTrainer(config: config(variant), options: quiet(maxSteps: 1))
            try trainer.train()
            #expect(trainer.referenceForwardPasses > 0)
            changed.append(try #require(trainer.referenceCache?.key))
        }
        // another reference: the first run's final weights… here, a perturbed copy of the model
        let model = try LlamaCheckpoint.load(folder + "/model")
        model.parameters[0] += 0.001
        try LlamaCheckpoint.save(model, to: folder + "/other-reference")
        let other = try DPOTrainer(config: config(yaml("dpo", "f", "")
                                                  .replacingOccurrences(of: "reference_cache:", with: "reference: \(folder)/other-reference, reference_cache:")),
                                   options: quiet(maxSteps: 1))
        try other.train()
        #expect(other.referenceForwardPasses > 0)
        changed.append(try #require(other.referenceCache?.key))
        #expect(Set(changed + [cached.key]).count == 5)
    }

    /// A run killed in the middle of writing its step-4 checkpoint resumes from step 2 and ends with
    /// the same weights and metrics as the run that never stopped.
    @Test func resumeAfterAKillMidCheckpointIsBitIdentical() throws {
        let (folder, yaml) = try preferenceSetup()
        let whole = try DPOTrainer(config: config(yaml("dpo", "whole", "")), options: quiet())
        try whole.train()
        let killed = try DPOTrainer(config: config(yaml("dpo", "cut", "")), options: quiet(interruptAt: 4))
        #expect(throws: (any Error).self) { try killed.train() }
        #expect(FileManager.default.fileExists(atPath: folder + "/cut/checkpoints/.tmp-step-4/model.safetensors"))
        let resumed = try DPOTrainer(config: config(yaml("dpo", "cut", "")), options: quiet(resume: true))
        try resumed.train()
        #expect(parameterBits(whole.model) == parameterBits(resumed.model))
        #expect(try deterministicMetrics(folder + "/whole") == deterministicMetrics(folder + "/cut"))
    }

    /// SimPO needs no reference and computes none.
    @Test func simpoRunsWithoutAReference() throws {
        let (_, yaml) = try preferenceSetup()
        let simpo = try DPOTrainer(config: config(yaml("dpo", "s", "").replacingOccurrences(of: "loss: dpo_norm, beta: 5", with: "loss: simpo, beta: 2")),
                                   options: quiet(maxSteps: 2))
        try simpo.train()
        #expect(simpo.referenceForwardPasses == 0 && simpo.referenceCache == nil)
    }
}

@Suite(.serialized) struct RewardModelTrainerTests {
    /// Held-out accuracy starts near chance and rises well above it; the final folder is a
    /// sequence-classification checkpoint whose score head reloads.
    @Test func heldOutAccuracyRisesAndTheHeadIsSaved() throws {
        let (folder, yaml) = try preferenceSetup()
        let rm = try RewardModelTrainer(config: config(yaml("rm", "rm", "").replacingOccurrences(of: "epochs: 4", with: "epochs: 6")), options: quiet())
        try rm.train()
        let after = try rm.evaluateHeldOut()
        #expect(after["eval_accuracy"]! >= 5.0 / 6.0, "\(after)")
        #expect(after["eval_margin"]! > 0, "\(after)")
        let head = try #require(try LlamaCheckpoint.loadScoreHead(folder + "/rm/final"))
        #expect(head.map(\.bitPattern) == Array(rm.head.values.buffer).map(\.bitPattern))
        let configJSON = try String(contentsOfFile: folder + "/rm/final/config.json", encoding: .utf8)
        #expect(configJSON.contains("LlamaForSequenceClassification"))
        let reloaded = try LlamaCheckpoint.load(folder + "/rm/final")
        #expect(parameterBits(reloaded) == parameterBits(rm.model))
        #expect(try LlamaCheckpoint.loadScoreHead(folder + "/model") == nil)
    }

    /// The head starts N(0, 1/(hidden+1)): over 32 values the sample standard deviation is within
    /// a factor of 1.6 of 1/√33 ≈ 0.174, and the draw depends only on the seed.
    @Test func headInitialisation() throws {
        let (_, yaml) = try preferenceSetup()
        let a = try RewardModelTrainer(config: config(yaml("rm", "i1", "")), options: quiet())
        let b = try RewardModelTrainer(config: config(yaml("rm", "i2", "")), options: quiet())
        let values = Array(a.head.values.buffer).map(Double.init)
        #expect(values == Array(b.head.values.buffer).map(Double.init))
        let std = (values.map { $0 * $0 }.reduce(0, +) / Double(values.count)).squareRoot()
        let expected = 1 / 33.0.squareRoot()
        #expect(std > expected / 1.6 && std < expected * 1.6, "std \(std)")
    }

    /// Resume restores the head and its moments too.
    @Test func resumeIsBitIdentical() throws {
        let (folder, yaml) = try preferenceSetup()
        let whole = try RewardModelTrainer(config: config(yaml("rm", "whole", "")), options: quiet())
        try whole.train()
        let cut = try RewardModelTrainer(config: config(yaml("rm", "cut", "")), options: quiet(maxSteps: 5))
        try cut.train()
        let resumed = try RewardModelTrainer(config: config(yaml("rm", "cut", "")), options: quiet(resume: true))
        try resumed.train()
        #expect(parameterBits(whole.model) == parameterBits(resumed.model))
        #expect(Array(whole.head.values.buffer) == Array(resumed.head.values.buffer))
        #expect(try deterministicMetrics(folder + "/whole") == deterministicMetrics(folder + "/cut"))
    }
}

/// The trainers' whole backward (loss head, per-token spreading, batch scaling, two activation sets,
/// the reward head) against central finite differences of their own loss, on the parameters with
/// the largest gradients.
@Suite(.serialized) struct PreferenceGradientTests {
    private func check(loss: () throws -> Double, parameters: UnsafeMutablePointer<Float>, gradients: UnsafeMutablePointer<Float>,
                       count: Int, label: String) throws {
        _ = try loss()
        let analytic = (0..<count).map { gradients[$0] }
        let largest = analytic.indices.sorted { abs(analytic[$0]) > abs(analytic[$1]) }.prefix(4)
        for i in largest {
            let h: Float = 1e-2
            let saved = parameters[i]
            parameters[i] = saved + h
            let plus = try loss()
            parameters[i] = saved - h
            let minus = try loss()
            parameters[i] = saved
            let numeric = (plus - minus) / Double(2 * h)
            #expect(abs(numeric - Double(analytic[i])) <= 0.05 * abs(Double(analytic[i])) + 1e-4, "\(label)[\(i)]: analytic \(analytic[i]), numeric \(numeric)")
        }
    }

    @Test func dpoGradientMatchesFiniteDifferences() throws {
        let (_, yaml) = try preferenceSetup()
        for loss in ["dpo_norm", "dpo", "simpo"] {
            // after two steps the policy differs from the reference, so z ≠ 0
            let text = yaml("dpo", "g-\(loss)", "").replacingOccurrences(of: "loss: dpo_norm", with: "loss: \(loss), label_smoothing: 0.1")
            let dpo = try DPOTrainer(config: config(text), options: quiet(maxSteps: 2))
            try dpo.train()
            let model = dpo.model
            let gradients = try #require(model.gradients)
            try check(loss: { try dpo.lossAndGradients(batch: [0, 3, 5]) }, parameters: model.parameters.pointer,
                      gradients: gradients.pointer, count: model.layout.count, label: loss)
        }
    }

    @Test func rewardModelGradientMatchesFiniteDifferences() throws {
        let (_, yaml) = try preferenceSetup()
        let rm = try RewardModelTrainer(config: config(yaml("rm", "g", "")), options: quiet(maxSteps: 1))
        try rm.train()
        let gradients = try #require(rm.model.gradients)
        try check(loss: { try rm.lossAndGradients(batch: [1, 2, 4]) }, parameters: rm.model.parameters.pointer,
                  gradients: gradients.pointer, count: rm.model.layout.count, label: "decoder")
        try check(loss: { try rm.lossAndGradients(batch: [1, 2, 4]) }, parameters: rm.head.values.pointer,
                  gradients: rm.head.gradients.pointer, count: rm.head.values.count, label: "score.weight")
    }
}
