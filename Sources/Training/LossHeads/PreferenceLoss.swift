import Foundation

/// Direct preference losses on one (chosen, rejected) pair, from the policy's and the reference's
/// summed log-probabilities of each response and their lengths.
///
/// - `dpo` (Rafailov et al. 2023, eq. 7): z = β·[(π_c − ρ_c) − (π_r − ρ_r)], with π, ρ summed log-probs.
/// - `dpo_norm` (Tulu 3 / SmolTulu "dpo_norm"): the same with every log-prob divided by its response's
///   length (token-averaged), β 5 in SmolTulu.
/// - `simpo` (Meng et al. 2024): z = β·(π_c/|c| − π_r/|r|) − γ, no reference.
///
/// Loss with label smoothing ε (cDPO; TRL's `label_smoothing`):
///     L = −(1 − ε)·log σ(z) − ε·log σ(−z)
///     dL/dz = −(1 − ε)·σ(−z) + ε·σ(z)
/// Rewards reported as TRL does: r_c = β·(π_c − ρ_c), r_r = β·(π_r − ρ_r) (length-normalised for dpo_norm,
/// reference-free for simpo).
public enum PreferenceLoss {
    public enum Kind: String, Sendable, CaseIterable {
        case dpo
        case dpoNorm = "dpo_norm"
        case simpo
    }

    public struct Sequence: Sendable {
        /// Σ log p of the response tokens.
        public var logProb: Double
        /// Number of response tokens.
        public var length: Int
        public init(logProb: Double, length: Int) {
            self.logProb = logProb
            self.length = length
        }
    }

    public struct Result: Sendable {
        public var loss: Double
        /// dL/d(Σ log p) of the policy's chosen and rejected responses (per token: divide by nothing —
        /// every token of the response gets this value, already length-scaled for dpo_norm/simpo).
        public var dChosenTokenLogProb: Double
        public var dRejectedTokenLogProb: Double
        public var chosenReward: Double
        public var rejectedReward: Double
        public var margin: Double { chosenReward - rejectedReward }
        public var correct: Bool { chosenReward > rejectedReward }
    }

    /// log σ(x), computed without overflow.
    static func logSigmoid(_ x: Double) -> Double {
        x >= 0 ? -log1p(exp(-x)) : x - log1p(exp(x))
    }

    static func sigmoid(_ x: Double) -> Double {
        x >= 0 ? 1 / (1 + exp(-x)) : exp(x) / (1 + exp(x))
    }

    public static func evaluate(_ kind: Kind, beta: Double, labelSmoothing: Double = 0, gamma: Double = 0,
                                policyChosen: Sequence, policyRejected: Sequence,
                                referenceChosen: Sequence?, referenceRejected: Sequence?) -> Result {
        let lc = Double(max(1, policyChosen.length)), lr = Double(max(1, policyRejected.length))
        // Per-sequence "log-ratio" terms and how each depends on one token's log-prob.
        let (chosen, rejected, chosenScale, rejectedScale): (Double, Double, Double, Double)
        switch kind {
        case .dpo:
            chosen = policyChosen.logProb - (referenceChosen?.logProb ?? 0)
            rejected = policyRejected.logProb - (referenceRejected?.logProb ?? 0)
            (chosenScale, rejectedScale) = (1, 1)
        case .dpoNorm:
            chosen = policyChosen.logProb / lc - (referenceChosen.map { $0.logProb / Double(max(1, $0.length)) } ?? 0)
            rejected = policyRejected.logProb / lr - (referenceRejected.map { $0.logProb / Double(max(1, $0.length)) } ?? 0)
            (chosenScale, rejectedScale) = (1 / lc, 1 / lr)
        case .simpo:
            chosen = policyChosen.logProb / lc
            rejected = policyRejected.logProb / lr
            (chosenScale, rejectedScale) = (1 / lc, 1 / lr)
        }
        let z = beta * (chosen - rejected) - (kind == .simpo ? gamma : 0)
        let loss = -(1 - labelSmoothing) * logSigmoid(z) - labelSmoothing * logSigmoid(-z)
        let dz = -(1 - labelSmoothing) * sigmoid(-z) + labelSmoothing * sigmoid(z)
        return Result(loss: loss, dChosenTokenLogProb: dz * beta * chosenScale, dRejectedTokenLogProb: -dz * beta * rejectedScale,
                      chosenReward: beta * chosen, rejectedReward: beta * rejected)
    }
}
