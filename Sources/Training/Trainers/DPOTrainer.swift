import Collectives
import Foundation
import Kernels
import LlamaModel
import ModelIO
import RunConfig
import Tokenization

/// Direct preference optimisation (open-instruct `dpo_tune_cache.py`, TRL `DPOTrainer`): the losses of
/// `PreferenceLoss` (`dpo`, `dpo_norm`, `simpo`) with label smoothing, on the shared `TrainingLoop`.
///
/// The frozen reference's log-probs of every pair are computed once before training and cached on
/// disk (`ReferenceLogProbCache`), so the reference model is never held during training and a
/// second run over the same inputs does no reference forward pass. Chosen and rejected responses go
/// through separate forward passes, each with its own activations, so a pair costs two SFT-sized
/// forward and backward passes.
public final class DPOTrainer {
    public let config: RunConfiguration
    public let model: LlamaModel
    public let trainPairs: [PreferencePair]
    public let evalPairs: [PreferencePair]
    /// Reference forward passes (micro-batches) this trainer ran; 0 when the cache had every value.
    public private(set) var referenceForwardPasses = 0
    /// The cache file used (nil for SimPO, which has no reference).
    public private(set) var referenceCache: ReferenceLogProbCache?
    let setup: TrainerSetup
    let loop: TrainingLoop
    let chosenActivations: LlamaActivations
    let rejectedActivations: LlamaActivations
    /// Reference Σ log p of each pair's chosen and rejected response: training pairs then held-out pairs.
    private var reference: (chosen: [Float], rejected: [Float])?

    public init(config: RunConfiguration, options: TrainerOptions) throws {
        self.config = config
        let loaded = try PreferenceData.load(config: config, options: options)
        (setup, trainPairs, evalPairs, model) = (loaded.setup, loaded.data.train, loaded.data.eval, loaded.setup.model)
        if let path = config.dpo.reference, !FileManager.default.fileExists(atPath: path) {
            throw TrainerError("dpo.reference: \(path): no such file or folder")
        }
        loop = try TrainingLoop(config: config, options: options, model: model, itemCount: trainPairs.count)
        let lengths = (trainPairs + evalPairs).flatMap { [$0.chosen.tokens.count, $0.rejected.tokens.count] }
        chosenActivations = TrainerSetup.activations(for: model.config, lengths: lengths, micro: config.training.microBatchSize)
        rejectedActivations = TrainerSetup.activations(for: model.config, lengths: lengths, micro: config.training.microBatchSize)
        loop.logMemoryPlan(activations: [chosenActivations, rejectedActivations])
    }

    public var run: RunFolder { loop.run }

    // MARK: Reference log-probs

    /// The cache key: the reference's weights and shape, every tokenized pair (which folds in the
    /// tokenizer, template, data and max length), and the loss type.
    static func referenceKey(reference: LlamaModel, pairs: [PreferencePair], loss: DPOSection.Loss) -> String {
        var hash = ContentHash()
        hash.combine("rlvr reference log-probs v1")
        hash.combine(String(decoding: reference.config.huggingFaceConfigJSON(), as: UTF8.self))
        reference.withWeightBytes { blocks in for block in blocks { hash.combine(bytes: block) } }
        hash.combine(loss.rawValue)
        hash.combine([pairs.count])
        for pair in pairs {
            for side in [pair.chosen, pair.rejected] {
                hash.combine(side.tokens)
                hash.combine(side.trained.map { UInt8($0 ? 1 : 0) })
            }
        }
        return hash.hexDigest
    }

