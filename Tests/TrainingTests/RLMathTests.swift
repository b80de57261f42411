import Foundation
import Testing
import Training

private func close(_ a: Double, _ b: Double, _ tolerance: Double = 1e-9) -> Bool { abs(a - b) <= tolerance }

@Suite struct RLMathTests {
    /// rewards [0, 0, 1], values [0.5, 0.6, 0.7], γ 1, λ 0.95:
    ///   t=2: δ = 1 + 0 − 0.7 = 0.3,          A = 0.3
    ///   t=1: δ = 0 + 0.7 − 0.6 = 0.1,        A = 0.1 + 0.95·0.3 = 0.385
    ///   t=0: δ = 0 + 0.6 − 0.5 = 0.1,        A = 0.1 + 0.95·0.385 = 0.46575
    ///   returns = A + V = [0.96575, 0.985, 1.0]
    @Test func gae() {
        let (a, r) = Advantages.gae(rewards: [0, 0, 1], values: [0.5, 0.6, 0.7], gamma: 1, lambda: 0.95)
        #expect(zip(a, [0.46575, 0.385, 0.3]).allSatisfy { close($0, $1) }, "\(a)")
        #expect(zip(r, [0.96575, 0.985, 1.0]).allSatisfy { close($0, $1) }, "\(r)")
        // γ 0.5, λ 1, no values: A_t = Σ_s γ^(s−t) r_s → [0.25, 0.5, 1]
        #expect(Advantages.gae(rewards: [0, 0, 1], values: [0, 0, 0], gamma: 0.5, lambda: 1).advantages == [0.25, 0.5, 1])
    }

    /// [[1, 2], [3]]: mean 2, unbiased variance (1 + 0 + 1)/2 = 1 → [[−1, 0], [1]] (÷√(1 + 1e-8)).
    @Test func whitening() {
        let w = Advantages.whiten([[1, 2], [3]])
        #expect(close(w[0][0], -1, 1e-8) && close(w[0][1], 0) && close(w[1][0], 1, 1e-8))
    }

    /// Rewards [1, 0, 0, 1]: mean 0.5, Σ(r − mean)² = 1.
    ///   unbiased std √(1/3) = 0.57735 → ±0.5/0.57735 = ±0.866025;  biased std 0.5 → ±1;  none → ±0.5
    ///   RLOO: 1 − (2 − 1)/3 = 0.6667, 0 − 2/3 = −0.6667
    @Test func groupEstimators() {
        let unbiased = Advantages.groupNormalised([1, 0, 0, 1], std: .unbiased, epsilon: 0)
        #expect(close(unbiased[0], 0.8660254037844386) && close(unbiased[1], -0.8660254037844386))
        #expect(Advantages.groupNormalised([1, 0, 0, 1], std: .biased, epsilon: 0) == [1, -1, -1, 1])
        #expect(Advantages.groupNormalised([1, 0, 0, 1], std: .none, epsilon: 0) == [0.5, -0.5, -0.5, 0.5])
        // a zero-variance group gets zero advantages (not NaN); a group of one too
        #expect(Advantages.groupNormalised([1, 1, 1], std: .unbiased, epsilon: 1e-8) == [0, 0, 0])
        #expect(Advantages.groupNormalised([5], std: .unbiased, epsilon: 1e-8) == [0])
        let rloo = Advantages.leaveOneOut([1, 0, 0, 1])
        #expect(close(rloo[0], 2.0 / 3) && close(rloo[1], -2.0 / 3))
        #expect(Advantages.groupCentred([3, 1]) == [1, -1])
    }

    /// ε 0.2 both ways:
    ///   A 2, ρ 1.5: −3 (unclipped) vs −2.4 (clipped) → −2.4, clipped, gradient 0
    ///   A −2, ρ 1.5: 3 vs 2.4 → 3, gradient −A·ρ = 3
    ///   A 2, ρ 0.5: −1 vs −1.6 → −1, gradient −A·ρ = −1
    ///   asymmetric (0.2, 0.28), A 2, ρ 1.25: −2.5 vs −2.5 → tie, unclipped, gradient −2.5
    @Test func clippedPolicyLoss() {
        let a = ClippedPolicyLoss.token(logProb: log(1.5), oldLogProb: 0, advantage: 2, clipLow: 0.2, clipHigh: 0.2)
        #expect(close(a.loss, -2.4) && a.dLogProb == 0 && a.clipped)
        let b = ClippedPolicyLoss.token(logProb: log(1.5), oldLogProb: 0, advantage: -2, clipLow: 0.2, clipHigh: 0.2)
        #expect(close(b.loss, 3) && close(b.dLogProb, 3) && !b.clipped)
        let c = ClippedPolicyLoss.token(logProb: log(0.5), oldLogProb: 0, advantage: 2, clipLow: 0.2, clipHigh: 0.2)
        #expect(close(c.loss, -1) && close(c.dLogProb, -1))
        let d = ClippedPolicyLoss.token(logProb: log(1.25), oldLogProb: 0, advantage: 2, clipLow: 0.2, clipHigh: 0.28)
        #expect(close(d.loss, -2.5) && close(d.dLogProb, -2.5) && !d.clipped)
        // ratio 1 (the first minibatch): the loss is −A and the gradient −A
        let e = ClippedPolicyLoss.token(logProb: -1.7, oldLogProb: -1.7, advantage: 0.3, clipLow: 0.2, clipHigh: 0.2)
        #expect(e.ratio == 1 && e.loss == -0.3 && e.dLogProb == -0.3)
    }

