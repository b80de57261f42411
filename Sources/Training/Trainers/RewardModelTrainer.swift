import Foundation
import Generation
import Kernels
import LlamaModel
import ModelIO
import RunConfig
import Tokenization

/// Reward-model training (open-instruct `reward_modeling.py`, TRL `RewardTrainer`): a scalar head
/// `score.weight` [1, hidden] on the final hidden state of each sequence's last real token — the
/// EOS that closes the compared response (open-instruct scores the last non-pad token, which its
/// template makes the EOS; ChatML's trailing newline after `<|im_end|>` is markup, not scored), or
/// the last token when truncation cut the response short,
///
///     r = w · h_last,   L = −log σ(r_c − r_r)   (`RewardModelLoss`, mean over the batch's pairs),
///
/// the head initialised N(0, σ²) with σ = 1/√(hidden + 1) and trained with the decoder on the shared
/// `TrainingLoop`. Saved as transformers' `LlamaForSequenceClassification`, the PPO value model's
/// starting point.
public final class RewardModelTrainer {
    public let config: RunConfiguration
    public let model: LlamaModel
    public let trainPairs: [PreferencePair]
    public let evalPairs: [PreferencePair]
    /// `score.weight` [1, hidden] with its gradient and optimizer moments.
    public let head: HeadParameters
    let setup: TrainerSetup
    let loop: TrainingLoop
    let chosenActivations: LlamaActivations
    let rejectedActivations: LlamaActivations
    /// dL/d(final hidden) [capacity, hidden]: zero except the scored rows.
    private let dHidden: FloatBuffer

    public init(config: RunConfiguration, options: TrainerOptions) throws {
        self.config = config
        if config.model.baseDType == .bf16 {
            throw TrainerError("model.base_dtype: bf16 is not available for a reward model: its final/ is written merged (W + s·B·A), which needs fp32 layers (use f32)")
        }
        let loaded = try PreferenceData.load(config: config, options: options)
        (setup, trainPairs, evalPairs, model) = (loaded.setup, loaded.data.train, loaded.data.eval, loaded.setup.model)
        let hidden = model.config.hiddenSize
        head = HeadParameters(name: "score.weight", shape: [1, hidden], settings: OptimizerGroup.settings(config.optimizer))
        Self.initialiseHead(head.values, seed: UInt64(config.seed))
        loop = try TrainingLoop(config: config, options: options, model: model, itemCount: trainPairs.count, heads: [head])
        let lengths = (trainPairs + evalPairs).flatMap { [$0.chosen.tokens.count, $0.rejected.tokens.count] }
        chosenActivations = TrainerSetup.activations(for: model.config, lengths: lengths, micro: config.training.microBatchSize)
        rejectedActivations = TrainerSetup.activations(for: model.config, lengths: lengths, micro: config.training.microBatchSize)
        dHidden = FloatBuffer(count: chosenActivations.capacity * hidden)
        loop.logMemoryPlan(activations: [chosenActivations, rejectedActivations])
    }

    public var run: RunFolder { loop.run }

    /// N(0, 1/(hidden + 1)) by Box–Muller from seeded counter-based uniforms (reproducible, and
    /// independent of everything else the seed drives).
    static func initialiseHead(_ weights: FloatBuffer, seed: UInt64) {
        let std = 1 / Double(weights.count + 1).squareRoot()
        for i in 0..<weights.count {
            weights[i] = Float(CounterRNG.normal(seed: seed, stream: -2, index: i, standardDeviation: std))
        }
    }

    /// Forward of packed sequences; the reward of each (head · final hidden state of its scored
    /// token) and the row of that token.
    func rewards(_ sequences: [TokenizedExample], activations: LlamaActivations) throws -> (rewards: [Double], rows: [Int]) {
        try model.forward(tokens: sequences.flatMap(\.tokens), sequences: PackedSequences(lengths: sequences.map(\.tokens.count)), activations: activations)
        var rows: [Int] = [], start = 0
        for sequence in sequences {
            rows.append(start + Self.scoredPosition(sequence))
            start += sequence.tokens.count
        }
        return (head.scores(rows: rows, activations: activations), rows)
    }

    /// The position whose hidden state is scored: the last trained token (the response's closing
    /// EOS, or its last token when truncated).
    public static func scoredPosition(_ sequence: TokenizedExample) -> Int {
        sequence.trained.lastIndex(of: true) ?? (sequence.tokens.count - 1)
    }

    /// Backward of `dReward` (one per sequence) through the head into the decoder.
    private func backward(dReward: [Double], rows: [Int], activations: LlamaActivations) {
        head.backward(rows: rows, dScores: dReward, model: model, activations: activations, dHidden: dHidden)
    }

