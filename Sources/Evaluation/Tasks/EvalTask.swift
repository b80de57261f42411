import JSON

/// What a task asks of the model for one document.
public enum ItemRequest: Sendable, Equatable {
    /// Log-likelihood multiple choice: the choice strings as the task states them (without the
    /// delimiter that separates them from the context) and the index of the right one.
    case choices([String], gold: Int)
    /// Free generation until a stop string, the end-of-sequence token or `maxNewTokens`.
    case generation(stop: [String], maxNewTokens: Int)
}

/// One document of a task, ready to render.
public struct EvalItem: Sendable {
    /// The document's 0-based position in the task's data file (lm-eval's `doc_id`).
    public var index: Int
    public var prompt: TaskPrompt
    public var request: ItemRequest
    /// What a generated response is scored against (an answer, IFEval's instruction list), shown in samples.
    public var reference: JSONValue
    /// The sub-task the document belongs to (MMLU subject, BBH task), if the task has them.
    public var group: String?

    public init(index: Int, prompt: TaskPrompt, request: ItemRequest, reference: JSONValue = .null, group: String? = nil) {
        self.index = index
        self.prompt = prompt
        self.request = request
        self.reference = reference
        self.group = group
    }
}

/// A generated response's scores: each metric's values (one for most metrics; IFEval's
/// instruction-level metrics give one per instruction, averaged over all instructions), and the
/// answers the task extracted, by filter name.
public struct ResponseScore: Sendable, Equatable {
    public var values: [String: [Double]]
    public var extracted: [String: String]

    public init(values: [String: [Double]], extracted: [String: String] = [:]) {
        self.values = values
        self.extracted = extracted
    }
}

/// Settings that change a task's prompts.
public struct TaskOptions: Sendable {
    public var format: PromptFormat
    /// Few-shot examples per prompt; nil: the task's default.
    public var shots: Int?

    public init(format: PromptFormat = .lmEval, shots: Int? = nil) {
        self.format = format
        self.shots = shots
    }
}

/// A benchmark: how its documents become prompts and how answers are scored.
public protocol EvalTask: Sendable {
    var name: String { get }
    /// One line for `--help` and the task list.
    var summary: String { get }
    /// Reported metrics, headline first.
    func metrics(_ options: TaskOptions) -> [String]
    /// The few-shot count when `--shots` is not given.
    func defaultShots(_ options: TaskOptions) -> Int
    /// The most shots the task's exemplars allow (nil: no limit below the pool size).
    var maximumShots: Int? { get }
    func items(_ data: BenchmarkData, _ options: TaskOptions) throws -> [EvalItem]
    /// Each document's question as a training prompt would contain it if the document had leaked
    /// (the field open-instruct's decontamination matches: question, problem, prompt, input), in
    /// the order of `items`; for `rlvr contamination`.
    func documentTexts(_ data: BenchmarkData) throws -> [String]
    /// Scores a generated response (generative tasks).
    func score(response: String, item: EvalItem, options: TaskOptions) -> ResponseScore
    /// Also report `<metric>_macro`, the mean of the sub-tasks' means (MMLU subjects, BBH tasks).
    var reportsGroupAverage: Bool { get }
}

extension EvalTask {
    public var maximumShots: Int? { 0 }
    public var reportsGroupAverage: Bool { false }
    public func defaultShots(_ options: TaskOptions) -> Int { 0 }
    public func score(response: String, item: EvalItem, options: TaskOptions) -> ResponseScore { ResponseScore(values: [:]) }
}

/// The metrics of every multiple-choice task: accuracy of the most likely choice by summed
/// log-likelihood, and by log-likelihood per character of the choice (`acc_norm`).
public let multipleChoiceMetrics = ["acc", "acc_norm"]
