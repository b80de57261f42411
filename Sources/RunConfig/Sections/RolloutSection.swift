/// How RLVR samples responses each step (Tulu 3: temperature 1, top-p 1, stop on EOS).
public struct RolloutSection: RunConfigSection, Equatable {
    /// Prompts sampled per RL step.
    public var promptsPerStep: Int
    /// Responses per prompt (GRPO's group size G; PPO usually 1). They share the prompt's KV cache.
    public var samplesPerPrompt: Int
    /// Longest response in tokens; a response that reaches it without EOS did not stop.
    public var maxResponseLength: Int
    /// Prompts longer than this are dropped (and counted).
    public var maxPromptLength: Int
    public var temperature: Double
    public var topP: Double
    /// Write prompts, responses and verdicts of the step to samples.jsonl every N steps (0: never).
    public var sampleEvery: Int
    /// Refuse to start when the planned peak memory exceeds this many GiB (null: no limit).
    public var memoryLimitGiB: Double?
    /// Samples decoding at once (null: every sample of the step); when one ends, the next waiting
    /// sample takes its slot. The tokens are the same for every value.
    public var decodeBatch: Int?
    /// DAPO's dynamic sampling: keep drawing prompts until the step has `prompts_per_step` groups
    /// whose scores differ (GRPO-style groups with nothing to teach are not trained on).
    public var dynamicSampling: Bool
    /// With dynamic sampling: at most this many times `prompts_per_step` prompts drawn per step; when
    /// reached, the step is topped up with groups whose scores are equal (logged).
    public var dynamicSamplingMaxDraws: Int
    /// Curriculum: skip a prompt whose last K visits were each solved by every sample or failed by
    /// every sample (0: never skip).
    public var skipSettledAfter: Int

    enum CodingKeys: String, CodingKey {
        case promptsPerStep = "prompts_per_step"
        case samplesPerPrompt = "samples_per_prompt"
        case maxResponseLength = "max_response_length"
        case maxPromptLength = "max_prompt_length"
        case temperature
        case topP = "top_p"
        case sampleEvery = "sample_every"
        case memoryLimitGiB = "memory_limit_gib"
        case decodeBatch = "decode_batch"
        case dynamicSampling = "dynamic_sampling"
        case dynamicSamplingMaxDraws = "dynamic_sampling_max_draws"
        case skipSettledAfter = "skip_settled_after"
    }

    public init() {
        promptsPerStep = 8
        samplesPerPrompt = 4
        maxResponseLength = 256
        maxPromptLength = 2048
        temperature = 1
        topP = 1
        sampleEvery = 10
        memoryLimitGiB = nil
        decodeBatch = nil
        dynamicSampling = false
        dynamicSamplingMaxDraws = 4
        skipSettledAfter = 0
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = Self()
        promptsPerStep = try c.value(.promptsPerStep, or: d.promptsPerStep)
        samplesPerPrompt = try c.value(.samplesPerPrompt, or: d.samplesPerPrompt)
        maxResponseLength = try c.value(.maxResponseLength, or: d.maxResponseLength)
        maxPromptLength = try c.value(.maxPromptLength, or: d.maxPromptLength)
        temperature = try c.value(.temperature, or: d.temperature)
        topP = try c.value(.topP, or: d.topP)
        sampleEvery = try c.value(.sampleEvery, or: d.sampleEvery)
        memoryLimitGiB = try c.decodeIfPresent(Double.self, forKey: .memoryLimitGiB)
        decodeBatch = try c.decodeIfPresent(Int.self, forKey: .decodeBatch)
        dynamicSampling = try c.value(.dynamicSampling, or: d.dynamicSampling)
        dynamicSamplingMaxDraws = try c.value(.dynamicSamplingMaxDraws, or: d.dynamicSamplingMaxDraws)
        skipSettledAfter = try c.value(.skipSettledAfter, or: d.skipSettledAfter)
    }

    public func problems() -> [ConfigProblem] {
        var found: [ConfigProblem] = []
        for (key, value) in [(CodingKeys.promptsPerStep, promptsPerStep), (.samplesPerPrompt, samplesPerPrompt),
                             (.maxResponseLength, maxResponseLength), (.maxPromptLength, maxPromptLength)] where value < 1 {
            found.append(ConfigProblem(key.rawValue, "expected at least 1, got \(value)"))
        }
        if !(temperature > 0 && temperature.isFinite) { found.append(ConfigProblem("temperature", "expected a positive temperature, got \(temperature)")) }
        if !(topP > 0 && topP <= 1) { found.append(ConfigProblem("top_p", "expected a value in (0, 1], got \(topP)")) }
        if sampleEvery < 0 { found.append(ConfigProblem("sample_every", "expected a step count (0: never), got \(sampleEvery)")) }
        if let memoryLimitGiB, !(memoryLimitGiB > 0) { found.append(ConfigProblem("memory_limit_gib", "expected a positive size (or null), got \(memoryLimitGiB)")) }
        if let decodeBatch, decodeBatch < 1 { found.append(ConfigProblem("decode_batch", "expected at least 1 (or null: every sample of the step), got \(decodeBatch)")) }
        if dynamicSamplingMaxDraws < 1 { found.append(ConfigProblem("dynamic_sampling_max_draws", "expected at least 1 (times prompts_per_step), got \(dynamicSamplingMaxDraws)")) }
        if skipSettledAfter < 0 { found.append(ConfigProblem("skip_settled_after", "expected a number of visits (0: never skip), got \(skipSettledAfter)")) }
        return found
    }
}
