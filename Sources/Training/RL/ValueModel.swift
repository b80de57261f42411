import Foundation
import Kernels
import LlamaModel
import ModelIO
import RunConfig

/// PPO's critic: a Llama decoder with a scalar head, V(s_t) = w · h_t at the row before each
/// response token, trained with its own AdamW. Initialised from a reward model
/// (`LlamaForSequenceClassification`, Tulu 3's choice) or from the policy's weights with a fresh
/// head N(0, 1/(hidden + 1)).
final class ValueModel {
    let model: LlamaModel
    let head: HeadParameters
    /// AdamW and clipping over the decoder and its head.
    let optimizer: OptimizerGroup
    let activations: LlamaActivations
    /// dL/d(final hidden) [capacity, hidden].
    private let dHidden: FloatBuffer

    init(model: LlamaModel, score: [Float]?, seed: UInt64, optimizer section: OptimizerSection, capacity: Int, longestSequence: Int) throws {
        self.model = model
        let hidden = model.config.hiddenSize
        head = HeadParameters(name: "score.weight", shape: [1, hidden], settings: OptimizerGroup.settings(section))
        if let score {
            for (i, value) in score.enumerated() { head.values[i] = value }
        } else {
            RewardModelTrainer.initialiseHead(head.values, seed: seed)
        }
        optimizer = try OptimizerGroup(model: model, heads: [head], config: section)
        activations = LlamaActivations(config: model.config, capacity: capacity, longestSequence: longestSequence)
        dHidden = FloatBuffer(count: capacity * hidden)
    }

    /// V before every response token of each rollout (one packed forward); with `oneMore`, also
    /// after the last token (open-instruct's position one past the EOS).
    func values(_ rollouts: [Rollout], oneMore: Bool = false) throws -> [[Double]] {
        try model.forward(tokens: rollouts.flatMap(\.tokens), sequences: PackedSequences(lengths: rollouts.map(\.tokens.count)), activations: activations)
        var start = 0
        return rollouts.map { rollout in
            defer { start += rollout.tokens.count }
            let rows = (0..<(rollout.response.count + (oneMore ? 1 : 0))).map { start + rollout.row($0) }
            return head.scores(rows: rows, activations: activations)
        }
    }

    /// Backward of dL/dV (per response token) after `values` on the same rollouts.
    func backward(_ rollouts: [Rollout], dValues: [[Double]]) {
        var rows: [Int] = [], scores: [Double] = [], start = 0
        for (rollout, gradients) in zip(rollouts, dValues) {
            rows += gradients.indices.map { start + rollout.row($0) }
            scores += gradients
            start += rollout.tokens.count
        }
        head.backward(rows: rows, dScores: scores, model: model, activations: activations, dHidden: dHidden)
    }
}
