/// Direct preference optimisation (`rlvr dpo`). Defaults are SmolTulu's: the length-normalised loss
/// with β 5.
public struct DPOSection: RunConfigSection, Equatable {
    /// `dpo` (summed log-probs, Rafailov et al.), `dpo_norm` (per-token mean log-probs; Tulu 3 and
    /// SmolTulu) or `simpo` (reference-free, with a target margin `simpo_gamma`).
    public var loss: Loss
    public var beta: Double
    /// Conservative DPO: the fraction ε of labels assumed flipped (0: plain DPO).
    public var labelSmoothing: Double
    /// SimPO's target reward margin γ.
    public var simpoGamma: Double
    /// The frozen reference model; null means `model.path` (the policy's starting weights).
    public var reference: String?
    /// Folder of cached reference log-probs, one file per hash of (reference weights, tokenized pairs,
    /// loss type); shared by runs.
    public var referenceCache: String

    public enum Loss: String, ConfigChoice {
        case dpo
        case dpoNorm = "dpo_norm"
        case simpo
    }

    enum CodingKeys: String, CodingKey {
        case loss, beta
        case labelSmoothing = "label_smoothing"
        case simpoGamma = "simpo_gamma"
        case reference
        case referenceCache = "reference_cache"
    }

    public init() {
        loss = .dpoNorm
        beta = 5
        labelSmoothing = 0
        simpoGamma = 0.5
        reference = nil
        referenceCache = ".rlvr-cache/reference-logprobs"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = Self()
        loss = try c.value(.loss, or: d.loss)
        beta = try c.value(.beta, or: d.beta)
        labelSmoothing = try c.value(.labelSmoothing, or: d.labelSmoothing)
        simpoGamma = try c.value(.simpoGamma, or: d.simpoGamma)
        reference = try c.decodeIfPresent(String.self, forKey: .reference)
        referenceCache = try c.value(.referenceCache, or: d.referenceCache)
    }

    public func problems() -> [ConfigProblem] {
        var found: [ConfigProblem] = []
        if !(beta > 0 && beta.isFinite) { found.append(ConfigProblem("beta", "expected a positive number, got \(beta)")) }
        if !(0.0..<0.5).contains(labelSmoothing) { found.append(ConfigProblem("label_smoothing", "expected a value in [0, 0.5), got \(labelSmoothing)")) }
        if !simpoGamma.isFinite { found.append(ConfigProblem("simpo_gamma", "expected a finite number, got \(simpoGamma)")) }
        if let reference, reference.isEmpty { found.append(ConfigProblem("reference", "expected a model path (or null for model.path)")) }
        if referenceCache.isEmpty { found.append(ConfigProblem("reference_cache", "expected a folder path")) }
        return found
    }
}
