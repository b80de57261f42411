import Foundation
import ModelIO
import RunConfig
import Testing
import TestSupport
import Training

/// The tiny byte-level model and a learnable verifiable task: every prompt's answer is 7 (the GSM8K
/// verifier takes the last number of the response), so raising the probability of "7" raises the reward.
private func rlSetup(_ algorithm: String, extra: String = "") throws -> (folder: String, yaml: (String) -> String) {
    let folder = try tinyModelFolder(prefix: "rlvr-rl-run")
    func rows(_ range: ClosedRange<Int>) -> [String] {
        range.map { #"{"messages": [{"role": "user", "content": "q\#($0)"}], "ground_truth": "7", "dataset": "gsm8k"}"# }
    }
    try writeRows(rows(1...16), to: folder, name: "train.jsonl")
    try writeRows(rows(17...20), to: folder, name: "eval.jsonl")
    let yaml = { (run: String) in
        """
        stage: ppo
        seed: 5
        threads: 1
        model: {path: \(folder)/model, chat_template: chatml}
        data: {train: \(folder)/train.jsonl, eval: \(folder)/eval.jsonl}
        optimizer: {lr: 0.01, weight_decay: 0.0}
        schedule: {kind: constant, warmup_steps: 0}
        training: {micro_batch_size: 8, epochs: 8}
        rollout: {prompts_per_step: 4, samples_per_prompt: 8, max_response_length: 3, sample_every: 4}
        algorithm: {advantage: \(algorithm), kl_coef: 0.01\(extra)}
        output: {dir: \(folder)/\(run), save_every: 5, eval_every: 0}
        """
    }
    return (folder, yaml)
}

/// Log lines collected from a trainer (its log callback may run on any thread).
private final class LogLines: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    func append(_ line: String) { lock.lock(); lines.append(line); lock.unlock() }
    var all: [String] { lock.lock(); defer { lock.unlock() }; return lines }
}

private func quietOptions(maxSteps: Int? = nil, resume: Bool = false) -> TrainerOptions {
    TrainerOptions(maxSteps: maxSteps, resume: resume, log: { _ in })
}

private func metricLines(_ path: String) throws -> [[String: Any]] {
    try String(contentsOfFile: path + "/metrics.jsonl", encoding: .utf8).split(separator: "\n").map {
        try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] ?? [:]
    }
}

