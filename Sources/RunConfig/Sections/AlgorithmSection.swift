/// The RL algorithm: advantage estimator, KL penalty, clipping, PPO epochs, value model, and the
/// DAPO switches. Defaults are Tulu 3's PPO-RLVR; docs/algorithms.md maps every setting to
/// the anchor whose convention it reproduces.
public struct AlgorithmSection: RunConfigSection, Equatable {
    public var advantage: Advantage
    /// β of the KL penalty against the frozen reference (Tulu 3 PPO 0.05; Tulu 3.1 GRPO 0.01).
    public var klCoef: Double
    public var klEstimator: Estimator
    /// Where the KL penalty goes: per-token rewards (PPO, RLOO, REINFORCE++) or the loss (GRPO).
    /// Null: that estimator's anchor convention (loss for grpo, reward otherwise).
    public var klIn: KLPlacement?
    public var gamma: Double
    public var lambda: Double
    /// Whiten advantages over the batch's tokens (GAE and REINFORCE++-baseline).
    public var whitenAdvantages: Bool
    /// PPO clip range [1 − clip_low, 1 + clip_high] (DAPO's clip-higher: clip_high > clip_low).
    public var clipLow: Double
    public var clipHigh: Double
    /// Passes over each rollout batch (Tulu 3: 4) and optimizer steps per pass.
    public var ppoEpochs: Int
    public var minibatches: Int
    /// GRPO's standard deviation convention and ε in (r − mean)/(std + ε).
    public var groupStd: GroupStd
    public var groupEpsilon: Double
    /// The policy objective: PPO's clipped surrogate, Dr. GRPO's (the same, with a constant
    /// normaliser and no standard deviation), GSPO's sequence-level ratio and clip, or CISPO's
    /// clipped, stopped importance weights with the gradient through every token.
    public var loss: PolicyLoss
    /// `token`: mean over all response tokens of the minibatch (DAPO, open-instruct);
    /// `sequence`: mean over each response's tokens, then over responses (original GRPO, GSPO);
    /// `constant`: sum over tokens divided by responses × `rollout.max_response_length` (Dr. GRPO).
    /// Null: the loss's own (token for ppo and cispo, sequence for gspo, constant for dr_grpo).
    public var lossAggregation: Aggregation?
    /// DAPO dynamic sampling: leave out groups whose rewards are all equal (zero advantage).
    public var dropZeroVarianceGroups: Bool
    /// Score of a response that did not end with EOS (Tulu 3: −10, replacing the score); null: none.
    public var nonStopPenalty: Double?
    public var nonStopMode: NonStopMode
    /// DAPO's soft overlong punishment: over the last `overlong_buffer` tokens before the limit the
    /// penalty grows linearly to `overlong_penalty` (null: off).
    public var overlongBuffer: Int?
    public var overlongPenalty: Double
    /// The value model for GAE: a reward-model folder (`LlamaForSequenceClassification`) or null for
    /// the policy's weights with a fresh head.
    public var valueModel: String?
    /// The value model's learning rate (null: `optimizer.lr`).
    public var valueLr: Double?
    public var valueClip: Double
    public var valueCoef: Double
    /// GAE: add the score one position after the EOS token, as open-instruct's PPO does (a quirk
    /// inherited from TRL's PPOv2; the value model then also predicts that position). False: at the EOS.
    public var scoreOneTokenLater: Bool

    public enum Advantage: String, ConfigChoice {
        case gae, grpo, rloo
        case reinforcePPBaseline = "reinforce_pp_baseline"
    }
    public enum Estimator: String, ConfigChoice { case k1, k2, k3 }
    public enum KLPlacement: String, ConfigChoice { case reward, loss }
    public enum GroupStd: String, ConfigChoice { case unbiased, biased, none }
    public enum Aggregation: String, ConfigChoice { case token, sequence, constant }
    public enum PolicyLoss: String, ConfigChoice {
        case ppo
        case drGRPO = "dr_grpo"
        case gspo, cispo
    }
    public enum NonStopMode: String, ConfigChoice { case replace, subtract }

    enum CodingKeys: String, CodingKey {
        case advantage
        case klCoef = "kl_coef"
        case klEstimator = "kl_estimator"
        case klIn = "kl_in"
        case gamma, lambda
        case whitenAdvantages = "whiten_advantages"
        case clipLow = "clip_low"
        case clipHigh = "clip_high"
        case ppoEpochs = "ppo_epochs"
        case minibatches
        case groupStd = "group_std"
        case groupEpsilon = "group_epsilon"
        case loss
        case lossAggregation = "loss_aggregation"
        case dropZeroVarianceGroups = "drop_zero_variance_groups"
        case nonStopPenalty = "non_stop_penalty"
        case nonStopMode = "non_stop_mode"
        case overlongBuffer = "overlong_buffer"
        case overlongPenalty = "overlong_penalty"
        case valueModel = "value_model"
        case valueLr = "value_lr"
        case valueClip = "value_clip"
        case valueCoef = "value_coef"
        case scoreOneTokenLater = "score_one_token_later"
    }

