import Kernels
import LlamaModel
import RunConfig

/// One optimizer step over a model and its heads, assembled once for every trainer: AdamW with
/// weight decay on every weight but the norms (heads decay whole), global-norm clipping of all their
/// gradients together (`max_grad_norm`, or only the norm when it is null), one learning rate.
/// With LoRA adapters the model's trainable arena is theirs (all decayed, as PEFT's A and B are):
/// the frozen base has neither gradients nor moments.
public final class OptimizerGroup {
    public let model: LlamaModel
    public let heads: [HeadParameters]
    public let optimizer: AdamW
    /// What the model trains: its weights, or its adapters' A and B.
    public let parameters: FloatBuffer
    /// The gradients of `parameters` (same layout).
    public let gradients: FloatBuffer
    public let maxGradNorm: Double?

    /// AdamW's settings from the configuration's `optimizer` section.
    public static func settings(_ section: OptimizerSection) -> AdamW.Settings {
        .init(beta1: Float(section.betas[0]), beta2: Float(section.betas[1]), eps: Float(section.eps), weightDecay: Float(section.weightDecay))
    }

    /// Allocates the model's gradients (if it has none yet) and the AdamW moments.
    public init(model: LlamaModel, heads: [HeadParameters] = [], settings: AdamW.Settings, maxGradNorm: Double?) throws {
        model.enableGradients()
        self.model = model
        self.heads = heads
        self.maxGradNorm = maxGradNorm
        if let adapters = model.adapters {
            guard let gradients = adapters.gradients else { throw TrainerError("adapter gradients could not be allocated") }
            (parameters, self.gradients) = (adapters.parameters, gradients)
            optimizer = AdamW(parameterCount: parameters.count, decayedRanges: [0..<parameters.count], settings: settings)
        } else {
            guard let gradients = model.gradients else { throw TrainerError("gradients could not be allocated") }
            (parameters, self.gradients) = (model.parameters, gradients)
            let decayed = model.layout.entries.filter { !$0.isNorm }.map { $0.offset..<($0.offset + $0.count) }
            optimizer = AdamW(parameterCount: model.layout.count, decayedRanges: decayed, settings: settings)
        }
    }

    /// The configuration's optimizer for `model` and `heads`.
    public convenience init(model: LlamaModel, heads: [HeadParameters] = [], config: OptimizerSection) throws {
        try self.init(model: model, heads: heads, settings: Self.settings(config), maxGradNorm: config.maxGradNorm)
    }

    /// Optimizer steps taken so far (restored on resume).
    public var stepsTaken: Int { optimizer.step }

    /// Every gradient arena of the group, model first.
    public var allGradients: [FloatBuffer] { [gradients] + heads.map(\.gradients) }

    /// Clips (or only measures) the joint gradient norm, then steps the model and every head with
    /// `lr`. Returns the norm before clipping.
    @discardableResult
    public func step(lr: Double) -> Double {
        let buffers = allGradients
        let norm = maxGradNorm.map { GradientClipping.clip(buffers, maxNorm: $0) } ?? GradientClipping.globalNorm(buffers)
        optimizer.update(parameters: parameters, gradients: gradients, lr: Float(lr))
        for head in heads { head.optimizer.update(parameters: head.values, gradients: head.gradients, lr: Float(lr)) }
        return norm
    }
}
