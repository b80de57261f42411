import Foundation
import Generation
import Kernels
import LlamaModel

extension RLVRTrainer {
    /// Figures of one update phase (all PPO epochs and minibatches of a step).
    struct UpdateStatistics {
        var policyLoss = 0.0, valueLoss = 0.0, approxKL = 0.0, entropy = 0.0
        var policyClipped = 0, valueClipped = 0, tokens = 0, valueTokens = 0
        var gradNorm = 0.0, valueGradNorm = 0.0, optimizerSteps = 0
        /// max |log π − log π_old| over the first minibatch (0: sampling and training agree exactly).
        var ratioMaxDeviation = 0.0
        var trainedTokens = 0
    }

    /// One micro-batch's additive figures, as gathered across ranks.
    private enum Figure: Int, CaseIterable {
        case policyLoss, approxKL, entropy, policyClipped, tokens, ratioMaxDeviation, trainedTokens, valueLoss, valueClipped, valueTokens
    }

    /// `ppo_epochs` passes over the rollouts (in a seeded order per pass), each split into
    /// `minibatches` optimizer steps. A minibatch's micro-batches are the leaves of its gradient sum
    /// (`DataParallelStep`): each rank runs its share and every rank ends with the same gradients.
    func update(_ rollouts: [Rollout], step: Int) throws -> UpdateStatistics {
        let algorithm = config.algorithm
        var stats = UpdateStatistics()
        let schedule = TrainingLoop.schedule(config, totalSteps: totalOptimizerSteps)
        // the value model follows the same shape of schedule, peaking at value_lr when one is set
        let valueSchedule = value.map { _ in TrainingLoop.schedule(config, totalSteps: totalOptimizerSteps, peak: algorithm.valueLr) }
        for epoch in 0..<algorithm.ppoEpochs {
            let permutation = EpochOrder.permutation(count: rollouts.count, seed: UInt64(config.seed) &+ 0x5151, stream: step * algorithm.ppoEpochs + epoch)
            let size = (rollouts.count + algorithm.minibatches - 1) / algorithm.minibatches
            for (minibatchIndex, minibatch) in permutation.chunked(size).enumerated() {
                let members = minibatch.map { rollouts[$0] }
                let tokenCount = members.reduce(0) { $0 + $1.response.count }
                // token: every token of the minibatch weighs the same; sequence: every response does;
                // constant: every token weighs 1 / (responses × the longest response allowed)
                let responses = Double(members.count), longest = Double(config.rollout.maxResponseLength)
                let weight = { (rollout: Rollout) -> Double in
                    switch algorithm.resolvedAggregation {
                    case .token: return 1 / Double(max(1, tokenCount))
                    case .sequence: return 1 / (Double(max(1, rollout.response.count)) * responses)
                    case .constant: return 1 / (responses * longest)
                    }
                }
                let micros = members.chunked(config.training.microBatchSize)
                let figures = try parallel.run(leaves: micros.count) { index in
                    try microBatch(micros[index], weight: weight, measureRatio: epoch == 0 && minibatchIndex == 0)
                }
                for part in figures {
                    stats.policyLoss += part[Figure.policyLoss.rawValue]
                    stats.approxKL += part[Figure.approxKL.rawValue]
                    stats.entropy += part[Figure.entropy.rawValue]
                    stats.policyClipped += Int(part[Figure.policyClipped.rawValue])
                    stats.tokens += Int(part[Figure.tokens.rawValue])
                    stats.ratioMaxDeviation = max(stats.ratioMaxDeviation, part[Figure.ratioMaxDeviation.rawValue])
                    stats.trainedTokens += Int(part[Figure.trainedTokens.rawValue])
                    stats.valueLoss += part[Figure.valueLoss.rawValue]
                    stats.valueClipped += Int(part[Figure.valueClipped.rawValue])
                    stats.valueTokens += Int(part[Figure.valueTokens.rawValue])
                }
                stats.gradNorm = policyOptimizer.step(lr: schedule.rate(at: policyOptimizer.stepsTaken))
                if let value, let valueSchedule {
                    stats.valueGradNorm = value.optimizer.step(lr: valueSchedule.rate(at: value.optimizer.stepsTaken))
                }
                stats.optimizerSteps += 1
            }
        }
        return stats
    }

