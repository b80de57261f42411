import Foundation
import Generation
import Kernels
import LlamaModel
import Verifiers

extension RLVRTrainer {
    /// Samples `samples` responses to each prompt; `ids` are the prompts' positions in the data order
    /// (the held-out prompts': their indices), so the random numbers of every token are fixed by
    /// (seed, position, sample, token index) whatever the batch, the thread count or a resume.
    /// `step` lists every prompt of the step when `prompts` is one rank's share of them: the
    /// response limit (the context left by the longest prompt) is then the same on every rank.
    /// At most `slots` samples decode at once (nil: all).
    func sampleWithStatistics(prompts: [Int], ids: [Int], of step: [Int]? = nil, greedy: Bool = false, samples: Int,
                              slots: Int? = nil) throws -> (rollouts: [Rollout], statistics: Generator.Statistics) {
        let pool = greedy ? evalPrompts : trainPrompts
        let longestPrompt = (step ?? prompts).map { pool[$0].tokens.count }.max() ?? 0
        let limit = min(config.rollout.maxResponseLength, max(0, policy.config.maxPositionEmbeddings - longestPrompt))
        let settings = SamplingSettings(temperature: greedy ? 0 : config.rollout.temperature, topP: greedy ? 1 : config.rollout.topP,
                                        maxNewTokens: limit, seed: UInt64(config.seed))
        let generator = try Generator(model: policy, settings: settings, eosTokens: eosTokens, maxBatch: max(1, slots ?? prompts.count * samples))
        let requests = zip(prompts, ids).map { GenerationRequest(id: $0.1, prompt: pool[$0.0].tokens, samples: samples) }
        let outputs = try generator.generate(requests)
        let groupOf = Dictionary(uniqueKeysWithValues: ids.enumerated().map { ($0.element, $0.offset) })
        let rollouts = outputs.map { output in
            let group = groupOf[output.requestID]!
            return Rollout(prompt: prompts[group], group: group, sample: output.sampleIndex, promptTokens: requests[group].prompt,
                           response: output.tokens, oldLogProbs: output.modelLogProbs, finish: output.finishReason)
        }
        return (rollouts, generator.statistics)
    }

    /// The verifiers' verdicts and the score of each rollout, with the non-stop and overlong penalties.
    func score(_ rollouts: inout [Rollout], prompts pool: [RLPrompt]) throws {
        let algorithm = config.algorithm
        for index in rollouts.indices {
            var rollout = rollouts[index]
            let prompt = pool[rollout.prompt]
            let content = rollout.finish == .eos ? Array(rollout.response.dropLast()) : rollout.response
            rollout.text = setup.tokenizer.decode(content)
            let (reward, verdicts) = try router.reward(dataset: prompt.dataset, response: rollout.text, groundTruth: prompt.groundTruth, prompt: prompt.text)
            rollout.verifierReward = reward
            rollout.verdicts = verdicts
            var score = reward
            if rollout.finish != .eos, let penalty = algorithm.nonStopPenalty {
                score = algorithm.nonStopMode == .replace ? penalty : score + penalty
            }
            if let buffer = algorithm.overlongBuffer {
                // DAPO: ((L − buffer) − |y|)/buffer over the last `buffer` tokens, at most −1, times the penalty
                let start = config.rollout.maxResponseLength - buffer
                if rollout.response.count > start {
                    score += algorithm.overlongPenalty * max(-1, Double(start - rollout.response.count) / Double(buffer))
                }
            }
            rollout.score = score
            rollouts[index] = rollout
        }
    }

    /// The frozen reference's log-probs of every response token, micro-batch by micro-batch. Under
    /// LoRA the reference is the policy with its adapters switched off (no second copy).
    func scoreWithReference(_ rollouts: inout [Rollout]) throws {
        let model = reference ?? policy
        if reference == nil { policy.adaptersEnabled = false }
        defer { policy.adaptersEnabled = true }
        var start = 0
        for micro in rollouts.chunked(config.training.microBatchSize) {
            let (logProbs, _) = try micro.responseLogProbs(model, activations: activations)
            for (offset, values) in logProbs.enumerated() { rollouts[start + offset].referenceLogProbs = values }
            start += micro.count
        }
    }