    /// Held-out loss, accuracy (r_c > r_r) and mean margin r_c − r_r (micro-batches shared among ranks).
    public func evaluateHeldOut() throws -> [String: Double] {
        let micros = evalPairs.chunked(config.training.microBatchSize)
        let parts = try loop.group.map(micros.count) { index -> [Double] in
            var summary = RewardSummary()
            let chosen = try rewards(micros[index].map(\.chosen), activations: chosenActivations).rewards
            let rejected = try rewards(micros[index].map(\.rejected), activations: rejectedActivations).rewards
            for k in micros[index].indices { summary.add(chosen: chosen[k], rejected: rejected[k]) }
            return summary.figures
        }
        return RewardSummary(merging: parts).metrics(prefix: "eval_")
    }

    /// Trains to the end (or `--max-steps`); returns each step's mean loss.
    @discardableResult
    public func train() throws -> [Double] {
        try loop.train(plan: plan, evaluate: evalPairs.isEmpty ? nil : evaluateHeldOut, saveFinal: { folder in
            // under LoRA the reward model is written merged (in place: the run is over), so a
            // sequence classifier loads without PEFT
            self.model.mergeAdapters()
            try LlamaCheckpoint.saveSequenceClassifier(self.model, score: Array(self.head.values.buffer), to: folder)
            try self.setup.saveTokenizer(to: folder)
        })
    }

    /// The mean loss of the training pairs `batch`, with its gradient left in `model.gradients`
    /// and `head.gradients`: one step's forward and backward without the update (for gradient checks).
    public func lossAndGradients(batch: [Int]) throws -> Double {
        try loop.parallel.run(plan(batch)).loss
    }

    private func plan(_ batch: [Int]) -> StepPlan {
        let scale = 1 / Double(batch.count)
        let micros = batch.chunked(config.training.microBatchSize)
        return StepPlan(leaves: micros.count, leaf: { [self] index in
            var summary = RewardSummary()
            let pairs = micros[index].map { trainPairs[$0] }
            let chosen = try rewards(pairs.map(\.chosen), activations: chosenActivations)
            let rejected = try rewards(pairs.map(\.rejected), activations: rejectedActivations)
            var dChosen: [Double] = [], dRejected: [Double] = []
            for k in pairs.indices {
                let result = summary.add(chosen: chosen.rewards[k], rejected: rejected.rewards[k])
                dChosen.append(result.dChosen * scale)
                dRejected.append(result.dRejected * scale)
            }
            backward(dReward: dRejected, rows: rejected.rows, activations: rejectedActivations)
            backward(dReward: dChosen, rows: chosen.rows, activations: chosenActivations)
            return summary.figures + [Double(chosenActivations.tokenCount + rejectedActivations.tokenCount)]
        }, finish: { figures in
            let metrics = RewardSummary(merging: figures.map { Array($0.dropLast()) }).metrics(prefix: "")
            return StepResult(loss: metrics["loss"] ?? 0, tokens: Int(figures.reduce(0) { $0 + ($1.last ?? 0) }), metrics: metrics,
                              summary: String(format: "acc %.2f  margin %.3f", metrics["accuracy"] ?? 0, metrics["margin"] ?? 0))
        })
    }
}

/// Running means of the reward-model metrics.
struct RewardSummary {
    private var count = 0.0
    private var loss = 0.0, correct = 0.0, chosen = 0.0, rejected = 0.0

    init() {}

    /// The running sums as numbers (one micro-batch's part of a step, gathered across ranks).
    var figures: [Double] { [count, loss, correct, chosen, rejected] }

    /// Parts added in order.
    init(merging parts: [[Double]]) {
        for part in parts where part.count == 5 {
            count += part[0]; loss += part[1]; correct += part[2]; chosen += part[3]; rejected += part[4]
        }
    }

    @discardableResult
    mutating func add(chosen r: Double, rejected s: Double) -> (loss: Double, dChosen: Double, dRejected: Double, correct: Bool) {
        let result = RewardModelLoss.evaluate(chosen: r, rejected: s)
        count += 1
        loss += result.loss
        correct += result.correct ? 1 : 0
        chosen += r
        rejected += s
        return result
    }

    func metrics(prefix: String) -> [String: Double] {
        let n = max(1, count)
        return [prefix + "loss": loss / n, prefix + "accuracy": correct / n, prefix + "margin": (chosen - rejected) / n,
                prefix + "rewards/chosen": chosen / n, prefix + "rewards/rejected": rejected / n]
    }
}
