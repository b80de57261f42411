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
    let optimizer: AdamW
    /// The model's gradient arena (layout order), filled by the mode's backward passes.
    let gradients: FloatBuffer
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
        run = try RunFolder(path: options.outDir ?? config.output.dir)
        model.enableGradients()
        guard let gradients = model.gradients else { throw TrainerError("gradients could not be allocated") }
        self.gradients = gradients
        let decayed = model.layout.entries.filter { !$0.isNorm }.map { $0.offset..<($0.offset + $0.count) }
        optimizer = AdamW(parameterCount: model.layout.count, decayedRanges: decayed, settings: Self.adamSettings(config.optimizer))
        let stepsPerEpoch = (itemCount + config.training.batchSize - 1) / config.training.batchSize
        var total = stepsPerEpoch * config.training.epochs
        if let limit = config.training.maxSteps { total = min(total, limit) }
        totalSteps = total
        if let warning = TrainerSetup.oversubscription(config, group: options.group) { options.log(warning) }
        parallel = DataParallelStep(group: options.group, buffers: [gradients] + heads.map(\.gradients), running: config.training.gradientSum == .running)
    }

    /// Logs the memory the run holds before its first step: weights, gradients, AdamW moments and
    /// the activations planned from the data (the vocabulary head is chunked: never tokens × vocab).
    /// With more than one micro-batch per step (per rank), partial gradient sums wait in stash buffers.
    func logMemoryPlan(activations: [LlamaActivations], leavesPerStep: Int) {
        let floats = MemoryLayout<Float>.stride
        let weights = model.layout.count * floats
        let activationBytes = activations.reduce(0) { $0 + $1.trainingBytes }
        var parts = [("weights", weights), ("gradients", weights), ("AdamW moments", 2 * weights),
                     ("activations for \(activations.map { String($0.capacity) }.joined(separator: " + ")) tokens", activationBytes)]
        let stash = parallel.stashBytes(leaves: leavesPerStep)
        if stash > 0 { parts.append(("partial gradient sums", stash)) }
        if group.size > 1 { parts.append(("(per rank; \(group.size) ranks)", 0)) }
        options.log("memory planned: " + parts.map { "\($0.0) \(formatBytes($0.1))" }.joined(separator: ", ")
            + "; total \(formatBytes(parts.reduce(0) { $0 + $1.1 }))")
    }

    static func adamSettings(_ optimizer: OptimizerSection) -> AdamW.Settings {
        .init(beta1: Float(optimizer.betas[0]), beta2: Float(optimizer.betas[1]), eps: Float(optimizer.eps), weightDecay: Float(optimizer.weightDecay))
    }

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
        let writes = group.isRoot
        var state = RunFolder.TrainerState(step: 0, examplesSeen: 0, seed: UInt64(config.seed))
        if options.resume {
            guard let restored = try run.restoreLatest(model: model, optimizer: optimizer, heads: heads) else {
                throw TrainerError("\(run.path): no checkpoint to resume from (expected checkpoints/step-N/)")
            }
            state = restored
            if writes { try run.truncateMetrics(after: state.step) }
            options.log("resumed from step \(state.step)" + (group.size > 1 ? " on \(group.size) ranks" : ""))
        } else if writes {
            try? FileManager.default.removeItem(atPath: run.metricsPath)
            try run.writeConfig(try ConfigLoader.render(config))
        }
        if group.size > 1 && writes { TerminationNotice.install(Self.stoppedNotice(run: run.path)) }
        let stopAt = min(totalSteps, options.maxSteps ?? totalSteps)
        let schedule = Self.schedule(config, totalSteps: totalSteps)
        var losses: [Double] = []
        var secondsThisRun = 0.0, stepsThisRun = 0
        let allGradients = [gradients] + heads.map(\.gradients)
        while state.step < stopAt {
            let started = Profiler.now()
            let batch = (0..<config.training.batchSize).map { item(at: state.examplesSeen + $0) }
            let result = try parallel.run(try plan(batch))
            let norm = config.optimizer.maxGradNorm.map { GradientClipping.clip(allGradients, maxNorm: $0) } ?? GradientClipping.globalNorm(allGradients)
            let lr = schedule.rate(at: state.step)
            optimizer.update(parameters: model.parameters, gradients: gradients, lr: Float(lr))
            for head in heads { head.optimizer.update(parameters: head.values, gradients: head.gradients, lr: Float(lr)) }
            state.step += 1
            state.examplesSeen += batch.count
            losses.append(result.loss)
            let seconds = Profiler.now() - started
            secondsThisRun += seconds
            stepsThisRun += 1
            var metrics: [String: Any] = [
                "step": state.step, "epoch": Double(state.examplesSeen) / Double(itemCount), "lr": lr, "loss": result.loss,
                "grad_norm": norm, "tokens": result.tokens, "tokens_per_s": Double(result.tokens) / seconds,
            ]
            metrics.merge(result.metrics) { current, _ in current }
            let evaluateNow = (config.output.evalEvery > 0 && state.step % config.output.evalEvery == 0) || state.step == totalSteps
            if let evaluate, evaluateNow {
                let held = try evaluate()
                metrics.merge(held) { current, _ in current }
                options.log("step \(state.step)  held-out " + held.sorted { $0.key < $1.key }.map { "\($0.key) " + String(format: "%.4f", $0.value) }.joined(separator: "  "))
            }
            if writes { try run.appendMetrics(metrics) }
            let remaining = Self.duration(secondsThisRun / Double(stepsThisRun) * Double(stopAt - state.step))
            let tokensPerSecond = Double(result.tokens) / seconds
            if let status = options.status {
                status(Self.progressBar(step: state.step, of: stopAt) + String(format: " loss %.4f  %.0f tok/s", result.loss, tokensPerSecond) + "  ETA \(remaining)")
            } else if state.step % config.output.logEvery == 0 {
                options.log(String(format: "step %d/%d  loss %.4f  lr %.3g  grad norm %.3f  %.0f tokens/s", state.step, stopAt, result.loss, lr, norm, tokensPerSecond)
                    + (result.summary.isEmpty ? "" : "  " + result.summary) + "  \(remaining) left")
            }
            if writes && config.output.saveEvery > 0 && state.step % config.output.saveEvery == 0 {
                try saveCheckpoint(state)
            }
        }
        if writes, state.step < totalSteps, config.output.saveEvery == 0 || state.step % config.output.saveEvery != 0 {
            // stopped early (--max-steps): keep the place so --resume carries on
            try saveCheckpoint(state)
        }
        if state.step >= totalSteps {
            if writes { try saveFinal(run.path + "/final") }
            options.log("\(state.step) steps done (\(Self.duration(secondsThisRun)) this run): \(run.path)/final")
        } else {
            options.log("stopped at step \(state.step) of \(totalSteps); carry on with --resume \(run.path)")
        }
        try group.barrier()   // rank 0's last writes are on disk before any rank goes on (a pipeline's next stage reads them)
        return losses
    }

    private func saveCheckpoint(_ state: RunFolder.TrainerState) throws {
        try run.saveCheckpoint(model: model, optimizer: optimizer, heads: heads, state: state, keep: config.output.keepCheckpoints,
                               interruptAfterWeights: options.interruptCheckpointAtStep == state.step)
    }

    static func schedule(_ config: RunConfiguration, totalSteps: Int) -> LearningRateSchedule {
        let warmup = config.schedule.warmupSteps ?? LearningRateSchedule.warmupSteps(ratio: config.schedule.warmupRatio, totalSteps: totalSteps)
        let kind: LearningRateSchedule.Kind = switch config.schedule.kind {
        case .linear: .linear
        case .constant: .constant
        case .cosine: .cosine
        }
        return LearningRateSchedule(kind: kind, peak: config.optimizer.lr, warmupSteps: warmup, totalSteps: totalSteps)
    }

    /// What rank 0 prints when the launcher stops the job (another rank failed).
    static func stoppedNotice(run: String) -> String {
        "\nrlvr: rank 0: the job was stopped (a rank failed or was killed); carry on from the newest checkpoint with --resume \(run), on any power-of-two number of ranks"
    }

    /// "[=======>            ]  7/20".
    static func progressBar(step: Int, of total: Int, width: Int = 24) -> String {
        let filled = total > 0 ? width * step / total : width
        let bar = String(repeating: "=", count: max(0, filled - 1)) + (filled > 0 ? (filled == width ? "=" : ">") : "")
        return "[" + bar + String(repeating: " ", count: width - bar.count) + "] \(step)/\(total)"
    }

    /// "1h02m", "3m05s", "42s".
    static func duration(_ seconds: Double) -> String {
        let whole = Int(seconds.rounded())
        if whole >= 3600 { return String(format: "%dh%02dm", whole / 3600, whole % 3600 / 60) }
        if whole >= 60 { return String(format: "%dm%02ds", whole / 60, whole % 60) }
        return "\(whole)s"
    }
}
