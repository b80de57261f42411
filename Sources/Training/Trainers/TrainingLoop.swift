import Collectives
import Foundation
import Generation
import Kernels
import LlamaModel
import RunConfig

/// What one optimizer step of a training mode reports.
public struct StepResult {
    public var loss: Double
    /// Tokens forwarded (for tokens/s).
    public var tokens: Int
    /// The mode's own metrics (rewards, margin, accuracy, trained tokens…), written to metrics.jsonl.
    public var metrics: [String: Any]
    /// A short text for the step line ("acc 0.75  margin 0.31").
    public var summary: String

    public init(loss: Double, tokens: Int, metrics: [String: Any] = [:], summary: String = "") {
        self.loss = loss
        self.tokens = tokens
        self.metrics = metrics
        self.summary = summary
    }
}

/// The optimizer loop every stage shares (SFT, DPO, RM): a seeded data order per epoch, the mode's
/// micro-batches summed in a fixed tree order over the process group (`DataParallelStep`), global-
/// norm clipping over the model and its heads, AdamW on a warm-up schedule, one metrics line per
/// step, evaluation every `eval_every` steps, periodic atomic checkpoints, `--max-steps` early stops
/// that keep their place, and exact resume (with any number of ranks). Rank 0 alone writes.
final class TrainingLoop {
    let config: RunConfiguration
    let options: TrainerOptions
    let model: LlamaModel
    let heads: [HeadParameters]
    let run: RunFolder
    /// AdamW, clipping and the step over the model and its heads.
    let optimizer: OptimizerGroup
    /// The model's gradient arena (layout order), filled by the mode's backward passes.
    var gradients: FloatBuffer { optimizer.gradients }
    /// Training items (examples or pairs) per epoch.
    let itemCount: Int
    let totalSteps: Int
    /// The processes sharing each batch and the fixed-order sum of their gradients.
    let parallel: DataParallelStep
    var group: ProcessGroup { parallel.group }

    init(config: RunConfiguration, options: TrainerOptions, model: LlamaModel, itemCount: Int, heads: [HeadParameters] = []) throws {
        self.config = config
        self.options = options
        self.model = model
        self.heads = heads
        self.itemCount = itemCount
        run = try RunFolder(path: options.outDir ?? config.output.dir, tensorboard: config.output.tensorboard)
        try MemoryPlanCheck.refuseFullFineTuningOverPhysicalMemory(model)
        optimizer = try OptimizerGroup(model: model, heads: heads, config: config.optimizer)
        let stepsPerEpoch = (itemCount + config.training.batchSize - 1) / config.training.batchSize
        var total = stepsPerEpoch * config.training.epochs
        if let limit = config.training.maxSteps { total = min(total, limit) }
        totalSteps = total
        if let threads = config.threads, let warning = options.group.oversubscription(threads: threads) { options.log(warning) }
        parallel = DataParallelStep(group: options.group, buffers: optimizer.allGradients, running: config.training.gradientSum == .running)
    }

    /// Logs the memory the run holds before its first step: weights, gradients, AdamW moments and
    /// the activations planned from the data (the vocabulary head is chunked: never tokens × vocab).
    /// With more than one micro-batch per step (per rank), partial gradient sums wait in stash buffers.
    func logMemoryPlan(activations: [LlamaActivations]) {
        let micro = config.training.microBatchSize
        let floats = MemoryLayout<Float>.stride
        let weights = model.layout.count * floats
        let activationBytes = activations.reduce(0) { $0 + $1.trainingBytes }
        let trained = optimizer.parameters.count * floats
        var parts = model.adapters == nil
            ? [("weights", weights), ("gradients", weights), ("AdamW moments", 2 * weights)]
            : [(model.baseIsBF16 ? "weights (frozen; decoder layers bf16)" : "weights (frozen)", model.weightBytes), ("LoRA adapters", trained), ("adapter gradients", trained), ("AdamW moments", 2 * trained),
               ("LoRA scratch", model.adapters.map { LoRAAdapters.scratchBytes(config: model.config, rank: $0.rank, targets: $0.targets,
                                                                                rows: activations.map(\.capacity).max() ?? 0,
                                                                                dropout: $0.dropout > 0) } ?? 0)]
        parts += [("activations for \(activations.map { String($0.capacity) }.joined(separator: " + ")) tokens", activationBytes)]
        let stash = parallel.stashBytes(leaves: (config.training.batchSize + micro - 1) / micro)
        if stash > 0 { parts.append(("partial gradient sums", stash)) }
        memoryPlan = parts.map { (what: $0.0, bytes: $0.1) }
        options.log("compute: \(ComputeThreads.summary), \(KernelPath.summary)")
        options.log("memory planned: " + parts.map { "\($0.0) \(formatBytes($0.1))" }.joined(separator: ", ")
            + "; total \(formatBytes(parts.reduce(0) { $0 + $1.1 }))" + (group.size > 1 ? " per rank (\(group.size) ranks)" : ""))
    }

