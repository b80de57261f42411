import Foundation
import Generation
import Kernels
import LlamaModel
import ModelIO
import RunConfig
import Tokenization

/// Supervised fine-tuning (open-instruct `finetune.py`, TRL `SFTTrainer`): the loss on assistant tokens,
/// gradient accumulation over micro-batches packed without padding, AdamW with clipping and a warm-up
/// schedule, metrics per optimizer step, periodic atomic checkpoints and exact resume.
public final class SFTTrainer {
    public struct Options: Sendable {
        public var outDir: String?
        public var maxSteps: Int?
        public var resume: Bool
        public var log: @Sendable (String) -> Void
        public init(outDir: String? = nil, maxSteps: Int? = nil, resume: Bool = false, log: @escaping @Sendable (String) -> Void = { print($0) }) {
            self.outDir = outDir
            self.maxSteps = maxSteps
            self.resume = resume
            self.log = log
        }
    }

    public struct TrainerError: Error, CustomStringConvertible {
        public let description: String
    }

    public let config: RunConfiguration
    public let options: Options
    public let model: LlamaModel
    public let tokenizer: BPETokenizer
    public let dataset: SFTDataset
    /// The examples trained on: `dataset` less the held-out ones when `eval_fraction` splits it.
    public let trainExamples: [TokenizedExample]
    /// Held-out examples (`data.eval`, or `eval_fraction` of `data.train`); empty when neither is set.
    public let evalExamples: [TokenizedExample]
    public let run: RunFolder
    let optimizer: AdamW
    /// The model's gradient buffer (layout order), filled by `backward`.
    let gradients: FloatBuffer
    let activations: LlamaActivations
    public let totalSteps: Int

    public init(config: RunConfiguration, options: Options) throws {
        self.config = config
        self.options = options
        ComputeThreads.configure(config.threads ?? ProcessInfo.processInfo.activeProcessorCount)
        guard let modelPath = config.model.path else { throw TrainerError(description: "model.path: required") }
        guard let trainPath = config.data.train else { throw TrainerError(description: "data.train: required") }
        let model = try LlamaCheckpoint.load(modelPath)
        let tokenizer = try BPETokenizer.load(checkpoint: modelPath)
        let eos = tokenizer.eosTokenID.map { tokenizer.tokens[Int($0)] } ?? "</s>"
        let template = try ChatTemplate.resolve(name: config.model.chatTemplate.rawValue, checkpointTemplate: tokenizer.chatTemplate, eosToken: eos)
        let maxLength = min(config.data.maxLength, model.config.maxPositionEmbeddings)
        dataset = try SFTDataset(path: trainPath, fields: config.data.fields, maxLength: maxLength, skipInvalid: config.data.skipInvalid,
                                 template: template, tokenizer: tokenizer)
        if let evalPath = config.data.eval {
            trainExamples = dataset.examples
            evalExamples = try SFTDataset(path: evalPath, fields: config.data.fields, maxLength: maxLength, skipInvalid: config.data.skipInvalid,
                                          template: template, tokenizer: tokenizer).examples
        } else {
            (trainExamples, evalExamples) = Self.split(dataset.examples, fraction: config.data.evalFraction, seed: UInt64(config.seed))
        }
        guard !trainExamples.isEmpty else { throw TrainerError(description: "\(trainPath): no training examples left") }
        let stats = dataset.statistics
        options.log("\(trainPath): \(stats.rows) rows → \(trainExamples.count) training, \(evalExamples.count) held-out examples"
            + " (\(stats.truncated) truncated to \(maxLength) tokens, \(stats.droppedNoTrainedToken) without a trained token, \(stats.skippedInvalid) invalid skipped)")
        self.model = model
        self.tokenizer = tokenizer
        run = try RunFolder(path: options.outDir ?? config.output.dir)
        model.enableGradients()
        guard let gradients = model.gradients else { throw TrainerError(description: "\(modelPath): gradients could not be allocated") }
        self.gradients = gradients
        let decayed = model.layout.entries.filter { !$0.isNorm }.map { $0.offset..<($0.offset + $0.count) }
        let betas = config.optimizer.betas
        optimizer = AdamW(parameterCount: model.layout.count, decayedRanges: decayed,
                          settings: .init(beta1: Float(betas[0]), beta2: Float(betas[1]), eps: Float(config.optimizer.eps),
                                          weightDecay: Float(config.optimizer.weightDecay)))
        let micro = config.training.microBatchSize
        activations = LlamaActivations(config: model.config, capacity: micro * maxLength, longestSequence: maxLength)
        let stepsPerEpoch = (trainExamples.count + config.training.batchSize - 1) / config.training.batchSize
        var total = stepsPerEpoch * config.training.epochs
        if let limit = config.training.maxSteps { total = min(total, limit) }
        totalSteps = total
    }