    /// Loads the reference log-probs from the cache, or computes and stores them. Runs before any
    /// optimizer step, so when the reference is `model.path` the model still holds those weights.
    /// With several ranks, rank 0 reads the cache and sends it; the ranks share a missing pass.
    public func prepareReference(log: (String) -> Void) throws {
        let group = loop.group
        guard config.dpo.loss != .simpo, reference == nil else { return }
        let pairs = trainPairs + evalPairs
        let referenceModel = try config.dpo.reference.map { path in
            let loaded = try LlamaCheckpoint.load(path)
            loaded.mergeAdapters()   // a LoRA folder as the reference: base + adapters, as weights (and in the cache key)
            return loaded
        } ?? model
        guard referenceModel.config == model.config else {
            throw TrainerError("dpo.reference: \(config.dpo.reference ?? ""): its configuration differs from model.path's (same architecture and vocabulary expected)")
        }
        let cache = ReferenceLogProbCache(folder: config.dpo.referenceCache,
                                          key: Self.referenceKey(reference: referenceModel, pairs: pairs, loss: config.dpo.loss))
        referenceCache = cache
        var cached: [[Float]]?
        if group.isRoot { cached = try cache.load(pairs: pairs.count).map { [$0.chosen, $0.rejected] } }
        let stored: [[Float]]? = try group.broadcast(Optional(cached))
        if let stored {
            reference = (stored[0], stored[1])
            log("reference log-probs: reused \(cache.path)")
            return
        }
        let started = Profiler.now()
        // under LoRA the reference is the base: the model with its adapters switched off
        referenceModel.adaptersEnabled = false
        defer { referenceModel.adaptersEnabled = true }
        let micros = pairs.chunked(config.training.microBatchSize)
        let sums = try group.map(micros.count) { index -> [[Float]] in
            referenceForwardPasses += 2
            return [try referenceModel.responseLogProbs(micros[index].map(\.chosen), activations: chosenActivations).map { Float($0) },
                    try referenceModel.responseLogProbs(micros[index].map(\.rejected), activations: chosenActivations).map { Float($0) }]
        }
        let (chosen, rejected) = (sums.flatMap { $0[0] }, sums.flatMap { $0[1] })
        if group.isRoot {
            try cache.store(chosen: chosen, rejected: rejected, metadata: ["pairs": String(pairs.count), "loss": config.dpo.loss.rawValue,
                                                                           "reference": config.dpo.reference ?? setup.modelPath])
        }
        reference = (chosen, rejected)
        log(String(format: "reference log-probs of %d pairs in %.1f s → ", pairs.count, Profiler.now() - started) + cache.path)
    }

    /// The reference sequence of pair `index` (training pairs first, then held-out ones).
    private func referenceSequences(_ index: Int, _ pair: PreferencePair) -> (PreferenceLoss.Sequence?, PreferenceLoss.Sequence?) {
        guard let reference else { return (nil, nil) }
        return (PreferenceLoss.Sequence(logProb: Double(reference.chosen[index]), length: pair.chosen.targetCount),
                PreferenceLoss.Sequence(logProb: Double(reference.rejected[index]), length: pair.rejected.targetCount))
    }

    private var lossKind: PreferenceLoss.Kind {
        switch config.dpo.loss {
        case .dpo: .dpo
        case .dpoNorm: .dpoNorm
        case .simpo: .simpo
        }
    }

    /// The pair's loss. The policy's sums are rounded to Float as the cached reference's are, so a
    /// policy equal to its reference has rewards of exactly 0.
    private func evaluate(_ index: Int, _ pair: PreferencePair, policyChosen: Double, policyRejected: Double) -> PreferenceLoss.Result {
        let (referenceChosen, referenceRejected) = referenceSequences(index, pair)
        return PreferenceLoss.evaluate(lossKind, beta: config.dpo.beta, labelSmoothing: config.dpo.labelSmoothing, gamma: config.dpo.simpoGamma,
                                       policyChosen: .init(logProb: Double(Float(policyChosen)), length: pair.chosen.targetCount),
                                       policyRejected: .init(logProb: Double(Float(policyRejected)), length: pair.rejected.targetCount),
                                       referenceChosen: referenceChosen, referenceRejected: referenceRejected)
    }

    // MARK: Training

    /// Held-out loss, rewards, margin and accuracy (forward only), averaged over the held-out pairs
    /// (the micro-batches are shared among the ranks).
    public func evaluateHeldOut() throws -> [String: Double] {
        try prepareReference(log: { _ in })
        let size = config.training.microBatchSize
        let micros = evalPairs.chunked(size)
        let parts = try loop.group.map(micros.count) { chunk -> [Double] in
            var summary = PreferenceSummary()
            let micro = micros[chunk]
            let chosen = try model.responseLogProbs(micro.map(\.chosen), activations: chosenActivations)
            let rejected = try model.responseLogProbs(micro.map(\.rejected), activations: rejectedActivations)
            for (k, pair) in micro.enumerated() {
                summary.add(evaluate(trainPairs.count + chunk * size + k, pair, policyChosen: chosen[k], policyRejected: rejected[k]),
                            chosen: chosen[k], rejected: rejected[k])
            }
            return summary.figures
        }
        return PreferenceSummary(merging: parts).metrics(prefix: "eval_")
    }

    /// Trains to the end (or `--max-steps`); returns each step's mean loss.
    @discardableResult
    public func train() throws -> [Double] {
        try prepareReference(log: loop.options.log)
        return try loop.train(plan: plan, evaluate: evalPairs.isEmpty ? nil : evaluateHeldOut, saveFinal: { folder in
            try self.setup.saveModel(self.model, to: folder)
        })
    }