    public init() {
        advantage = .gae
        klCoef = 0.05
        klEstimator = .k1
        klIn = nil
        gamma = 1
        lambda = 0.95
        whitenAdvantages = true
        clipLow = 0.2
        clipHigh = 0.2
        ppoEpochs = 1
        minibatches = 1
        groupStd = .unbiased
        groupEpsilon = 1e-8
        loss = .ppo
        lossAggregation = nil
        dropZeroVarianceGroups = false
        nonStopPenalty = nil
        nonStopMode = .replace
        overlongBuffer = nil
        overlongPenalty = 1
        valueModel = nil
        valueLr = nil
        valueClip = 0.2
        valueCoef = 0.1
        scoreOneTokenLater = false
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = Self()
        advantage = try c.value(.advantage, or: d.advantage)
        klCoef = try c.value(.klCoef, or: d.klCoef)
        klEstimator = try c.value(.klEstimator, or: d.klEstimator)
        klIn = try c.decodeIfPresent(KLPlacement.self, forKey: .klIn)
        gamma = try c.value(.gamma, or: d.gamma)
        lambda = try c.value(.lambda, or: d.lambda)
        whitenAdvantages = try c.value(.whitenAdvantages, or: d.whitenAdvantages)
        clipLow = try c.value(.clipLow, or: d.clipLow)
        clipHigh = try c.value(.clipHigh, or: d.clipHigh)
        ppoEpochs = try c.value(.ppoEpochs, or: d.ppoEpochs)
        minibatches = try c.value(.minibatches, or: d.minibatches)
        groupStd = try c.value(.groupStd, or: d.groupStd)
        groupEpsilon = try c.value(.groupEpsilon, or: d.groupEpsilon)
        loss = try c.value(.loss, or: d.loss)
        lossAggregation = try c.decodeIfPresent(Aggregation.self, forKey: .lossAggregation)
        dropZeroVarianceGroups = try c.value(.dropZeroVarianceGroups, or: d.dropZeroVarianceGroups)
        nonStopPenalty = try c.decodeIfPresent(Double.self, forKey: .nonStopPenalty)
        nonStopMode = try c.value(.nonStopMode, or: d.nonStopMode)
        overlongBuffer = try c.decodeIfPresent(Int.self, forKey: .overlongBuffer)
        overlongPenalty = try c.value(.overlongPenalty, or: d.overlongPenalty)
        valueModel = try c.decodeIfPresent(String.self, forKey: .valueModel)
        valueLr = try c.decodeIfPresent(Double.self, forKey: .valueLr)
        valueClip = try c.value(.valueClip, or: d.valueClip)
        valueCoef = try c.value(.valueCoef, or: d.valueCoef)
        scoreOneTokenLater = try c.value(.scoreOneTokenLater, or: d.scoreOneTokenLater)
    }

    /// How per-token losses are summed once the default is resolved.
    public var resolvedAggregation: Aggregation {
        if let lossAggregation { return lossAggregation }
        switch loss {
        case .ppo, .cispo: return .token
        case .gspo: return .sequence
        case .drGRPO: return .constant
        }
    }

    /// Where the KL penalty goes once the default is resolved.
    public var resolvedKLPlacement: KLPlacement { klIn ?? (advantage == .grpo ? .loss : .reward) }

    public func problems() -> [ConfigProblem] {
        var found: [ConfigProblem] = []
        if !(klCoef >= 0 && klCoef.isFinite) { found.append(ConfigProblem("kl_coef", "expected a non-negative number, got \(klCoef)")) }
        for (key, value) in [(CodingKeys.gamma, gamma), (.lambda, lambda)] where !(0.0...1.0).contains(value) {
            found.append(ConfigProblem(key.rawValue, "expected a value in [0, 1], got \(value)"))
        }
        for (key, value) in [(CodingKeys.clipLow, clipLow), (.clipHigh, clipHigh), (.valueClip, valueClip)] where !(value > 0 && value.isFinite) {
            found.append(ConfigProblem(key.rawValue, "expected a positive number, got \(value)"))
        }
        if clipLow >= 1 && !(loss == .cispo && clipLow == 1) {
            found.append(ConfigProblem("clip_low", "expected less than 1 (the ratio's lower bound is 1 − clip_low; 1 only with loss: cispo, whose weights may fall to 0), got \(clipLow)"))
        }
        for (key, value) in [(CodingKeys.ppoEpochs, ppoEpochs), (.minibatches, minibatches)] where value < 1 {
            found.append(ConfigProblem(key.rawValue, "expected at least 1, got \(value)"))
        }
        if !(groupEpsilon >= 0) { found.append(ConfigProblem("group_epsilon", "expected a non-negative number, got \(groupEpsilon)")) }
        if let nonStopPenalty, !nonStopPenalty.isFinite { found.append(ConfigProblem("non_stop_penalty", "expected a number (or null), got \(nonStopPenalty)")) }
        if let overlongBuffer, overlongBuffer < 1 { found.append(ConfigProblem("overlong_buffer", "expected at least 1 token (or null), got \(overlongBuffer)")) }
        if !(overlongPenalty >= 0) { found.append(ConfigProblem("overlong_penalty", "expected a non-negative number, got \(overlongPenalty)")) }
        if let valueLr, !(valueLr > 0) { found.append(ConfigProblem("value_lr", "expected a positive learning rate (or null), got \(valueLr)")) }
        if !(valueCoef >= 0) { found.append(ConfigProblem("value_coef", "expected a non-negative number, got \(valueCoef)")) }
        if let valueModel, valueModel.isEmpty { found.append(ConfigProblem("value_model", "expected a model folder (or null)")) }
        if loss == .drGRPO && advantage == .grpo && groupStd != .none {
            found.append(ConfigProblem("group_std", "Dr. GRPO divides by no standard deviation: set group_std: none with loss: dr_grpo"))
        }
        if loss == .drGRPO, let lossAggregation, lossAggregation != .constant {
            found.append(ConfigProblem("loss_aggregation", "Dr. GRPO's normaliser is a constant: leave loss_aggregation unset (or constant) with loss: dr_grpo"))
        }
        if loss == .gspo, let lossAggregation, lossAggregation != .sequence {
            found.append(ConfigProblem("loss_aggregation", "GSPO averages each response's sequence-level term: leave loss_aggregation unset (or sequence) with loss: gspo"))
        }
        return found
    }
}
