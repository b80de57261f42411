/// Supervised fine-tuning: negative log-likelihood of the trained (assistant) tokens.
///
///     L_sum  = −Σ_{t trained} log p(y_t | y_<t)         (Tulu 3 / open-instruct: reduction "sum")
///     L_mean = L_sum / (number of trained tokens)        (TRL's default)
///
/// The gradient with respect to each trained token's log-probability is −1 (sum) or −1/n (mean), 0
/// elsewhere; the model's backward turns it into parameter gradients.
public enum SFTLoss {
    public enum Reduction: String, Sendable { case mean, sum }

    /// `logProbs[i]` is the log-probability of row i's target; `trained[i]` says whether it counts.
    public static func loss(logProbs: [Float], trained: [Bool], reduction: Reduction) -> (loss: Double, dLogProb: [Float], tokens: Int) {
        let count = trained.filter { $0 }.count
        guard count > 0 else { return (0, [Float](repeating: 0, count: logProbs.count), 0) }
        var total = 0.0
        for (logProb, isTrained) in zip(logProbs, trained) where isTrained { total -= Double(logProb) }
        let weight: Float = reduction == .sum ? -1 : -1 / Float(count)
        let gradient = trained.map { $0 ? weight : 0 }
        return (reduction == .sum ? total : total / Double(count), gradient, count)
    }
}
