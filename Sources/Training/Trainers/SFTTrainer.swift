import Foundation
import Kernels
import LlamaModel
import ModelIO
import RunConfig
import Tokenization

/// Supervised fine-tuning (open-instruct `finetune.py`, TRL `SFTTrainer`): the negative log-likelihood
/// of assistant tokens (`SFTLoss`), `mean` or `sum` reduction over the whole optimizer batch, micro-
/// batches packed without padding (each example attends only to itself: padding-free packing), on
/// the shared `TrainingLoop`.
public final class SFTTrainer {
    public let config: RunConfiguration
    public let model: LlamaModel
    public let dataset: SFTDataset
    /// The examples trained on: `dataset` less the held-out ones when `eval_fraction` splits it.
    public let trainExamples: [TokenizedExample]
    /// Held-out examples (`data.eval`, or `eval_fraction` of `data.train`); empty when neither is set.
    public let evalExamples: [TokenizedExample]
    let setup: TrainerSetup
    let loop: TrainingLoop
    let activations: LlamaActivations

    public init(config: RunConfiguration, options: TrainerOptions) throws {
        self.config = config
        let setup = try TrainerSetup(config: config, startingModel: options.startingModel)
        self.setup = setup
        let data = config.data
        let read = { (path: String) in
            try SFTDataset(path: path, fields: data.fields, maxLength: setup.maxLength, skipInvalid: data.skipInvalid,
                           template: setup.template, tokenizer: setup.tokenizer)
        }
        dataset = try read(setup.trainPath)
        if let evalPath = data.eval {
            (trainExamples, evalExamples) = (dataset.examples, try read(evalPath).examples)
        } else {
            (trainExamples, evalExamples) = TrainerSetup.split(dataset.examples, fraction: data.evalFraction, seed: UInt64(config.seed))
        }
        guard !trainExamples.isEmpty else { throw TrainerError("\(setup.trainPath): no training examples left") }
        let stats = dataset.statistics
        options.log("\(setup.trainPath): \(stats.rows) rows → \(trainExamples.count) training, \(evalExamples.count) held-out examples"
            + " (\(stats.truncated) truncated to \(setup.maxLength) tokens, \(stats.droppedNoTrainedToken) without a trained token, \(stats.skippedInvalid) invalid skipped)")
        model = setup.model
        loop = try TrainingLoop(config: config, options: options, model: model, itemCount: trainExamples.count)
        let lengths = (trainExamples + evalExamples).map(\.tokens.count)
        if config.training.packing {
            let budget = min(config.training.microBatchSize * setup.maxLength, lengths.reduce(0, +))
            activations = LlamaActivations(config: model.config, capacity: budget, longestSequence: lengths.max() ?? 1)
        } else {
            activations = TrainerSetup.activations(for: model.config, lengths: lengths, micro: config.training.microBatchSize)
        }
        loop.logMemoryPlan(activations: [activations])
    }

    public var totalSteps: Int { loop.totalSteps }
    public var run: RunFolder { loop.run }

    /// Mean −log p per trained token over the held-out examples (forward only; the micro-batches
    /// are shared among the ranks).
    public func evaluate() throws -> Double {
        let micros = microBatches(evalExamples)
        let sums = try loop.group.map(micros.count) { index -> [Double] in
            var total = 0.0, count = 0.0
            let (logProbs, trained) = try model.trainedLogProbs(micros[index], activations: activations)
            for (logProb, isTrained) in zip(logProbs, trained) where isTrained {
                total -= Double(logProb)
                count += 1
            }
            return [total, count]
        }
        return sums.reduce(0) { $0 + $1[0] } / max(1, sums.reduce(0) { $0 + $1[1] })
    }

    /// Trains to the end (or `--max-steps`); returns each step's loss.
    @discardableResult
    public func train() throws -> [Double] {
        try loop.train(plan: plan, evaluate: evalExamples.isEmpty ? nil : { ["eval_loss": try self.evaluate()] }, saveFinal: { folder in
            try self.setup.saveModel(self.model, to: folder)
        })
    }

    /// One optimizer batch: forward and backward micro-batch by micro-batch (each micro-batch's
    /// figures: its summed loss and the tokens it forwarded).
    func plan(_ batch: [Int]) -> StepPlan {
        let examples = batch.map { trainExamples[$0] }
        let trainedTokens = examples.reduce(0) { $0 + $1.targetCount }
        // mean over the whole optimizer batch, not the micro-batch, so accumulation equals one big batch
        let scale: Float = config.training.lossReduction == .sum ? 1 : 1 / Float(max(1, trainedTokens))
        let micros = microBatches(examples)
        return StepPlan(leaves: micros.count, leaf: { [self] index in
            let (logProbs, trained) = try model.trainedLogProbs(micros[index], activations: activations)
            forwardPasses += 1
            let result = SFTLoss.loss(logProbs: logProbs, trained: trained, reduction: .sum)
            model.backward(dLogProb: result.dLogProb.map { $0 * scale }, activations: activations)
            return [result.loss, Double(logProbs.count)]
        }, finish: { [config] figures in
            let lossSum = figures.reduce(0) { $0 + $1[0] }, tokens = figures.reduce(0) { $0 + $1[1] }
            let loss = config.training.lossReduction == .sum ? lossSum : lossSum / Double(max(1, trainedTokens))
            return StepResult(loss: loss, tokens: Int(tokens), metrics: ["trained_tokens": trainedTokens])
        })
    }

    /// Forward passes over training micro-batches so far (packing makes fewer).
    public private(set) var forwardPasses = 0

    /// `examples` in order, cut into micro-batches: `micro_batch_size` examples each, or with
    /// `training.packing` as many as fit in the activations' token capacity.
    func microBatches(_ examples: [TokenizedExample]) -> [[TokenizedExample]] {
        guard config.training.packing else { return examples.chunked(config.training.microBatchSize) }
        var batches: [[TokenizedExample]] = [], current: [TokenizedExample] = [], tokens = 0
        for example in examples {
            if !current.isEmpty && tokens + example.tokens.count > activations.capacity {
                batches.append(current)
                current = []
                tokens = 0
            }
            current.append(example)
            tokens += example.tokens.count
        }
        if !current.isEmpty { batches.append(current) }
        return batches
    }

    /// "1h02m", "3m05s", "42s".
    public static func duration(_ seconds: Double) -> String { RunLifecycle.duration(seconds) }
}