    /// What `logMemoryPlan` planned, for the run folder's memory_plan.json.
    private(set) var memoryPlan: [(what: String, bytes: Int)] = []

    // MARK: Data order

    private lazy var order = EpochOrder(count: itemCount, seed: UInt64(config.seed))

    /// The item at global position `position` (across epochs): a seeded shuffle per epoch.
    func item(at position: Int) -> Int { order.item(at: position) }

    // MARK: The loop

    /// Runs to `totalSteps` (or `options.maxSteps`), resuming from the newest checkpoint when asked.
    /// `plan` cuts a batch of item indices into micro-batches (`StepPlan`); `evaluate` returns
    /// held-out metrics (nil: no held-out data; every rank calls it); `saveFinal` writes `final/`
    /// (rank 0 only). Returns the loss of every step run.
    func train(plan: ([Int]) throws -> StepPlan, evaluate: (() throws -> [String: Double])?,
               saveFinal: (String) throws -> Void) throws -> [Double] {
        let lifecycle = RunLifecycle(run: run, config: config, options: options,
                                     parts: [RunFolder.Part(model: model, optimizer: optimizer.optimizer, heads: heads, baseModel: config.model.path)], totalSteps: totalSteps)
        lifecycle.memoryPlan = memoryPlan
        var state = try lifecycle.start()
        let schedule = Self.schedule(config, totalSteps: totalSteps)
        var losses: [Double] = []
        while state.step < lifecycle.stopAt {
            let started = Profiler.now()
            let batch = (0..<config.training.batchSize).map { item(at: state.examplesSeen + $0) }
            var planned = try plan(batch)
            // adapter dropout (model.lora.dropout) draws its masks per step and micro-batch
            let leaf = planned.leaf, step = state.step, adapters = model.adapters
            planned.leaf = { index in
                adapters?.dropoutPass = LoRAAdapters.DropoutPass(step: step, microBatch: index)
                defer { adapters?.dropoutPass = nil }
                return try leaf(index)
            }
            let result = try parallel.run(planned)
            let lr = schedule.rate(at: state.step)
            let norm = optimizer.step(lr: lr)
            state.step += 1
            state.examplesSeen += batch.count
            losses.append(result.loss)
            let seconds = Profiler.now() - started
            let tokensPerSecond = Double(result.tokens) / seconds
            var metrics: [String: Any] = [
                "step": state.step, "epoch": Double(state.examplesSeen) / Double(itemCount), "lr": lr, "loss": result.loss,
                "grad_norm": norm, "tokens": result.tokens, "tokens_per_s": tokensPerSecond,
            ]
            metrics.merge(result.metrics) { current, _ in current }
            if let evaluate, lifecycle.evaluates(after: state.step) {
                let held = try evaluate()
                metrics.merge(held) { current, _ in current }
                options.log("step \(state.step)  held-out " + held.sorted { $0.key < $1.key }.map { "\($0.key) " + String(format: "%.4f", $0.value) }.joined(separator: "  "))
            }
            try lifecycle.stepDone(state, seconds: seconds, metrics: metrics,
                                   status: String(format: "loss %.4f  %.0f tok/s", result.loss, tokensPerSecond),
                                   line: String(format: "loss %.4f  lr %.3g  grad norm %.3f  %.0f tokens/s", result.loss, lr, norm, tokensPerSecond)
                                       + (result.summary.isEmpty ? "" : "  " + result.summary))
        }
        try lifecycle.end(state, saveFinal: saveFinal)
        return losses
    }

    /// The configuration's schedule over `totalSteps`, peaking at `optimizer.lr` (or at `peak`).
    static func schedule(_ config: RunConfiguration, totalSteps: Int, peak: Double? = nil) -> LearningRateSchedule {
        let warmup = config.schedule.warmupSteps ?? LearningRateSchedule.warmupSteps(ratio: config.schedule.warmupRatio, totalSteps: totalSteps)
        let kind: LearningRateSchedule.Kind = switch config.schedule.kind {
        case .linear: .linear
        case .constant: .constant
        case .cosine: .cosine
        }
        return LearningRateSchedule(kind: kind, peak: peak ?? config.optimizer.lr, warmupSteps: warmup, totalSteps: totalSteps)
    }
}