    /// The value model's estimates before every response token (GAE only).
    func estimateValues(_ rollouts: inout [Rollout]) throws {
        guard let value else { return }
        var start = 0
        for micro in rollouts.chunked(config.training.microBatchSize) {
            for (offset, values) in try value.values(micro, oneMore: config.algorithm.scoreOneTokenLater).enumerated() {
                rollouts[start + offset].values = values
            }
            start += micro.count
        }
    }

    /// Per-token advantages (and value targets for GAE) by the configured estimator. Returns the
    /// fraction of groups whose rewards are all equal.
    @discardableResult
    func estimateAdvantages(_ rollouts: inout [Rollout]) -> Double {
        let algorithm = config.algorithm
        let beta = algorithm.klCoef
        let estimator = KLEstimator(algorithm.klEstimator)
        let klInReward = algorithm.resolvedKLPlacement == .reward
        // per-token KL penalties (zero when the KL goes into the loss)
        let penalties: [[Double]] = rollouts.map { rollout in klInReward ? rollout.logRatios.map { -beta * estimator.value($0) } : rollout.logRatios.map { _ in 0 } }
        let groups = Dictionary(grouping: rollouts.indices, by: { rollouts[$0].group })
        let zeroVariance = groups.values.filter { members in Set(members.map { rollouts[$0].score }).count == 1 }.count
        switch algorithm.advantage {
        case .gae:
            for index in rollouts.indices {
                var rewards = penalties[index]
                if algorithm.scoreOneTokenLater {
                    rewards.append(rollouts[index].score)   // one position after the EOS (open-instruct)
                } else if !rewards.isEmpty {
                    rewards[rewards.count - 1] += rollouts[index].score   // at the EOS token
                }
                let (advantages, returns) = Advantages.gae(rewards: rewards, values: rollouts[index].values, gamma: algorithm.gamma, lambda: algorithm.lambda)
                rollouts[index].advantages = advantages
                rollouts[index].returns = returns
            }
        case .grpo, .rloo:
            for members in groups.values {
                // with the KL in the reward, each response's reward is its score minus β·Σ_t KL_t (TRL RLOO)
                let rewards = members.map { rollouts[$0].score + penalties[$0].reduce(0, +) }
                let advantages = algorithm.advantage == .grpo
                    ? Advantages.groupNormalised(rewards, std: Advantages.StandardDeviation(algorithm.groupStd),
                                                 epsilon: algorithm.groupEpsilon)
                    : Advantages.leaveOneOut(rewards)
                for (member, advantage) in zip(members, advantages) {
                    rollouts[member].advantages = [Double](repeating: advantage, count: rollouts[member].response.count)
                }
            }
        case .reinforcePPBaseline:
            for members in groups.values {
                let centred = Advantages.groupCentred(members.map { rollouts[$0].score })
                for (member, baseline) in zip(members, centred) {
                    // return of the per-token rewards with γ 1: the centred score plus the KL penalties still to come
                    var toCome = 0.0
                    var advantages = [Double](repeating: 0, count: rollouts[member].response.count)
                    for t in stride(from: advantages.count - 1, through: 0, by: -1) {
                        toCome += penalties[member][t]
                        advantages[t] = baseline + toCome
                    }
                    rollouts[member].advantages = advantages
                }
            }
        }
        if algorithm.whitenAdvantages && (algorithm.advantage == .gae || algorithm.advantage == .reinforcePPBaseline) {
            // over the response tokens only (not the extra position after the EOS)
            let whitened = Advantages.whiten(rollouts.map { Array($0.advantages.prefix($0.response.count)) })
            for index in rollouts.indices { rollouts[index].advantages = whitened[index] }
        }
        return Double(zeroVariance) / Double(max(1, groups.count))
    }
}
