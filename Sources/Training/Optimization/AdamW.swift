import Foundation
import Kernels

/// AdamW (Kingma & Ba 2015; decoupled weight decay, Loshchilov & Hutter 2019) over a parameter
/// arena, with the same semantics as `torch.optim.AdamW`:
///
///     p ← p · (1 − lr·λ)                      (only where decay applies)
///     m ← β1·m + (1 − β1)·g,   v ← β2·v + (1 − β2)·g²
///     p ← p − lr · (m / (1 − β1ᵗ)) / (√(v / (1 − β2ᵗ)) + ε)
///
/// The moments live in two arenas with the parameters' layout, so the update is one loop.
public final class AdamW: @unchecked Sendable {
    public struct Settings: Equatable, Sendable {
        public var beta1: Float
        public var beta2: Float
        public var eps: Float
        public var weightDecay: Float

        public init(beta1: Float = 0.9, beta2: Float = 0.999, eps: Float = 1e-8, weightDecay: Float = 0) {
            self.beta1 = beta1
            self.beta2 = beta2
            self.eps = eps
            self.weightDecay = weightDecay
        }
    }

    public let settings: Settings
    public let firstMoment: FloatBuffer
    public let secondMoment: FloatBuffer
    /// 1 where weight decay applies, 0 elsewhere (norm gains), run-length encoded as ranges.
    public let decayedRanges: [Range<Int>]
    public private(set) var step = 0

    public init(parameterCount: Int, decayedRanges: [Range<Int>], settings: Settings) {
        self.settings = settings
        self.decayedRanges = decayedRanges
        firstMoment = FloatBuffer(count: parameterCount)
        secondMoment = FloatBuffer(count: parameterCount)
    }

    /// Sets the step counter (when resuming; moments are restored separately).
    public func restore(step: Int) {
        self.step = step
    }

    /// One update of `parameters` from `gradients` at learning rate `lr`.
    public func update(parameters: FloatBuffer, gradients: FloatBuffer, lr: Float) {
        precondition(parameters.count == firstMoment.count && gradients.count == firstMoment.count, "arena sizes differ")
        step += 1
        let s = settings
        let correction1 = 1 - Float(pow(Double(s.beta1), Double(step)))
        let correction2 = 1 - Float(pow(Double(s.beta2), Double(step)))
        let p = parameters.pointer, g = gradients.pointer, m = firstMoment.pointer, v = secondMoment.pointer
        let decay = 1 - lr * s.weightDecay
        if s.weightDecay != 0 {
            for range in decayedRanges {
                parallelFor(range.count, minimumChunk: 1 << 14) { chunk in
                    for i in (range.lowerBound + chunk.lowerBound)..<(range.lowerBound + chunk.upperBound) { p[i] *= decay }
                }
            }
        }
        parallelFor(parameters.count, minimumChunk: 1 << 14) { range in
            for i in range {
                let gi = g[i]
                m[i] = s.beta1 * m[i] + (1 - s.beta1) * gi
                v[i] = s.beta2 * v[i] + (1 - s.beta2) * gi * gi
                let mHat = m[i] / correction1
                let vHat = v[i] / correction2
                p[i] -= lr * mHat / (vHat.squareRoot() + s.eps)
            }
        }
    }
}
