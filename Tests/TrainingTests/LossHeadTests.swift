import Foundation
import Testing
import Training

@Suite struct LossHeadTests {
    /// Central difference of f at x.
    func derivative(_ f: (Double) -> Double, at x: Double, h: Double = 1e-5) -> Double {
        (f(x + h) - f(x - h)) / (2 * h)
    }

    @Test func sftSumAndMean() {
        // log-probs −1, −2, −3, −4; trained 2nd and 4th: sum = 2 + 4 = 6, mean = 6 / 2 = 3.
        let logProbs: [Float] = [-1, -2, -3, -4], trained = [false, true, false, true]
        let sum = SFTLoss.loss(logProbs: logProbs, trained: trained, reduction: .sum)
        #expect(sum.loss == 6 && sum.dLogProb == [0, -1, 0, -1] && sum.tokens == 2)
        let mean = SFTLoss.loss(logProbs: logProbs, trained: trained, reduction: .mean)
        #expect(mean.loss == 3 && mean.dLogProb == [0, -0.5, 0, -0.5])
        #expect(SFTLoss.loss(logProbs: logProbs, trained: [false, false, false, false], reduction: .mean).tokens == 0)
    }

    @Test func dpoWithBeta5() {
        // π_c = −10, ρ_c = −11, π_r = −12, ρ_r = −11, β = 5:
        // z = 5·[(−10 + 11) − (−12 + 11)] = 5·(1 + 1) = 10; L = −log σ(10) = log(1 + e^−10) = 4.5398899e-5
        let r = PreferenceLoss.evaluate(.dpo, beta: 5, policyChosen: .init(logProb: -10, length: 4), policyRejected: .init(logProb: -12, length: 6),
                                        referenceChosen: .init(logProb: -11, length: 4), referenceRejected: .init(logProb: -11, length: 6))
        #expect(abs(r.loss - log1p(exp(-10))) < 1e-15)
        #expect(abs(r.loss - 4.5398899e-5) < 1e-11)
        // rewards: 5·1 = 5 and 5·(−1) = −5; margin 10; correct
        #expect(r.chosenReward == 5 && r.rejectedReward == -5 && r.margin == 10 && r.correct)
        // dL/dπ_c = −β·σ(−z) = −5·σ(−10) = −2.2699e-4
        #expect(abs(r.dChosenTokenLogProb + 5 / (1 + exp(10))) < 1e-15)
        #expect(r.dRejectedTokenLogProb == -r.dChosenTokenLogProb)
    }

    @Test func dpoNormAveragesOverTokens() {
        // π_c = −8 over 4 tokens (−2/token), ρ_c = −12 over 4 (−3); π_r = −9 over 3 (−3), ρ_r = −6 over 3 (−2):
        // z = 5·[(−2 + 3) − (−3 + 2)] = 5·2 = 10 → the same loss as above; each chosen token's gradient
        // is dL/dz·β/4.
        let r = PreferenceLoss.evaluate(.dpoNorm, beta: 5, policyChosen: .init(logProb: -8, length: 4), policyRejected: .init(logProb: -9, length: 3),
                                        referenceChosen: .init(logProb: -12, length: 4), referenceRejected: .init(logProb: -6, length: 3))
        #expect(abs(r.loss - log1p(exp(-10))) < 1e-15)
        #expect(abs(r.dChosenTokenLogProb - (-5 / (1 + exp(10))) / 4) < 1e-15)
        #expect(abs(r.dRejectedTokenLogProb - (5 / (1 + exp(10))) / 3) < 1e-15)
    }

    @Test func simpoAndLabelSmoothing() {
        // SimPO: z = β(π_c/|c| − π_r/|r|) − γ = 2·(−4/2 + 9/3) − 0.5 = 2·1 − 0.5 = 1.5; L = log(1 + e^−1.5) = 0.20141327
        let r = PreferenceLoss.evaluate(.simpo, beta: 2, gamma: 0.5, policyChosen: .init(logProb: -4, length: 2), policyRejected: .init(logProb: -9, length: 3),
                                        referenceChosen: nil, referenceRejected: nil)
        #expect(abs(r.loss - 0.20141327) < 1e-8)
        // ε = 0.1 with z = 1.5: L = −0.9·log σ(1.5) − 0.1·log σ(−1.5) = 0.9·0.20141327 + 0.1·1.70141327 = 0.35141327
        let smoothed = PreferenceLoss.evaluate(.simpo, beta: 2, labelSmoothing: 0.1, gamma: 0.5, policyChosen: .init(logProb: -4, length: 2),
                                               policyRejected: .init(logProb: -9, length: 3), referenceChosen: nil, referenceRejected: nil)
        #expect(abs(smoothed.loss - 0.35141327) < 1e-8)
    }

    @Test func gradientsAgainstFiniteDifferences() {
        for kind in PreferenceLoss.Kind.allCases {
            for smoothing in [0.0, 0.2] {
                let loss = { (c: Double, r: Double) in
                    PreferenceLoss.evaluate(kind, beta: 5, labelSmoothing: smoothing, gamma: 0.3, policyChosen: .init(logProb: c, length: 7),
                                            policyRejected: .init(logProb: r, length: 5), referenceChosen: .init(logProb: -20, length: 7),
                                            referenceRejected: .init(logProb: -15, length: 5))
                }
                let at = loss(-21, -14)
                // Every token's log-prob enters π with weight 1, so dL/d(token log-prob) = dL/dπ.
                let dc = derivative({ loss($0, -14).loss }, at: -21), dr = derivative({ loss(-21, $0).loss }, at: -14)
                #expect(abs(dc - at.dChosenTokenLogProb) < 1e-8, "\(kind) ε \(smoothing): chosen")
                #expect(abs(dr - at.dRejectedTokenLogProb) < 1e-8, "\(kind) ε \(smoothing): rejected")
            }
        }
    }

    @Test func bradleyTerry() {
        // r_c = 2, r_r = 0.5: L = −log σ(1.5) = 0.20141327; dL/dr_c = −σ(−1.5) = −0.18242552
        let r = RewardModelLoss.evaluate(chosen: 2, rejected: 0.5)
        #expect(abs(r.loss - 0.20141327) < 1e-8 && abs(r.dChosen + 0.18242552) < 1e-8 && r.dRejected == -r.dChosen && r.correct)
        let dc = derivative({ RewardModelLoss.evaluate(chosen: $0, rejected: 0.5).loss }, at: 2)
        #expect(abs(dc - r.dChosen) < 1e-9)
    }
}