    /// GSPO, one response of two tokens, ε 0.2:
    ///   log-ratios +0.1, −0.1 → s = 1: loss −A, every token's gradient −A·s/2
    ///   log-ratios 0.5, 0.5 → s = e^0.5 ≈ 1.6487: A 1 → −1.6487 vs −1.2, clipped, gradient 0;
    ///   A −1 → 1.6487 vs 1.2, unclipped, gradient +s/2
    @Test func sequencePolicyLoss() {
        let a = SequencePolicyLoss.sequence(logProbs: [-1, -2], oldLogProbs: [-1.1, -1.9], advantage: 2, clipLow: 0.2, clipHigh: 0.2)
        #expect(close(a.ratio, 1) && close(a.loss, -2) && close(a.dLogProb, -1) && !a.clipped)
        let b = SequencePolicyLoss.sequence(logProbs: [-1, -1], oldLogProbs: [-1.5, -1.5], advantage: 1, clipLow: 0.2, clipHigh: 0.2)
        #expect(close(b.ratio, exp(0.5)) && close(b.loss, -1.2) && b.dLogProb == 0 && b.clipped)
        let c = SequencePolicyLoss.sequence(logProbs: [-1, -1], oldLogProbs: [-1.5, -1.5], advantage: -1, clipLow: 0.2, clipHigh: 0.2)
        #expect(close(c.loss, exp(0.5)) && close(c.dLogProb, exp(0.5) / 2) && !c.clipped)
        // the gradient against central differences of the loss in each token's log-prob
        let logProbs = [-0.7, -1.3, -2.1], old = [-0.75, -1.2, -2.0]
        for advantage in [0.8, -0.6] {
            let at = SequencePolicyLoss.sequence(logProbs: logProbs, oldLogProbs: old, advantage: advantage, clipLow: 0.2, clipHigh: 0.2)
            for t in logProbs.indices {
                var up = logProbs, down = logProbs
                up[t] += 1e-6
                down[t] -= 1e-6
                let numeric = (SequencePolicyLoss.sequence(logProbs: up, oldLogProbs: old, advantage: advantage, clipLow: 0.2, clipHigh: 0.2).loss
                    - SequencePolicyLoss.sequence(logProbs: down, oldLogProbs: old, advantage: advantage, clipLow: 0.2, clipHigh: 0.2).loss) / 2e-6
                #expect(close(numeric, at.dLogProb, 1e-6), "A \(advantage), token \(t): \(numeric) vs \(at.dLogProb)")
            }
        }
    }

    /// CISPO, ε_low 1 (no lower bound), ε_high 0.28: the gradient is −clip(ρ)·A and never zero.
    ///   ρ 1.5, A 2 → weight 1.28, gradient −2.56 (PPO's would be 0); ρ 0.5, A −1 → weight 0.5, gradient 0.5;
    ///   ρ 1 → gradient −A, loss −A
    @Test func clippedWeightLoss() {
        let a = ClippedWeightLoss.token(logProb: log(1.5), oldLogProb: 0, advantage: 2, clipLow: 1, clipHigh: 0.28)
        #expect(close(a.dLogProb, -2.56) && a.clipped && close(a.loss, -2.56 * 1.5))
        let b = ClippedWeightLoss.token(logProb: log(0.5), oldLogProb: 0, advantage: -1, clipLow: 1, clipHigh: 0.28)
        #expect(close(b.dLogProb, 0.5) && !b.clipped)
        let c = ClippedWeightLoss.token(logProb: -0.4, oldLogProb: -0.4, advantage: 0.3, clipLow: 0.2, clipHigh: 0.2)
        #expect(c.ratio == 1 && c.dLogProb == -0.3 && c.loss == -0.3)
    }

    /// c 0.2, old value 0, target 2:
    ///   v 1: v_c 0.2, (1 − 2)² = 1 vs (0.2 − 2)² = 3.24 → ½·3.24 = 1.62, v outside the range → gradient 0
    ///   v 0.1: v_c = v → tie → ½·1.9² = 1.805, gradient v − R = −1.9
    @Test func clippedValueLoss() {
        let a = ClippedValueLoss.token(value: 1, oldValue: 0, target: 2, clip: 0.2)
        #expect(close(a.loss, 1.62) && a.dValue == 0 && a.clipped)
        let b = ClippedValueLoss.token(value: 0.1, oldValue: 0, target: 2, clip: 0.2)
        #expect(close(b.loss, 1.805) && close(b.dValue, -1.9) && !b.clipped)
    }

    /// d 0.5: k1 0.5, k2 0.125, k3 e^−0.5 − 1 + 0.5 = 0.1065307; derivatives against central differences.
    @Test func klEstimators() {
        #expect(KLEstimator.k1.value(0.5) == 0.5 && KLEstimator.k2.value(0.5) == 0.125)
        #expect(close(KLEstimator.k3.value(0.5), 0.10653065971263342))
        for estimator in KLEstimator.allCases {
            #expect(estimator.value(0) == 0)
            for d in [-1.3, -0.2, 0.4, 2.0] {
                let h = 1e-6
                let numeric = (estimator.value(d + h) - estimator.value(d - h)) / (2 * h)
                #expect(close(numeric, estimator.derivative(d), 1e-6), "\(estimator) at \(d)")
            }
        }
        #expect(KLEstimator.k3.value(-2) > 0 && KLEstimator.k1.value(-2) < 0)
    }
}
