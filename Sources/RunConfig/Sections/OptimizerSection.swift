/// AdamW with decoupled weight decay (Loshchilov & Hutter 2019) and global-norm gradient clipping.
/// Defaults are PyTorch's and TRL's; norms and biases are never decayed.
public struct OptimizerSection: RunConfigSection, Equatable {
    /// Peak learning rate (reached at the end of warm-up).
    public var lr: Double
    /// (β1, β2): decay rates of the first and second moment estimates.
    public var betas: [Double]
    public var eps: Double
    public var weightDecay: Double
    /// Clip the global gradient norm to this value; null disables clipping.
    public var maxGradNorm: Double?

    enum CodingKeys: String, CodingKey {
        case lr, betas, eps
        case weightDecay = "weight_decay"
        case maxGradNorm = "max_grad_norm"
    }

    public init() {
        lr = 1e-5
        betas = [0.9, 0.999]
        eps = 1e-8
        weightDecay = 0.0
        maxGradNorm = 1.0
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = Self()
        lr = try c.value(.lr, or: d.lr)
        betas = try c.value(.betas, or: d.betas)
        eps = try c.value(.eps, or: d.eps)
        weightDecay = try c.value(.weightDecay, or: d.weightDecay)
        maxGradNorm = c.contains(.maxGradNorm) ? try c.decodeIfPresent(Double.self, forKey: .maxGradNorm) : d.maxGradNorm
    }

    public func problems() -> [ConfigProblem] {
        var found: [ConfigProblem] = []
        if !(lr > 0 && lr.isFinite) { found.append(ConfigProblem("lr", "expected a positive learning rate, got \(lr)")) }
        if betas.count != 2 || !betas.allSatisfy({ (0.0..<1.0).contains($0) }) {
            found.append(ConfigProblem("betas", "expected two values in [0, 1) like [0.9, 0.999], got \(betas)"))
        }
        if !(eps > 0) { found.append(ConfigProblem("eps", "expected a positive number, got \(eps)")) }
        if !(weightDecay >= 0) { found.append(ConfigProblem("weight_decay", "expected a non-negative number, got \(weightDecay)")) }
        if let maxGradNorm, !(maxGradNorm > 0) {
            found.append(ConfigProblem("max_grad_norm", "expected a positive number (or null to disable clipping), got \(maxGradNorm)"))
        }
        return found
    }
}
