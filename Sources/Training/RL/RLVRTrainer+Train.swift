import Collectives
import Foundation
import Generation
import Kernels
import LlamaModel
import ModelIO
import RunConfig
import Verifiers

extension RLVRTrainer {
    var checkpointParts: [RunFolder.Part] {
        var parts = [RunFolder.Part(model: policy, optimizer: policyOptimizer.optimizer, baseModel: config.model.path)]
        if let value {
            parts.append(RunFolder.Part(subfolder: "value", model: value.model, optimizer: value.optimizer.optimizer, heads: [value.head],
                                        baseModel: config.algorithm.valueModel ?? config.model.path))
        }
        return parts
    }

    /// Greedy responses to the held-out prompts: the fraction fully verified and the mean score
    /// (each rank answers its share of the prompts).
    public func evaluateHeldOut() throws -> [String: Double] {
        guard !evalPrompts.isEmpty else { return [:] }
        let mine = group.share(of: evalPrompts.count)
        var local = try sampleWithStatistics(prompts: Array(mine), ids: Array(mine), of: Array(evalPrompts.indices), greedy: true, samples: 1,
                                             slots: config.rollout.decodeBatch ?? (config.rollout.dynamicSampling ? dynamicSlots : nil)).rollouts
        try score(&local, prompts: evalPrompts)
        let rollouts = try group.allGather(local.map { [$0.verdicts.allSatisfy(\.verified) && !$0.verdicts.isEmpty ? 1 : 0, $0.verifierReward] }).flatMap { $0 }
        return ["eval_verified": rollouts.reduce(0) { $0 + $1[0] } / Double(rollouts.count),
                "eval_score": rollouts.reduce(0) { $0 + $1[1] } / Double(rollouts.count)]
    }

    /// The held-out verified rate and the `evaluation.tasks` benchmarks (computed on rank 0, whose
    /// metrics line is the run's), with a log line.
    func evaluate(step: Int) throws -> [String: Double] {
        var metrics = try evaluateHeldOut()
        if !evalPrompts.isEmpty {
            options.log(String(format: "step %d  held-out verified %.3f  score %.3f", step, metrics["eval_verified"] ?? 0, metrics["eval_score"] ?? 0))
        }
        if let benchmarks, group.isRoot {
            let measured = try benchmarks.measure()
            metrics.merge(measured) { current, _ in current }
            options.log("step \(step)  benchmarks: \(benchmarks.summary(measured))")
        }
        return metrics
    }

    var evaluates: Bool { !evalPrompts.isEmpty || benchmarks != nil }

    /// Runs to `totalSteps` (or `--max-steps`), resuming from the newest checkpoint when asked.
    /// Returns each step's mean score.
    @discardableResult
    public func train() throws -> [Double] {
        let lifecycle = RunLifecycle(run: run, config: config, options: options, parts: checkpointParts,
                                     stepLogs: [run.path + "/samples.jsonl"], totalSteps: totalSteps)
        lifecycle.memoryPlan = memoryPlan.map { (what: $0.what, bytes: $0.bytes) }
        var state = try lifecycle.start()
        if config.rollout.skipSettledAfter > 0 && state.promptVisits == nil { state.promptVisits = PromptVisits(remembered: config.rollout.skipSettledAfter) }
        if !options.resume && config.output.evalEvery > 0 && evaluates {
            // the starting point, as step 0
            var line: [String: Any] = ["step": 0]
            line.merge(try evaluate(step: 0)) { current, _ in current }
            if lifecycle.writes { try run.appendMetrics(line) }
        }
        var scores: [Double] = []
        while state.step < lifecycle.stopAt {
            let started = Profiler.now()
            let (metrics, meanScore) = try rlStep(&state)
            state.step += 1
            scores.append(meanScore)
            var line = metrics
            line["step"] = state.step
            line["epoch"] = Double(state.examplesSeen) / Double(trainPrompts.count)
            if lifecycle.evaluates(after: state.step) && evaluates {
                let began = Profiler.now()
                line.merge(try evaluate(step: state.step)) { current, _ in current }
                line["time/eval"] = Profiler.now() - began
            }
            let summary = String(format: "score %.3f  verified %.2f  kl %.4f  len %.0f  %.0f tok/s sampling", meanScore, metrics["verified"] as? Double ?? 0,
                                 metrics["kl_k1"] as? Double ?? 0, metrics["response_length"] as? Double ?? 0, metrics["tokens_per_s/sampling"] as? Double ?? 0)
            try lifecycle.stepDone(state, seconds: Profiler.now() - started, metrics: line, status: summary, line: summary)
        }
        try lifecycle.end(state) { folder in
            try setup.saveModel(policy, to: folder)
            if let value { value.model.mergeAdapters(); try LlamaCheckpoint.saveSequenceClassifier(value.model, score: Array(value.head.values.buffer), to: run.path + "/value") }
        }
        return scores
    }

