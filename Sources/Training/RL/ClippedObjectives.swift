import Foundation

/// PPO's clipped surrogate (Schulman et al. 2017) per token, with DAPO's asymmetric range
/// [1 − ε_low, 1 + ε_high]:
///
///     ρ = exp(logπ − logπ_old),   L = max(−A·ρ, −A·clip(ρ, 1 − ε_low, 1 + ε_high))
///     dL/dlogπ = −A·ρ when the unclipped term is the larger (or they tie), else 0
public enum ClippedPolicyLoss {
    public struct Token: Equatable, Sendable {
        public var loss: Double
        public var dLogProb: Double
        public var ratio: Double
        /// The clipped term was strictly larger (this token's gradient is zero).
        public var clipped: Bool
    }

    public static func token(logProb: Double, oldLogProb: Double, advantage a: Double, clipLow: Double, clipHigh: Double) -> Token {
        let ratio = exp(logProb - oldLogProb)
        let unclipped = -a * ratio
        let clipped = -a * min(max(ratio, 1 - clipLow), 1 + clipHigh)
        if unclipped >= clipped {
            return Token(loss: unclipped, dLogProb: -a * ratio, ratio: ratio, clipped: false)
        }
        return Token(loss: clipped, dLogProb: 0, ratio: ratio, clipped: true)
    }
}

/// PPO's clipped value loss (open-instruct, TRL): with v_c = clamp(v, v_old − c, v_old + c),
///
///     L = ½·max((v − R)², (v_c − R)²)
///     dL/dv = (v − R) when the unclipped term is the larger (or they tie); else (v_c − R) if v lies
///             inside the clip range (then v_c = v), and 0 outside it
public enum ClippedValueLoss {
    public static func token(value v: Double, oldValue: Double, target: Double, clip c: Double) -> (loss: Double, dValue: Double, clipped: Bool) {
        let vClipped = min(max(v, oldValue - c), oldValue + c)
        let unclipped = (v - target) * (v - target), clippedSquare = (vClipped - target) * (vClipped - target)
        if unclipped >= clippedSquare { return (0.5 * unclipped, v - target, false) }
        let inside = v > oldValue - c && v < oldValue + c
        return (0.5 * clippedSquare, inside ? vClipped - target : 0, true)
    }
}