/// metrics.jsonl without wall-clock figures.
private func timeless(_ path: String) throws -> [String] {
    try String(contentsOfFile: path + "/metrics.jsonl", encoding: .utf8).split(separator: "\n").map {
        $0.replacingOccurrences(of: #""(time/[a-z]+|tokens_per_s/[a-z]+|samples_per_s/[a-z]+)":[0-9.e+-]+,?"#, with: "", options: .regularExpression)
    }
}

@Suite(.serialized) struct RLVRTrainerTests {
    /// `evaluation.tasks` are measured on the policy at step 0, every eval_every steps and at the end.
    @Test func benchmarksAreLoggedBesideTheHeldOutRate() throws {
        let (folder, yaml) = try rlSetup("grpo")
        let data = try benchmarkDataFolder()
        let config = yaml("b").replacingOccurrences(of: "eval_every: 0", with: "eval_every: 2").replacingOccurrences(of: "epochs: 8", with: "epochs: 8, max_steps: 3")
            + "\nevaluation: {tasks: [piqa, gsm8k], limit: 2, data: \(data), max_new_tokens: 3, shots: 1}\n"
        let lines = LogLines()
        let options = TrainerOptions(log: { lines.append($0) })
        try RLVRTrainer(config: ConfigLoader.load(RunConfiguration.self, yaml: config), options: options).train()
        let metrics = try metricLines(folder + "/b")
        let evaluated = metrics.filter { $0["eval/piqa/acc"] != nil }.compactMap { $0["step"] as? Int }
        #expect(evaluated == [0, 2, 3], "\(metrics)")
        #expect(metrics.first?["eval/gsm8k/exact_match_flexible"] is Double)
        #expect(lines.all.contains { $0.contains("benchmarks: piqa acc") }, "\(lines.all)")
        // an unknown task stops the run before it starts
        let bad = yaml("c") + "\nevaluation: {tasks: [nosuch]}\n"
        #expect(throws: TrainerError.self) { try RLVRTrainer(config: ConfigLoader.load(RunConfiguration.self, yaml: bad), options: quietOptions()) }
    }

    /// Adapter dropout would make the trainer's log-probs differ from the sampler's, and a critic is
    /// written merged (no bf16 base under it): both refused by name.
    @Test(arguments: [("grpo", "lora: {rank: 4, dropout: 0.1}", "model.lora.dropout"), ("gae", "lora: {rank: 4}, base_dtype: bf16", "model.base_dtype")])
    func loraSettingsRLCannotUseAreRefused(advantage: String, model: String, key: String) throws {
        let (_, yaml) = try rlSetup(advantage)
        let text = yaml("d").replacingOccurrences(of: "chat_template: chatml}", with: "chat_template: chatml, \(model)}")
        #expect(text.contains(model))
        let error = #expect(throws: TrainerError.self) { try RLVRTrainer(config: ConfigLoader.load(RunConfiguration.self, yaml: text), options: quietOptions()) }
        #expect(error?.description.contains(key) == true, "\(String(describing: error))")
    }

    /// Sampling and training share kernels: the PPO ratio on the first minibatch is exactly 1, and at
    /// the first step the policy equals the reference, so every KL estimate is exactly 0.
    /// With LoRA the reference is the policy with its adapters off: exactly the same at step 1 (B = 0).
    @Test(arguments: [false, true]) func firstRatioIsExactlyOneAndFirstKLExactlyZero(lora: Bool) throws {
        let (folder, yaml) = try rlSetup("grpo")
        let text = lora ? yaml("r").replacingOccurrences(of: "chat_template: chatml}", with: "chat_template: chatml, lora: {rank: 4}}") : yaml("r")
        let trainer = try RLVRTrainer(config: ConfigLoader.load(RunConfiguration.self, yaml: text), options: quietOptions(maxSteps: 3))
        try trainer.train()
        let lines = try metricLines(folder + "/r")
        #expect(lines.allSatisfy { ($0["ratio_max_deviation"] as? Double) == 0 }, "\(lines.map { $0["ratio_max_deviation"] ?? "-" })")
        #expect(lines[0]["kl_k1"] as? Double == 0 && lines[0]["kl_k3"] as? Double == 0)
        #expect((lines[2]["kl_k3"] as? Double ?? 0) > 0)
    }

    /// The reward is learnable: the mean score of the last 4 steps beats the first 4 by a margin,
    /// with each estimator and each policy loss (a gradient of the wrong sign lowers it instead).
    @Test(arguments: ["grpo", "rloo", "gae", "gae-score-one-token-later", "reinforce_pp_baseline", "grpo-dr_grpo", "grpo-gspo", "grpo-cispo",
                      "grpo-lora", "gae-lora"])
    func rewardRises(variant: String) throws {
        let algorithm = variant.hasPrefix("gae") ? "gae" : variant.hasPrefix("grpo") ? "grpo" : variant
        let extras = ["gae": ", ppo_epochs: 2, minibatches: 2", "gae-lora": ", ppo_epochs: 2, minibatches: 2", "gae-score-one-token-later": ", score_one_token_later: true",
                      "grpo-dr_grpo": ", loss: dr_grpo, group_std: none", "grpo-gspo": ", loss: gspo, ppo_epochs: 2, clip_low: 0.0003, clip_high: 0.0004",
                      "grpo-cispo": ", loss: cispo, ppo_epochs: 2, clip_low: 1, clip_high: 0.28"]
        let extra = extras[variant] ?? ""
        let (folder, yaml) = try rlSetup(algorithm, extra: extra)
        let lora = variant.hasSuffix("-lora")
        if lora {
            // The tiny model's tied head is ±0.1 and the final norm caps |h|: its next-token
            // distribution is nearly uniform and adapters, which leave head and norms frozen, can
            // move a logit by under 2. Three times larger embeddings give them room to make "7" likely.
            let base = try LlamaCheckpoint.load(folder + "/model")
            for i in 0..<(base.config.vocabSize * base.config.hiddenSize) { base.parameters[base.layout.embedding + i] *= 3 }
            try LlamaCheckpoint.save(base, to: folder + "/model")
        }
        let text = lora ? yaml("run").replacingOccurrences(of: "chat_template: chatml}", with: "chat_template: chatml, lora: {rank: 4}}") : yaml("run")
        let trainer = try RLVRTrainer(config: ConfigLoader.load(RunConfiguration.self, yaml: text), options: quietOptions())
        let scores = try trainer.train()
        #expect(scores.count == 32)
        let first = scores.prefix(4).reduce(0, +) / 4, last = scores.suffix(4).reduce(0, +) / 4
        #expect(last > first + (lora ? 2.5 : 3), "\(variant): \(scores.map { String(format: "%.1f", $0) })")
        #expect(FileManager.default.fileExists(atPath: folder + (lora ? "/run/final/adapter_model.safetensors" : "/run/final/model.safetensors")))
        #expect(FileManager.default.fileExists(atPath: folder + "/run/samples.jsonl"))
        if algorithm == "gae" { #expect(FileManager.default.fileExists(atPath: folder + "/run/value/model.safetensors")) }
    }

    /// Same seed, same metrics; resumed after a stop, the same weights and metrics as a run that never stopped.
    @Test func deterministicAndResumable() throws {
        let (folder, yaml) = try rlSetup("gae", extra: ", ppo_epochs: 2")
        let config = try ConfigLoader.load(RunConfiguration.self, yaml: yaml("a")).withMaxSteps(8)
        try RLVRTrainer(config: config, options: quietOptions()).train()
        let b = try ConfigLoader.load(RunConfiguration.self, yaml: yaml("b")).withMaxSteps(8)
        let whole = try RLVRTrainer(config: b, options: quietOptions())
        try whole.train()
        #expect(try timeless(folder + "/a") == timeless(folder + "/b"))
        let c = try ConfigLoader.load(RunConfiguration.self, yaml: yaml("c")).withMaxSteps(8)
        try RLVRTrainer(config: c, options: quietOptions(maxSteps: 3)).train()
        let resumed = try RLVRTrainer(config: c, options: quietOptions(resume: true))
        try resumed.train()
        #expect(try timeless(folder + "/b") == timeless(folder + "/c"))
        #expect(parameterBits(whole.policy) == parameterBits(resumed.policy))
    }
}

/// The rows of samples.jsonl by step, then group: each group's scores.
private func groupScores(_ path: String) throws -> [Int: [Int: [Double]]] {
    var steps: [Int: [Int: [Double]]] = [:]
    for line in try String(contentsOfFile: path + "/samples.jsonl", encoding: .utf8).split(separator: "\n") {
        let row = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] ?? [:]
        steps[row["step"] as? Int ?? -1, default: [:]][row["group"] as? Int ?? -1, default: []].append(row["score"] as? Double ?? .nan)
    }
    return steps
}

/// Rollouts that keep the batch full: slots, dynamic sampling, the curriculum.
@Suite(.serialized) struct RolloutDrawingTests {
    /// Fewer decode slots than samples: the same tokens, so the same run, bit for bit.
    @Test func decodeSlotsDoNotChangeTheRun() throws {
        let (folder, yaml) = try rlSetup("grpo")
        let all = try RLVRTrainer(config: ConfigLoader.load(RunConfiguration.self, yaml: yaml("all")).withMaxSteps(3), options: quietOptions())
        try all.train()
        let slotted = yaml("slots").replacingOccurrences(of: "sample_every: 4}", with: "sample_every: 4, decode_batch: 5}")
        let five = try RLVRTrainer(config: ConfigLoader.load(RunConfiguration.self, yaml: slotted).withMaxSteps(3), options: quietOptions())
        try five.train()
        let same = parameterBits(all.policy) == parameterBits(five.policy)
        #expect(same, "the policies differ")
        let rows = { (run: String) in try timeless(folder + "/" + run).map { $0.replacingOccurrences(of: #""decode_rows_mean":[0-9.e+-]+,?"#, with: "", options: .regularExpression) } }
        #expect(try rows("all") == rows("slots"))
        let lines = try metricLines(folder + "/slots")
        #expect(lines.allSatisfy { ($0["decode_rows_mean"] as? Double ?? 99) <= 5 })
    }

    /// DAPO's dynamic sampling: every trained group has differing scores, and the prompts drawn to get
    /// them are logged; with a task nothing solves, the draw cap is hit, logged, and the step topped up.
    @Test func dynamicSamplingTrainsOnlyGroupsWhoseScoresDiffer() throws {
        let (folder, yaml) = try rlSetup("grpo")
        let dynamic = yaml("d").replacingOccurrences(of: "sample_every: 4}", with: "sample_every: 1, dynamic_sampling: true, dynamic_sampling_max_draws: 4}")
        let lines = LockedLines()
        try RLVRTrainer(config: ConfigLoader.load(RunConfiguration.self, yaml: dynamic).withMaxSteps(12), options: TrainerOptions(log: { lines.append($0) })).train()
        let metrics = try metricLines(folder + "/d")
        let scores = try groupScores(folder + "/d")
        var uncapped = 0
        for line in metrics {
            let step = line["step"] as? Int ?? -1
            let groups = scores[step] ?? [:]
            #expect(groups.count == 4, "step \(step): \(groups.count) groups")
            if line["dynamic/cap_hit"] as? Double == 0 {
                uncapped += 1
                #expect(groups.values.allSatisfy { Set($0).count > 1 }, "step \(step): \(groups)")
                #expect(line["useful_samples"] as? Double == 32)
            }
            let drawn = line["dynamic/prompts_drawn"] as? Double ?? 0
            #expect(drawn >= 4 && drawn <= 16 && line["prompts_consumed"] as? Double == drawn)
            let sampled = line["samples"] as? Double ?? 0
            #expect(sampled >= 32 && sampled <= drawn * 8 && sampled.truncatingRemainder(dividingBy: 8) == 0)
        }
        #expect(uncapped >= 3, "some steps should find 4 groups with differing scores: \(metrics.map { $0["dynamic/cap_hit"] ?? "-" })")
        #expect(metrics.contains { ($0["dynamic/prompts_drawn"] as? Double ?? 0) > 4 }, "some groups should have been rejected")

        // nothing can be solved: every step draws its cap, says so, and trains on equal-score groups
        try writeRows((1...16).map { #"{"messages": [{"role": "user", "content": "q\#($0)"}], "ground_truth": "123456789", "dataset": "gsm8k"}"# },
                      to: folder, name: "unsolvable.jsonl")
        let capped = dynamic.replacingOccurrences(of: "train: \(folder)/train.jsonl", with: "train: \(folder)/unsolvable.jsonl").replacingOccurrences(of: "/d,", with: "/u,")
        let capLines = LockedLines()
        try RLVRTrainer(config: ConfigLoader.load(RunConfiguration.self, yaml: capped).withMaxSteps(2), options: TrainerOptions(log: { capLines.append($0) })).train()
        let capMetrics = try metricLines(folder + "/u")
        #expect(capMetrics.allSatisfy { $0["dynamic/cap_hit"] as? Double == 1 && $0["dynamic/prompts_drawn"] as? Double == 16 && $0["useful_samples"] as? Double == 0 })
        #expect(capLines.all.filter { $0.contains("dynamic sampling drew its cap of 16 prompts and found 0 of 4") }.count == 2, "\(capLines.all)")
        #expect(try groupScores(folder + "/u").values.allSatisfy { $0.count == 4 })
    }

    /// Dynamic sampling draws ahead at the run's kept rate, which the checkpoint keeps: a run stopped
    /// and resumed draws the same prompts and ends with the same weights.
    @Test func dynamicSamplingSurvivesResume() throws {
        let (folder, yaml) = try rlSetup("grpo")
        let text = yaml("w").replacingOccurrences(of: "sample_every: 4}", with: "sample_every: 4, dynamic_sampling: true, skip_settled_after: 2}")
        let whole = try RLVRTrainer(config: ConfigLoader.load(RunConfiguration.self, yaml: text).withMaxSteps(8), options: quietOptions())
        try whole.train()
        let metrics = try metricLines(folder + "/w")
        #expect(Set(metrics.compactMap { $0["dynamic/prompts_drawn"] as? Double }).count > 1, "the draws should vary with the kept rate")
        try expectResumeMatches(whole, folder: folder, yaml: text.replacingOccurrences(of: "/w,", with: "/s,"), run: "s", steps: 8, stopAt: 3)
    }

    /// The curriculum skips prompts settled on their last visits, and a run stopped and resumed skips
    /// the same ones: the same metrics and weights as a run that never stopped.
    @Test func curriculumSurvivesResume() throws {
        let (folder, yaml) = try rlSetup("grpo")
        let text = yaml("c").replacingOccurrences(of: "sample_every: 4}", with: "sample_every: 4, skip_settled_after: 1}")
        let config = try ConfigLoader.load(RunConfiguration.self, yaml: text).withMaxSteps(10)
        let whole = try RLVRTrainer(config: config, options: quietOptions())
        try whole.train()
        let metrics = try metricLines(folder + "/c")
        #expect(metrics.contains { ($0["prompts_consumed"] as? Double ?? 0) > 4 }, "some settled prompts should have been skipped: \(metrics.map { $0["prompts_consumed"] ?? "-" })")
        #expect(metrics.contains { ($0["curriculum/settled_prompts"] as? Double ?? 0) > 0 })
        try expectResumeMatches(whole, folder: folder, yaml: text.replacingOccurrences(of: "/c,", with: "/r,"), run: "r", steps: 10, stopAt: 4)
    }

    /// Runs `yaml` to `stopAt`, resumes it to `steps`, and expects the metrics and weights of `whole`,
    /// the same run that never stopped.
    private func expectResumeMatches(_ whole: RLVRTrainer, folder: String, yaml: String, run: String, steps: Int, stopAt: Int) throws {
        let stopped = try ConfigLoader.load(RunConfiguration.self, yaml: yaml).withMaxSteps(steps)
        try RLVRTrainer(config: stopped, options: quietOptions(maxSteps: stopAt)).train()
        let resumed = try RLVRTrainer(config: stopped, options: quietOptions(resume: true))
        try resumed.train()
        #expect(try timeless(whole.run.path) == timeless(folder + "/" + run))
        let same = parameterBits(whole.policy) == parameterBits(resumed.policy)
        #expect(same, "the policies differ")
    }
}

extension RunConfiguration {
    func withMaxSteps(_ steps: Int) -> RunConfiguration {
        var copy = self
        copy.training.maxSteps = steps
        return copy
    }
}

/// A plug-in verifier that dies on every request, and one that never answers: their responses score
/// 0 with the reason in samples.jsonl, and the run goes on to the end.
@Test func failingPluginsScoreZeroAndTheRunGoesOn() throws {
    let (folder, yaml) = try rlSetup("grpo")
    try FileManager.default.createDirectory(atPath: folder + "/plugins", withIntermediateDirectories: true)
    try Data(#"""
    name: dies
    external: {command: [bash, -c, 'read line; exit 3'], timeout: 2}
    """#.utf8).write(to: URL(fileURLWithPath: folder + "/plugins/dies.yaml"))
    try Data("name: hangs\nexternal: {command: [bash, -c, 'sleep 30'], timeout: 0.2}\n".utf8).write(to: URL(fileURLWithPath: folder + "/plugins/hangs.yaml"))
    try writeRows((1...4).map { #"{"prompt": "q\#($0)", "ground_truth": "7", "dataset": "\#($0 % 2 == 0 ? "dies" : "hangs")"}"# }, to: folder, name: "plugins.jsonl")
    let text = yaml("p").replacingOccurrences(of: "train: \(folder)/train.jsonl", with: "train: \(folder)/plugins.jsonl")
        .replacingOccurrences(of: "prompts_per_step: 4, samples_per_prompt: 8", with: "prompts_per_step: 2, samples_per_prompt: 2")
        .replacingOccurrences(of: "sample_every: 4", with: "sample_every: 1") + "\nrewards: {plugins: \(folder)/plugins}\n"
    let config = try ConfigLoader.load(RunConfiguration.self, yaml: text).withMaxSteps(2)
    let trainer = try RLVRTrainer(config: config, options: quietOptions())
    let scores = try trainer.train()
    #expect(scores.count == 2)
    let samples = try String(contentsOfFile: folder + "/p/samples.jsonl", encoding: .utf8)
    #expect(samples.contains("no answer within 0.2 s"), "\(samples)")
    // a dead verifier fails the request when it is written or when its answer is awaited: both score 0 with the reason
    #expect(samples.contains(#""reason":"dies: "#) && !samples.contains(#""score":1,"verified":true"#), "\(samples)")
}

/// The planned memory is printed before the run, and a run over `rollout.memory_limit_gib` refuses
/// to start with the numbers.
@Test func memoryLimitRefusesWithTheNumbers() throws {
    let (_, yaml) = try rlSetup("gae")
    let lines = LockedLines()
    _ = try RLVRTrainer(config: ConfigLoader.load(RunConfiguration.self, yaml: yaml("m")), options: TrainerOptions(log: { lines.append($0) }))
    #expect(lines.all.contains { $0.hasPrefix("memory planned: policy weights") && $0.contains("KV cache for 32 sequences") })
    let limited = yaml("m").replacingOccurrences(of: "sample_every: 4}", with: "sample_every: 4, memory_limit_gib: 0.001}")
    do {
        _ = try RLVRTrainer(config: ConfigLoader.load(RunConfiguration.self, yaml: limited), options: quietOptions())
        Issue.record("expected the memory limit to refuse the run")
    } catch let error as TrainerError {
        #expect(error.description.contains("rollout.memory_limit_gib") && error.description.contains("total"), "\(error)")
    }
}

/// Log lines collected from a trainer (its log closure is @Sendable).
final class LockedLines: @unchecked Sendable {
    private var lines: [String] = []
    private let lock = NSLock()
    func append(_ line: String) { lock.lock(); lines.append(line); lock.unlock() }
    var all: [String] { lock.lock(); defer { lock.unlock() }; return lines }
}