    /// One RL step: sample, verify, reference, values, advantages, update. Returns its metrics.
    func rlStep(_ state: inout RunFolder.TrainerState) throws -> ([String: Any], Double) {
        let writes = group.isRoot
        var times: [String: Double] = [:]
        func timed<T>(_ phase: String, _ body: () throws -> T) rethrows -> T {
            let began = Profiler.now()
            defer { times[phase, default: 0] += Profiler.now() - began }
            return try body()
        }
        // this rank's share of the prompts (whole groups): sampled, verified and scored by the
        // reference and value models here, then every rank gathers every rollout in prompt order
        let began = Profiler.now()
        let draw = config.rollout.dynamicSampling ? try drawDynamic(state) : try drawFixed(state)
        times["sample"] = Profiler.now() - began - draw.verifySeconds
        times["verify"] = draw.verifySeconds
        var local = draw.rollouts
        try timed("reference") { try scoreWithReference(&local) }
        try timed("value") { try estimateValues(&local) }
        var rollouts = try timed("gather") { try group.allGather(local).flatMap { $0 } }
        let zeroVarianceFraction = estimateAdvantages(&rollouts)
        var trained = rollouts
        if config.algorithm.dropZeroVarianceGroups {
            let groups = Dictionary(grouping: rollouts, by: \.group)
            let kept = Set(groups.filter { Set($0.value.map(\.score)).count > 1 }.keys)
            trained = rollouts.filter { kept.contains($0.group) }
        }
        // the data cursor, the curriculum and the kept rate move on (every rank alike: they see every group)
        state.examplesSeen += draw.consumed
        if config.rollout.dynamicSampling {
            state.groupsKept = (state.groupsKept ?? 0) + draw.groupsKept
            state.groupsEnded = (state.groupsEnded ?? 0) + draw.groupsEnded
        }
        if state.promptVisits != nil {
            let visits = config.rollout.dynamicSampling ? draw.sampledGroups
                : Dictionary(grouping: rollouts, by: \.group).sorted { $0.key < $1.key }.map { ($0.value[0].prompt, $0.value.map(\.score)) }
            for visit in visits { state.promptVisits?.record(prompt: visit.prompt, scores: visit.scores) }
        }
        let stats = try timed("update") { trained.isEmpty ? UpdateStatistics() : try update(trained, step: state.step) }

        // metrics
        let n = Double(rollouts.count)
        let meanScore = rollouts.reduce(0) { $0 + $1.score } / n
        var metrics: [String: Any] = [:]
        metrics["score"] = meanScore
        metrics["verifier_reward"] = rollouts.reduce(0) { $0 + $1.verifierReward } / n
        metrics["verified"] = Double(rollouts.filter { !$0.verdicts.isEmpty && $0.verdicts.allSatisfy(\.verified) }.count) / n
        var perVerifier: [String: (Int, Int)] = [:]
        for rollout in rollouts {
            for (verifier, verdict) in zip((try? router.verifiers(for: trainPrompts[rollout.prompt].dataset)) ?? [], rollout.verdicts) {
                let name = verifier.verifier.name
                perVerifier[name, default: (0, 0)].0 += verdict.verified ? 1 : 0
                perVerifier[name, default: (0, 0)].1 += 1
            }
        }
        for (name, (verified, count)) in perVerifier { metrics["verified/\(name)"] = Double(verified) / Double(count) }
        for estimator in KLEstimator.allCases {
            metrics["kl_\(estimator.rawValue)"] = rollouts.reduce(0) { $0 + $1.logRatios.reduce(0) { $0 + estimator.value($1) } } / n
        }
        let lengths = rollouts.map(\.response.count)
        metrics["response_length"] = Double(lengths.reduce(0, +)) / n
        metrics["response_length_max"] = lengths.max() ?? 0
        metrics["stop_rate"] = Double(rollouts.filter { $0.finish == .eos }.count) / n
        metrics["zero_variance_groups"] = zeroVarianceFraction
        // samples paid for (with dynamic sampling: the rejected groups too) and those with something to teach
        let stepSeconds = max(1e-9, times.values.reduce(0, +))
        let sampledCount = draw.samplesSampled.map(Double.init) ?? n
        let useful = Double(rollouts.filter { $0.advantages.contains { $0 != 0 } }.count)
        metrics["samples"] = sampledCount
        metrics["useful_samples"] = useful
        metrics["samples_per_s/all"] = sampledCount / stepSeconds
        metrics["samples_per_s/useful"] = useful / stepSeconds
        metrics["prompts_consumed"] = draw.consumed
        if let visits = state.promptVisits { metrics["curriculum/settled_prompts"] = visits.settledCount }
        for (key, value) in draw.metrics { metrics[key] = value }
        let tokens = Double(max(1, stats.tokens))
        metrics["entropy"] = stats.entropy / tokens
        metrics["approx_kl"] = stats.approxKL / tokens
        metrics["clip_fraction/policy"] = Double(stats.policyClipped) / tokens
        metrics["loss/policy"] = stats.policyLoss / Double(max(1, stats.optimizerSteps))
        metrics["ratio_max_deviation"] = stats.ratioMaxDeviation
        metrics["grad_norm"] = stats.gradNorm
        if value != nil {
            metrics["loss/value"] = stats.valueLoss / Double(max(1, stats.optimizerSteps))
            metrics["clip_fraction/value"] = Double(stats.valueClipped) / Double(max(1, stats.valueTokens))
            metrics["grad_norm/value"] = stats.valueGradNorm
        }
        metrics["lr"] = TrainingLoop.schedule(config, totalSteps: totalOptimizerSteps).rate(at: max(0, policyOptimizer.stepsTaken - 1))
        for (phase, seconds) in times { metrics["time/\(phase)"] = seconds }
        metrics["tokens_per_s/sampling"] = Double(lengths.reduce(0, +)) / max(1e-9, times["sample"] ?? 0)
        // why sampling runs below the decode benchmark: the prefill, and rows leaving the batch as responses stop
        let generation = draw.statistics
        metrics["time/prefill"] = generation.prefillSeconds
        metrics["tokens_per_s/decode"] = Double(generation.decodedTokens) / max(1e-9, generation.decodeSeconds)
        metrics["decode_rows_mean"] = Double(generation.decodedTokens) / Double(max(1, generation.decodeSteps))
        metrics["tokens_per_s/training"] = Double(stats.trainedTokens) / max(1e-9, times["update"] ?? 0)
        if writes && config.rollout.sampleEvery > 0 && (state.step + 1) % config.rollout.sampleEvery == 0 {
            try writeSamples(rollouts, step: state.step + 1)
        }
        return (metrics, meanScore)
    }

    /// Appends the step's prompts, responses and verdicts to samples.jsonl.
    func writeSamples(_ rollouts: [Rollout], step: Int) throws {
        var lines = Data()
        for rollout in rollouts {
            let prompt = trainPrompts[rollout.prompt]
            let object: [String: Any] = [
                "step": step, "group": rollout.group, "prompt": prompt.text, "dataset": prompt.dataset, "ground_truth": prompt.groundTruth.text,
                "sample": rollout.sample, "response": rollout.text, "finish": rollout.finish.rawValue, "score": rollout.score,
                "verdicts": rollout.verdicts.map { ["score": $0.score, "verified": $0.verified, "reason": $0.reason] as [String: Any] },
            ]
            lines.append(try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]))
            lines.append(UInt8(ascii: "\n"))
        }
        let path = run.path + "/samples.jsonl"
        if !FileManager.default.fileExists(atPath: path) { _ = FileManager.default.createFile(atPath: path, contents: nil) }
        guard let handle = FileHandle(forWritingAtPath: path) else { throw TrainerError("\(path): cannot be opened") }
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: lines)
    }
}