    /// Holds out ⌈fraction·n⌉ examples chosen by a seeded key (a pure function of the seed), keeping
    /// both parts in file order.
    static func split(_ examples: [TokenizedExample], fraction: Double, seed: UInt64) -> ([TokenizedExample], [TokenizedExample]) {
        guard fraction > 0, examples.count > 1 else { return (examples, []) }
        let held = min(examples.count - 1, Int((fraction * Double(examples.count)).rounded(.up)))
        let keys = examples.indices.map { CounterRNG.bits(seed: seed, prompt: -1, sample: 0, position: $0) }
        let heldOut = Set(examples.indices.sorted { (keys[$0], $0) < (keys[$1], $1) }.prefix(held))
        return (examples.indices.filter { !heldOut.contains($0) }.map { examples[$0] }, heldOut.sorted().map { examples[$0] })
    }

    /// Mean −log p per trained token over the held-out examples (forward only).
    public func evaluate() throws -> Double {
        var total = 0.0, count = 0
        for micro in microBatches(evalExamples) {
            let (logProbs, trained) = try trainedLogProbs(micro)
            for (logProb, isTrained) in zip(logProbs, trained) where isTrained {
                total -= Double(logProb)
                count += 1
            }
        }
        return total / Double(max(1, count))
    }

    /// `examples` cut into runs of `training.micro_batch_size`, in order.
    private func microBatches(_ examples: [TokenizedExample]) -> [[TokenizedExample]] {
        let size = config.training.microBatchSize
        return stride(from: 0, to: examples.count, by: size).map { Array(examples[$0..<min(examples.count, $0 + size)]) }
    }

    /// The epoch whose order is in `epochOrder` (−1: none yet).
    private var orderedEpoch = -1
    private var epochOrder: [Int] = []

    /// The example at global position `index` (across epochs): a seeded shuffle per epoch, a pure
    /// function of (seed, epoch), so a resumed run sees the same order.
    func example(at index: Int) -> TokenizedExample {
        let n = trainExamples.count
        let epoch = index / n
        if epoch != orderedEpoch {
            let keys = (0..<n).map { CounterRNG.bits(seed: UInt64(config.seed), prompt: epoch, sample: 0, position: $0) }
            epochOrder = (0..<n).sorted { (keys[$0], $0) < (keys[$1], $1) }
            orderedEpoch = epoch
        }
        return trainExamples[epochOrder[index % n]]
    }

    /// Runs to `totalSteps` (or `options.maxSteps`), resuming from the run folder's newest checkpoint when asked.
    @discardableResult
    public func train() throws -> [Double] {
        var state = RunFolder.TrainerState(step: 0, examplesSeen: 0, seed: UInt64(config.seed))
        if options.resume {
            guard let restored = try run.restoreLatest(model: model, optimizer: optimizer) else {
                throw TrainerError(description: "\(run.path): no checkpoint to resume from (expected checkpoints/step-N/)")
            }
            state = restored
            try run.truncateMetrics(after: state.step)
            options.log("resumed from step \(state.step)")
        } else {
            try? FileManager.default.removeItem(atPath: run.metricsPath)
            try run.writeConfig(try ConfigLoader.render(config))
        }
        let stopAt = min(totalSteps, options.maxSteps ?? totalSteps)
        let warmup = config.schedule.warmupSteps ?? LearningRateSchedule.warmupSteps(ratio: config.schedule.warmupRatio, totalSteps: totalSteps)
        let kind: LearningRateSchedule.Kind = switch config.schedule.kind {
        case .linear: .linear
        case .constant: .constant
        case .cosine: .cosine
        }
        let schedule = LearningRateSchedule(kind: kind, peak: config.optimizer.lr, warmupSteps: warmup, totalSteps: totalSteps)
        var losses: [Double] = []
        let n = trainExamples.count
        var secondsThisRun = 0.0, stepsThisRun = 0
        while state.step < stopAt {
            let started = Profiler.now()
            let batch = (0..<config.training.batchSize).map { example(at: state.examplesSeen + $0) }
            let trainedTokens = batch.reduce(0) { $0 + $1.trained.dropFirst().filter { $0 }.count }
            model.zeroGradients()
            var lossSum = 0.0, tokens = 0
            for micro in microBatches(batch) {
                let (loss, count) = try accumulate(micro, trainedInBatch: trainedTokens)
                lossSum += loss
                tokens += count
            }
            let norm = config.optimizer.maxGradNorm.map { GradientClipping.clip(gradients, maxNorm: $0) }
                ?? GradientClipping.globalNorm(gradients)
            let lr = schedule.rate(at: state.step)
            optimizer.update(parameters: model.parameters, gradients: gradients, lr: Float(lr))
            state.step += 1
            state.examplesSeen += batch.count
            let loss = config.training.lossReduction == .sum ? lossSum : lossSum / Double(max(1, trainedTokens))
            losses.append(loss)
            let seconds = Profiler.now() - started
            secondsThisRun += seconds
            stepsThisRun += 1
            var metrics: [String: Any] = [
                "step": state.step, "epoch": Double(state.examplesSeen) / Double(n), "lr": lr, "loss": loss,
                "grad_norm": norm, "trained_tokens": trainedTokens, "tokens": tokens, "tokens_per_s": Double(tokens) / seconds,
            ]
            let evaluateNow = (config.output.evalEvery > 0 && state.step % config.output.evalEvery == 0) || state.step == totalSteps
            if !evalExamples.isEmpty && evaluateNow {
                let evalLoss = try evaluate()
                metrics["eval_loss"] = evalLoss
                options.log(String(format: "step %d  eval loss %.4f per token over %d examples", state.step, evalLoss, evalExamples.count))
            }
            try run.appendMetrics(metrics)
            if state.step % config.output.logEvery == 0 {
                let remaining = secondsThisRun / Double(stepsThisRun) * Double(stopAt - state.step)
                options.log(String(format: "step %d/%d  loss %.4f  lr %.3g  grad norm %.3f  %.0f tokens/s", state.step, stopAt, loss, lr, norm,
                                   Double(tokens) / seconds) + "  \(Self.duration(remaining)) left")
            }
            if config.output.saveEvery > 0 && state.step % config.output.saveEvery == 0 {
                try run.saveCheckpoint(model: model, optimizer: optimizer, state: state, keep: config.output.keepCheckpoints)
            }
        }
        if state.step < totalSteps, config.output.saveEvery == 0 || state.step % config.output.saveEvery != 0 {
            // stopped early (--max-steps): keep the place so --resume carries on
            try run.saveCheckpoint(model: model, optimizer: optimizer, state: state, keep: config.output.keepCheckpoints)
        }
        if state.step >= totalSteps {
            try LlamaCheckpoint.save(model, to: run.path + "/final")
            try copyTokenizerFiles(to: run.path + "/final")
        }
        return losses
    }

