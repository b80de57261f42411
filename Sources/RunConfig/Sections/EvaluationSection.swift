/// Benchmarks a run measures with `rlvr eval`'s tasks: in an RL run at step 0, every
/// `output.eval_every` steps and at the end (logged as `eval/<task>/<metric>`); in a pipeline as an
/// `evaluate:` stage.
public struct EvaluationSection: RunConfigSection, Equatable {
    /// Task names (see `rlvr eval --help`); empty: none.
    public var tasks: [String]
    /// Only the first N documents of each task (null: all).
    public var limit: Int?
    /// Prompt and metric conventions: lm-eval or lighteval.
    public var format: String
    /// Prompts rendered with the chat template.
    public var chat: Bool
    /// Few-shot examples (null: each task's default).
    public var shots: Int?
    /// Cap on generated tokens (null: each task's own).
    public var maxNewTokens: Int?
    /// The folder of benchmark files.
    public var data: String

    enum CodingKeys: String, CodingKey {
        case tasks, limit, format, chat, shots, data
        case maxNewTokens = "max_new_tokens"
    }

    public init() {
        tasks = []
        limit = nil
        format = "lm-eval"
        chat = true
        shots = nil
        maxNewTokens = nil
        data = "data/eval"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = Self()
        tasks = try c.value(.tasks, or: d.tasks)
        limit = try c.decodeIfPresent(Int.self, forKey: .limit)
        format = try c.value(.format, or: d.format)
        chat = try c.value(.chat, or: d.chat)
        shots = try c.decodeIfPresent(Int.self, forKey: .shots)
        maxNewTokens = try c.decodeIfPresent(Int.self, forKey: .maxNewTokens)
        data = try c.value(.data, or: d.data)
    }

    public func problems() -> [ConfigProblem] {
        var found: [ConfigProblem] = []
        if let limit, limit < 1 { found.append(ConfigProblem("limit", "expected at least 1 document, got \(limit)")) }
        if !["lm-eval", "lighteval"].contains(format) { found.append(ConfigProblem("format", "expected lm-eval or lighteval, got \"\(format)\"")) }
        if let shots, shots < 0 { found.append(ConfigProblem("shots", "expected a non-negative count, got \(shots)")) }
        if let maxNewTokens, maxNewTokens < 1 { found.append(ConfigProblem("max_new_tokens", "expected at least 1, got \(maxNewTokens)")) }
        if data.isEmpty { found.append(ConfigProblem("data", "expected a folder path")) }
        return found
    }
}