    /// The mean loss of the training pairs `batch` (indices into `trainPairs`), with its gradient
    /// left in `model.gradients`: one step's forward and backward without the update (for
    /// gradient checks).
    public func lossAndGradients(batch: [Int]) throws -> Double {
        try prepareReference(log: { _ in })
        return try loop.parallel.run(plan(batch)).loss
    }

    /// One optimizer batch of pairs: per micro-batch, the chosen and the rejected responses forward
    /// (separate activations), the loss of each pair, then both backward. The loss is the mean over
    /// the batch's pairs, so every pair's gradient is scaled by 1/batch.
    private func plan(_ batch: [Int]) -> StepPlan {
        let scale = 1 / Double(batch.count)
        let micros = batch.chunked(config.training.microBatchSize)
        return StepPlan(leaves: micros.count, leaf: { [self] index in
            var summary = PreferenceSummary()
            let micro = micros[index]
            let pairs = micro.map { trainPairs[$0] }
            let chosen = try model.trainedLogProbs(pairs.map(\.chosen), activations: chosenActivations)
            let rejected = try model.trainedLogProbs(pairs.map(\.rejected), activations: rejectedActivations)
            let chosenSums = LlamaModel.trainedSums(chosen.logProbs, chosen.trained, lengths: pairs.map(\.chosen.tokens.count))
            let rejectedSums = LlamaModel.trainedSums(rejected.logProbs, rejected.trained, lengths: pairs.map(\.rejected.tokens.count))
            var dChosen: [Float] = [], dRejected: [Float] = []
            for (k, pair) in pairs.enumerated() {
                let result = evaluate(micro[k], pair, policyChosen: chosenSums[k], policyRejected: rejectedSums[k])
                summary.add(result, chosen: chosenSums[k], rejected: rejectedSums[k])
                dChosen += Self.spread(Float(result.dChosenTokenLogProb * scale), over: pair.chosen)
                dRejected += Self.spread(Float(result.dRejectedTokenLogProb * scale), over: pair.rejected)
            }
            model.backward(dLogProb: dRejected, activations: rejectedActivations)
            model.backward(dLogProb: dChosen, activations: chosenActivations)
            return summary.figures + [Double(chosen.logProbs.count + rejected.logProbs.count)]
        }, finish: { figures in
            let metrics = PreferenceSummary(merging: figures.map { Array($0.dropLast()) }).metrics(prefix: "")
            return StepResult(loss: metrics["loss"] ?? 0, tokens: Int(figures.reduce(0) { $0 + ($1.last ?? 0) }), metrics: metrics,
                              summary: String(format: "acc %.2f  margin %.3f", metrics["rewards/accuracies"] ?? 0, metrics["rewards/margins"] ?? 0))
        })
    }

    /// `value` on each row whose target is a trained token of `example`, 0 elsewhere.
    static func spread(_ value: Float, over example: TokenizedExample) -> [Float] {
        (0..<example.tokens.count).map { i in i + 1 < example.tokens.count && example.trained[i + 1] ? value : 0 }
    }
}

/// Running means of the preference metrics, under TRL's names.
struct PreferenceSummary {
    private var count = 0.0
    private var loss = 0.0, chosenReward = 0.0, rejectedReward = 0.0, correct = 0.0, chosenLogProb = 0.0, rejectedLogProb = 0.0

    init() {}

    /// The running sums as numbers (one micro-batch's part of a step, gathered across ranks).
    var figures: [Double] { [count, loss, chosenReward, rejectedReward, correct, chosenLogProb, rejectedLogProb] }

    /// Parts added in order.
    init(merging parts: [[Double]]) {
        for part in parts where part.count == 7 {
            count += part[0]; loss += part[1]; chosenReward += part[2]; rejectedReward += part[3]
            correct += part[4]; chosenLogProb += part[5]; rejectedLogProb += part[6]
        }
    }

    mutating func add(_ result: PreferenceLoss.Result, chosen: Double, rejected: Double) {
        count += 1
        loss += result.loss
        chosenReward += result.chosenReward
        rejectedReward += result.rejectedReward
        correct += result.correct ? 1 : 0
        chosenLogProb += chosen
        rejectedLogProb += rejected
    }

    func metrics(prefix: String) -> [String: Double] {
        let n = max(1, count)
        return [
            prefix + "loss": loss / n,
            prefix + "rewards/chosen": chosenReward / n,
            prefix + "rewards/rejected": rejectedReward / n,
            prefix + "rewards/margins": (chosenReward - rejectedReward) / n,
            prefix + "rewards/accuracies": correct / n,
            prefix + "logps/chosen": chosenLogProb / n,
            prefix + "logps/rejected": rejectedLogProb / n,
        ]
    }
}
