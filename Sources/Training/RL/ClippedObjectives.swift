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

/// GSPO (Zheng et al. 2025, "Group Sequence Policy Optimization", eq. 5–7): one importance ratio per
/// response, the geometric mean of its token ratios, clipped as a whole:
///
///     s = exp((1/|y|) Σ_t (logπ_t − logπ_old,t)),   L = max(−A·s, −A·clip(s, 1 − ε_low, 1 + ε_high))
///     dL/dlogπ_t = −A·s/|y| for every token when the unclipped term is the larger (or they tie), else 0
///
/// (∂s/∂logπ_t = s/|y|). `A` is the response's advantage (GRPO gives every token the same one).
public enum SequencePolicyLoss {
    public struct Sequence: Equatable, Sendable {
        public var loss: Double
        /// The same for every token of the response.
        public var dLogProb: Double
        public var ratio: Double
        public var clipped: Bool
    }

    public static func sequence(logProbs: [Double], oldLogProbs: [Double], advantage a: Double, clipLow: Double, clipHigh: Double) -> Sequence {
        precondition(logProbs.count == oldLogProbs.count && !logProbs.isEmpty, "one old log-prob per token, at least one token")
        let n = Double(logProbs.count)
        let ratio = exp(zip(logProbs, oldLogProbs).reduce(0) { $0 + ($1.0 - $1.1) } / n)
        let unclipped = -a * ratio
        let clipped = -a * min(max(ratio, 1 - clipLow), 1 + clipHigh)
        if unclipped >= clipped {
            return Sequence(loss: unclipped, dLogProb: -a * ratio / n, ratio: ratio, clipped: false)
        }
        return Sequence(loss: clipped, dLogProb: 0, ratio: ratio, clipped: true)
    }
}

/// CISPO (MiniMax-M1 report, Chen et al. 2025, eq. 4–5): the importance weight is clipped and
/// stopped, and every token keeps its gradient (none is zeroed by clipping):
///
///     r̂ = clip(ρ, 1 − ε_low, 1 + ε_high),   J = sg(r̂)·A·logπ,   dL/dlogπ = −r̂·A
///
/// The loss reported is −r̂·A·ρ: at the sampling policy (ρ = 1) it is the value whose gradient the
/// update follows, and it equals PPO's surrogate wherever the weight is not clipped.
public enum ClippedWeightLoss {
    public static func token(logProb: Double, oldLogProb: Double, advantage a: Double, clipLow: Double, clipHigh: Double) -> ClippedPolicyLoss.Token {
        let ratio = exp(logProb - oldLogProb)
        let weight = min(max(ratio, 1 - clipLow), 1 + clipHigh)
        return ClippedPolicyLoss.Token(loss: -a * weight * ratio, dLogProb: -a * weight, ratio: ratio, clipped: weight != ratio)
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
