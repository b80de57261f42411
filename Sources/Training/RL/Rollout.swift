import Foundation
import Kernels
import LlamaModel
import Generation
import Verifiers

/// One sampled response and everything RLVR computes about it before the update (Codable: ranks
/// exchange their rollouts bit for bit).
struct Rollout: Codable {
    /// Index into the trainer's prompts, the prompt's slot in the step (its group) and the sample index.
    var prompt: Int
    var group: Int
    var sample: Int
    var promptTokens: [Int32]
    var response: [Int32]
    /// log π_old of each response token: the sampler's own numbers (the same kernels as training).
    var oldLogProbs: [Float]
    var finish: FinishReason
    var text = ""
    /// The verifiers' reward (scale × Σ weight · score) before penalties, and after them.
    var verifierReward = 0.0
    var score = 0.0
    var verdicts: [Verdict] = []
    var referenceLogProbs: [Float] = []
    /// The value model's estimate before each response token (GAE only).
    var values: [Double] = []
    var advantages: [Double] = []
    var returns: [Double] = []

    var tokens: [Int32] { promptTokens + response }

    /// Row of the packed forward whose target is response token `i` (the row before it).
    func row(_ i: Int) -> Int { promptTokens.count - 1 + i }

    /// d_t = log π_old − log π_ref per response token.
    var logRatios: [Double] { zip(oldLogProbs, referenceLogProbs).map { Double($0) - Double($1) } }
}

extension Array where Element == Rollout {
    /// Every response token's log-prob under `model` (one packed forward over these rollouts),
    /// and the entropy of each of those next-token distributions.
    func responseLogProbs(_ model: LlamaModel, activations: LlamaActivations) throws -> (logProbs: [[Float]], entropies: [[Float]]) {
        let tokens = flatMap(\.tokens)
        var targets = [Int32](repeating: -1, count: tokens.count)
        var start = 0
        for rollout in self {
            for (i, token) in rollout.response.enumerated() { targets[start + rollout.row(i)] = token }
            start += rollout.tokens.count
        }
        try model.forward(tokens: tokens, sequences: PackedSequences(lengths: map(\.tokens.count)), activations: activations)
        try model.tokenLogProbs(targets: targets, activations: activations)
        var logProbs: [[Float]] = [], entropies: [[Float]] = []
        start = 0
        for rollout in self {
            logProbs.append(rollout.response.indices.map { activations.logProb[start + rollout.row($0)] })
            entropies.append(rollout.response.indices.map { activations.entropy[start + rollout.row($0)] })
            start += rollout.tokens.count
        }
        return (logProbs, entropies)
    }

    /// dL/d(log-prob) of every packed row from per-response-token gradients.
    func packedGradient(_ perToken: [[Double]]) -> [Float] {
        var gradient = [Float](repeating: 0, count: reduce(0) { $0 + $1.tokens.count })
        var start = 0
        for (rollout, values) in zip(self, perToken) {
            for (i, value) in values.enumerated() { gradient[start + rollout.row(i)] = Float(value) }
            start += rollout.tokens.count
        }
        return gradient
    }
}
