/// `model.lora`: low-rank adapters instead of full fine-tuning (Hu et al. 2021). The base weights
/// stay frozen (no gradient, no AdamW moments); A and B of each adapted projection train. Off while
/// `rank` is 0.
public struct LoRASection: RunConfigSection, Equatable {
    /// The adapters' rank r; 0: no adapters (full fine-tuning).
    public var rank: Int
    /// The scale's numerator: updates are scaled by alpha / r (null: 2·r, so the scale is 2).
    public var alpha: Double?
    /// Dropout on the adapters' input during training (PEFT's `lora_dropout`; SFT, DPO and RM only:
    /// RL needs the trainer's log-probs to equal the sampler's).
    public var dropout: Double
    /// The projections adapted in every layer.
    public var targets: [Target]
    /// Rank-stabilised scaling alpha / √r (PEFT's `use_rslora`).
    public var rankStabilised: Bool

    public enum Target: String, ConfigChoice {
        case q, k, v, o, gate, up, down
    }

    enum CodingKeys: String, CodingKey {
        case rank, alpha, dropout, targets
        case rankStabilised = "rs_lora"
    }

    public init() {
        rank = 0
        alpha = nil
        dropout = 0
        targets = Target.allCases
        rankStabilised = false
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = Self()
        rank = try c.value(.rank, or: d.rank)
        alpha = try c.decodeIfPresent(Double.self, forKey: .alpha)
        dropout = try c.value(.dropout, or: d.dropout)
        targets = try c.value(.targets, or: d.targets)
        rankStabilised = try c.value(.rankStabilised, or: d.rankStabilised)
    }

    /// Whether adapters are on.
    public var enabled: Bool { rank > 0 }

    /// alpha, or 2·rank when null.
    public var resolvedAlpha: Double { alpha ?? Double(2 * rank) }

    public func problems() -> [ConfigProblem] {
        var found: [ConfigProblem] = []
        if rank < 0 { found.append(ConfigProblem("rank", "expected 0 (off) or a positive rank, got \(rank)")) }
        if let alpha, !(alpha > 0) { found.append(ConfigProblem("alpha", "expected a positive number, got \(alpha)")) }
        if !(dropout >= 0 && dropout < 1) { found.append(ConfigProblem("dropout", "expected 0 ≤ dropout < 1, got \(dropout)")) }
        if enabled && targets.isEmpty { found.append(ConfigProblem("targets", "expected at least one of q, k, v, o, gate, up, down")) }
        if Set(targets).count != targets.count { found.append(ConfigProblem("targets", "a projection is listed twice")) }
        return found
    }
}
