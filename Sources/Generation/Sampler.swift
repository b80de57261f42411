import Foundation

/// How to pick the next token (the names and meanings of Hugging Face `generate` and vLLM).
public struct SamplingSettings: Equatable, Sendable {
    /// 0 means greedy (argmax; ties to the lowest id).
    public var temperature: Double = 1
    /// Keep the smallest set of most likely tokens whose probability reaches `topP` (1: off).
    public var topP: Double = 1
    /// Keep the `topK` most likely tokens (0: off).
    public var topK: Int = 0
    /// Drop tokens less likely than `minP` × the most likely one (0: off).
    public var minP: Double = 0
    public var maxNewTokens: Int = 256
    public var stopStrings: [String] = []
    public var seed: UInt64 = 0

    public init(temperature: Double = 1, topP: Double = 1, topK: Int = 0, minP: Double = 0, maxNewTokens: Int = 256,
                stopStrings: [String] = [], seed: UInt64 = 0) {
        self.temperature = temperature
        self.topP = topP
        self.topK = topK
        self.minP = minP
        self.maxNewTokens = maxNewTokens
        self.stopStrings = stopStrings
        self.seed = seed
    }

    public var isGreedy: Bool { temperature == 0 }

    /// Each problem with the settings, naming the option.
    public func problems() -> [String] {
        var found: [String] = []
        if !(temperature >= 0 && temperature.isFinite) { found.append("temperature must be ≥ 0, got \(temperature)") }
        if !(topP > 0 && topP <= 1) { found.append("top-p must be in (0, 1], got \(topP)") }
        if topK < 0 { found.append("top-k must be ≥ 0, got \(topK)") }
        if !(minP >= 0 && minP < 1) { found.append("min-p must be in [0, 1), got \(minP)") }
        if maxNewTokens < 1 { found.append("max new tokens must be ≥ 1, got \(maxNewTokens)") }
        return found
    }
}

/// Draws one token from one row of logits: temperature, then top-k, top-p and min-p filters, then
/// the inverse CDF of the kept, renormalised probabilities at a given uniform number (tokens in
/// descending probability, ties by id). Also returns the token's log-probability under that
/// sampling distribution (0 for greedy).
public enum Sampler {
    public static func sample(logits: UnsafePointer<Float>, vocabulary: Int, settings s: SamplingSettings, uniform: Double) -> (token: Int32, logProb: Double) {
        if s.isGreedy {
            var best = 0
            for v in 1..<vocabulary where logits[v] > logits[best] { best = v }
            return (Int32(best), 0)
        }
        var maximum = -Double.infinity
        for v in 0..<vocabulary { maximum = max(maximum, Double(logits[v])) }
        var weights = [Double](repeating: 0, count: vocabulary)
        for v in 0..<vocabulary { weights[v] = exp((Double(logits[v]) - maximum) / s.temperature) }
        let filtering = s.topK > 0 || s.topP < 1 || s.minP > 0
        var candidates: [Int]
        if filtering {
            candidates = Array(0..<vocabulary).sorted { (weights[$0], -$0) > (weights[$1], -$1) }
            if s.topK > 0 && s.topK < candidates.count { candidates.removeSubrange(s.topK...) }
            if s.topP < 1 {
                let total = candidates.reduce(0.0) { $0 + weights[$1] }
                var cumulative = 0.0, keep = candidates.count
                for (i, v) in candidates.enumerated() {
                    cumulative += weights[v] / total
                    if cumulative >= s.topP { keep = i + 1; break }
                }
                candidates.removeSubrange(keep...)
            }
            if s.minP > 0, let top = candidates.first {
                let floor = s.minP * weights[top]
                candidates.removeAll { weights[$0] < floor }
            }
        } else {
            candidates = Array(0..<vocabulary)
        }
        let total = candidates.reduce(0.0) { $0 + weights[$1] }
        let target = uniform * total
        var cumulative = 0.0
        var chosen = candidates[candidates.count - 1]
        for v in candidates {
            cumulative += weights[v]
            if cumulative > target { chosen = v; break }
        }
        return (Int32(chosen), log(weights[chosen] / total))
    }
}
