import Foundation
import RunConfig

/// Advantage estimators of RL from verifiable rewards. Sequences are response tokens only; index 0
/// is the first generated token.
public enum Advantages {
    /// Generalised advantage estimation (Schulman et al. 2016), per sequence, with V_T = 0:
    ///
    ///     δ_t = r_t + γ·V_{t+1} − V_t,   A_t = δ_t + γλ·A_{t+1},   R_t = A_t + V_t (value targets)
    public static func gae(rewards: [Double], values: [Double], gamma: Double, lambda: Double) -> (advantages: [Double], returns: [Double]) {
        precondition(rewards.count == values.count, "one value per reward")
        var advantages = [Double](repeating: 0, count: rewards.count)
        var next = 0.0, nextValue = 0.0
        for t in stride(from: rewards.count - 1, through: 0, by: -1) {
            let delta = rewards[t] + gamma * nextValue - values[t]
            next = delta + gamma * lambda * next
            advantages[t] = next
            nextValue = values[t]
        }
        return (advantages, zip(advantages, values).map(+))
    }

    /// Whitening over every token of every sequence, as open-instruct's `masked_whiten`:
    /// (A − mean)/√(var + 1e-8) with the Bessel-corrected variance (n − 1).
    public static func whiten(_ sequences: [[Double]]) -> [[Double]] {
        let all = sequences.flatMap { $0 }
        guard all.count > 1 else { return sequences.map { $0.map { _ in 0 } } }
        let mean = all.reduce(0, +) / Double(all.count)
        let variance = all.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(all.count - 1)
        let scale = 1 / (variance + 1e-8).squareRoot()
        return sequences.map { $0.map { ($0 - mean) * scale } }
    }

    /// Standard deviation convention for group normalisation.
    public enum StandardDeviation: String, Sendable {
        /// Bessel-corrected (n − 1): `torch.std`, open-instruct, verl, TRL.
        case unbiased
        /// Population (n): numpy's default.
        case biased
        /// No division (Dr. GRPO; open-instruct's modern default): mean-centred only.
        case none
    }

    /// GRPO (Shao et al. 2024): A_i = (r_i − mean)/(std + ε) within each group of samples of one
    /// prompt. A group of one sample has no baseline: its advantage is 0.
    public static func groupNormalised(_ rewards: [Double], std: StandardDeviation, epsilon: Double) -> [Double] {
        let n = Double(rewards.count)
        guard rewards.count > 1 else { return rewards.map { _ in 0 } }
        let mean = rewards.reduce(0, +) / n
        let squares = rewards.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
        let deviation: Double
        switch std {
        case .unbiased: deviation = (squares / (n - 1)).squareRoot()
        case .biased: deviation = (squares / n).squareRoot()
        case .none: return rewards.map { $0 - mean }
        }
        return rewards.map { ($0 - mean) / (deviation + epsilon) }
    }

    /// RLOO (Ahmadian et al. 2024): each sample's baseline is the mean of the others,
    /// A_i = r_i − (Σ_j r_j − r_i)/(n − 1). A group of one has advantage 0.
    public static func leaveOneOut(_ rewards: [Double]) -> [Double] {
        guard rewards.count > 1 else { return rewards.map { _ in 0 } }
        let total = rewards.reduce(0, +), n = Double(rewards.count)
        return rewards.map { $0 - (total - $0) / (n - 1) }
    }

    /// REINFORCE++-baseline (OpenRLHF): r_i − mean of the group (whitened over the batch later).
    public static func groupCentred(_ rewards: [Double]) -> [Double] {
        let mean = rewards.reduce(0, +) / Double(max(1, rewards.count))
        return rewards.map { $0 - mean }
    }
}

extension Advantages.StandardDeviation {
    /// The configuration's choice (`algorithm.group_std`), mapped exhaustively.
    public init(_ choice: AlgorithmSection.GroupStd) {
        switch choice {
        case .unbiased: self = .unbiased
        case .biased: self = .biased
        case .none: self = .none
        }
    }
}