    /// Forward and backward of one micro-batch of rollouts through the policy (clipped objective,
    /// KL in the loss when so placed) and the value model (clipped value loss); its figures.
    private func microBatch(_ micro: [Rollout], weight: (Rollout) -> Double, measureRatio: Bool) throws -> [Double] {
        let algorithm = config.algorithm
        let estimator = KLEstimator(algorithm.klEstimator)
        let klInLoss = algorithm.resolvedKLPlacement == .loss && algorithm.klCoef > 0
        var figures = [Double](repeating: 0, count: Figure.allCases.count)
        func add(_ figure: Figure, _ amount: Double) { figures[figure.rawValue] += amount }
        let (newLogProbs, entropies) = try micro.responseLogProbs(policy, activations: activations)
        var gradients: [[Double]] = []
        for (rollout, (logProbs, entropy)) in zip(micro, zip(newLogProbs, entropies)) {
            let weight = weight(rollout)
            var perToken = [Double](repeating: 0, count: logProbs.count)
            // GSPO: one term per response (its tokens share the ratio, the clip and the gradient),
            // weighted as the response (weight × length), with the response's mean advantage.
            let sequenceTerm: SequencePolicyLoss.Sequence? = algorithm.loss != .gspo || logProbs.isEmpty ? nil
                : SequencePolicyLoss.sequence(logProbs: logProbs.map(Double.init), oldLogProbs: rollout.oldLogProbs.map(Double.init),
                                              advantage: rollout.advantages.reduce(0, +) / Double(rollout.advantages.count),
                                              clipLow: algorithm.clipLow, clipHigh: algorithm.clipHigh)
            if let sequenceTerm { add(.policyLoss, sequenceTerm.loss * weight * Double(logProbs.count)) }
            for t in logProbs.indices {
                let new = Double(logProbs[t]), old = Double(rollout.oldLogProbs[t])
                if measureRatio { figures[Figure.ratioMaxDeviation.rawValue] = max(figures[Figure.ratioMaxDeviation.rawValue], abs(new - old)) }
                let objective: ClippedPolicyLoss.Token
                switch algorithm.loss {
                case .ppo, .drGRPO:
                    objective = ClippedPolicyLoss.token(logProb: new, oldLogProb: old, advantage: rollout.advantages[t],
                                                        clipLow: algorithm.clipLow, clipHigh: algorithm.clipHigh)
                case .cispo:
                    objective = ClippedWeightLoss.token(logProb: new, oldLogProb: old, advantage: rollout.advantages[t],
                                                        clipLow: algorithm.clipLow, clipHigh: algorithm.clipHigh)
                case .gspo:
                    let term = sequenceTerm!
                    // the sequence's loss is counted once above; each token carries its share of the gradient
                    objective = ClippedPolicyLoss.Token(loss: 0, dLogProb: term.dLogProb * Double(logProbs.count), ratio: term.ratio, clipped: term.clipped)
                }
                var loss = objective.loss, d = objective.dLogProb
                if klInLoss {
                    let ratio = new - Double(rollout.referenceLogProbs[t])
                    loss += algorithm.klCoef * estimator.value(ratio)
                    d += algorithm.klCoef * estimator.derivative(ratio)
                }
                perToken[t] = d * weight
                add(.policyLoss, loss * weight)
                add(.approxKL, 0.5 * (new - old) * (new - old))
                add(.entropy, Double(entropy[t]))
                add(.policyClipped, objective.clipped ? 1 : 0)
                add(.tokens, 1)
            }
            gradients.append(perToken)
        }
        policy.backward(dLogProb: micro.packedGradient(gradients), activations: activations)
        add(.trainedTokens, Double(micro.reduce(0) { $0 + $1.tokens.count }))
        if let value {
            let predictions = try value.values(micro, oneMore: algorithm.scoreOneTokenLater)
            var dValues: [[Double]] = []
            for (rollout, values) in zip(micro, predictions) {
                let weight = weight(rollout)
                dValues.append(values.indices.map { t in
                    let term = ClippedValueLoss.token(value: values[t], oldValue: rollout.values[t], target: rollout.returns[t], clip: algorithm.valueClip)
                    add(.valueLoss, term.loss * weight)
                    add(.valueClipped, term.clipped ? 1 : 0)
                    add(.valueTokens, 1)
                    return term.dValue * (algorithm.valueCoef * weight)
                })
            }
            value.backward(micro, dValues: dValues)
        }
        return figures
    }
}
