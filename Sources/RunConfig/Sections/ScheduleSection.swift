/// The learning-rate schedule: warm-up from 0 to `optimizer.lr`, then decay.
public struct ScheduleSection: RunConfigSection, Equatable {
    public var kind: Kind
    /// Warm-up length as a fraction of all optimizer steps (Tulu 3 / SmolTulu: 0.03 SFT, 0.1 DPO).
    public var warmupRatio: Double
    /// Warm-up length in steps; overrides `warmup_ratio` when set.
    public var warmupSteps: Int?

    public enum Kind: String, ConfigChoice {
        /// Linear decay to 0 after warm-up (Hugging Face `get_linear_schedule_with_warmup`).
        case linear
        /// Constant after warm-up.
        case constant
        /// Half-cosine decay to 0 after warm-up.
        case cosine
    }

    enum CodingKeys: String, CodingKey {
        case kind
        case warmupRatio = "warmup_ratio"
        case warmupSteps = "warmup_steps"
    }

    public init() {
        kind = .linear
        warmupRatio = 0.03
        warmupSteps = nil
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = Self()
        kind = try c.value(.kind, or: d.kind)
        warmupRatio = try c.value(.warmupRatio, or: d.warmupRatio)
        warmupSteps = try c.decodeIfPresent(Int.self, forKey: .warmupSteps)
    }

    public func problems() -> [ConfigProblem] {
        var found: [ConfigProblem] = []
        if !(0.0...1.0).contains(warmupRatio) { found.append(ConfigProblem("warmup_ratio", "expected a fraction in [0, 1], got \(warmupRatio)")) }
        if let warmupSteps, warmupSteps < 0 { found.append(ConfigProblem("warmup_steps", "expected a non-negative integer, got \(warmupSteps)")) }
        return found
    }
}
