import Foundation

/// Bradley–Terry reward-model loss (Ouyang et al. 2022; open-instruct `reward_modeling.py`):
///
///     L = −log σ(r_c − r_r),   dL/dr_c = −σ(r_r − r_c),   dL/dr_r = σ(r_r − r_c)
///
/// with r the scalar head's output on the last real token of each sequence.
public enum RewardModelLoss {
    public static func evaluate(chosen: Double, rejected: Double) -> (loss: Double, dChosen: Double, dRejected: Double, correct: Bool) {
        let d = chosen - rejected
        let loss = -PreferenceLoss.logSigmoid(d)
        let s = PreferenceLoss.sigmoid(-d)
        return (loss, -s, s, chosen > rejected)
    }
}