    /// Forward and backward of one micro-batch; returns Σ −log p over its trained tokens and its token count.
    private func accumulate(_ micro: [TokenizedExample], trainedInBatch: Int) throws -> (Double, Int) {
        let (logProbs, trained) = try trainedLogProbs(micro)
        let result = SFTLoss.loss(logProbs: logProbs, trained: trained, reduction: .sum)
        // mean over the whole optimizer batch, not the micro-batch, so accumulation equals one big batch
        let scale: Float = config.training.lossReduction == .sum ? 1 : 1 / Float(max(1, trainedInBatch))
        model.backward(dLogProb: result.dLogProb.map { $0 * scale }, activations: activations)
        return (result.loss, logProbs.count)
    }

    /// Forward of one packed micro-batch: log p of each row's next token, and whether that token is trained.
    private func trainedLogProbs(_ micro: [TokenizedExample]) throws -> ([Float], [Bool]) {
        let tokens = micro.flatMap(\.tokens)
        let sequences = PackedSequences(lengths: micro.map(\.tokens.count))
        // Row r predicts token r + 1 of its sequence; a row's target counts when that token is trained.
        var targets: [Int32] = [], trained: [Bool] = []
        for example in micro {
            for i in 0..<example.tokens.count {
                let hasNext = i + 1 < example.tokens.count
                targets.append(hasNext ? example.tokens[i + 1] : -1)
                trained.append(hasNext && example.trained[i + 1])
            }
        }
        try model.forward(tokens: tokens, sequences: sequences, activations: activations)
        try model.tokenLogProbs(targets: targets, activations: activations)
        return ((0..<tokens.count).map { activations.logProb[$0] }, trained)
    }

    /// "1h02m", "3m05s", "42s".
    public static func duration(_ seconds: Double) -> String {
        let whole = Int(seconds.rounded())
        if whole >= 3600 { return String(format: "%dh%02dm", whole / 3600, whole % 3600 / 60) }
        if whole >= 60 { return String(format: "%dm%02ds", whole / 60, whole % 60) }
        return "\(whole)s"
    }

    /// The source folder's tokenizer files when it has them (byte for byte), else the tokenizer written out.
    private func copyTokenizerFiles(to folder: String) throws {
        if let source = config.model.path, !source.hasSuffix(".gguf") {
            var isDirectory: ObjCBool = false
            let sourceFolder = FileManager.default.fileExists(atPath: source, isDirectory: &isDirectory) && isDirectory.boolValue
                ? source : (source as NSString).deletingLastPathComponent
            if FileManager.default.fileExists(atPath: sourceFolder + "/tokenizer.json") {
                for file in ["tokenizer.json", "tokenizer_config.json"] where FileManager.default.fileExists(atPath: sourceFolder + "/" + file) {
                    try? FileManager.default.removeItem(atPath: folder + "/" + file)
                    try FileManager.default.copyItem(atPath: sourceFolder + "/" + file, toPath: folder + "/" + file)
                }
                return
            }
        }
        try tokenizer.saveHuggingFace(to: folder)
    }
}
