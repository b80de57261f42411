/// How examples are batched into optimizer steps and how long training runs.
public struct TrainingSection: RunConfigSection, Equatable {
    /// Examples per optimizer step (the global batch, whatever the number of processes).
    public var batchSize: Int
    /// Examples per forward/backward pass; `batch_size / micro_batch_size` passes are accumulated.
    public var microBatchSize: Int
    public var epochs: Int
    /// Stop after this many optimizer steps (overrides `epochs` when smaller).
    public var maxSteps: Int?
    /// `mean`: average per-token loss over the micro-batch; `sum`: summed (Tulu 3 SFT).
    public var lossReduction: LossReduction
    /// SFT: pack each optimizer batch's examples into micro-batches of up to
    /// `micro_batch_size × data.max_length` tokens (as many examples as fit) instead of
    /// `micro_batch_size` examples: fewer, fuller passes for short examples. Sequences never attend
    /// across examples, so the per-token log-probs are the same bits either way.
    public var packing: Bool
    /// How each step's micro-batch gradients are summed. `tree`: a binary tree fixed by the
    /// micro-batch count, so 1, 2, 4… processes give the same bits (needs one extra gradient-sized
    /// buffer per tree level below the root on each process); `running`: added in turn into one
    /// buffer (no extra memory; the same bits for the same number of processes only).
    public var gradientSum: GradientSum

    public enum GradientSum: String, ConfigChoice {
        case tree, running
    }

    public enum LossReduction: String, ConfigChoice {
        case mean, sum
    }

    enum CodingKeys: String, CodingKey {
        case batchSize = "batch_size"
        case microBatchSize = "micro_batch_size"
        case epochs
        case maxSteps = "max_steps"
        case lossReduction = "loss_reduction"
        case packing
        case gradientSum = "gradient_sum"
    }

    public init() {
        batchSize = 8
        microBatchSize = 1
        epochs = 1
        maxSteps = nil
        lossReduction = .mean
        packing = false
        gradientSum = .tree
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = Self()
        batchSize = try c.value(.batchSize, or: d.batchSize)
        microBatchSize = try c.value(.microBatchSize, or: d.microBatchSize)
        epochs = try c.value(.epochs, or: d.epochs)
        maxSteps = try c.decodeIfPresent(Int.self, forKey: .maxSteps)
        lossReduction = try c.value(.lossReduction, or: d.lossReduction)
        packing = try c.value(.packing, or: d.packing)
        gradientSum = try c.value(.gradientSum, or: d.gradientSum)
    }

    /// Forward/backward passes accumulated per optimizer step.
    public var gradientAccumulationSteps: Int { batchSize / microBatchSize }

    public func problems() -> [ConfigProblem] {
        var found: [ConfigProblem] = []
        if batchSize < 1 { found.append(ConfigProblem("batch_size", "expected at least 1, got \(batchSize)")) }
        if microBatchSize < 1 {
            found.append(ConfigProblem("micro_batch_size", "expected at least 1, got \(microBatchSize)"))
        } else if batchSize >= 1, batchSize % microBatchSize != 0 {
            found.append(ConfigProblem("micro_batch_size", "\(microBatchSize) does not divide batch_size \(batchSize)"))
        }
        if epochs < 1 { found.append(ConfigProblem("epochs", "expected at least 1, got \(epochs)")) }
        if let maxSteps, maxSteps < 1 { found.append(ConfigProblem("max_steps", "expected at least 1 (or null), got \(maxSteps)")) }
        return found
    }
}
