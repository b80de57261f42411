/// Where the examples come from and how rows are read.
public struct DataSection: RunConfigSection, Equatable {
    /// JSONL file of training rows. Required.
    public var train: String?
    /// JSONL file of held-out rows; when absent, `eval_fraction` of `train` is held out.
    public var eval: String?
    /// Fraction of the training rows held out for evaluation when `eval` is absent.
    public var evalFraction: Double
    /// Longest tokenized example; longer ones are truncated (and counted).
    public var maxLength: Int
    /// Skip (and count) malformed rows instead of stopping at the first one.
    public var skipInvalid: Bool
    public var fields: FieldNames

    /// Column names in the JSONL rows, for data sets that name them differently.
    public struct FieldNames: RunConfigSection, Equatable {
        public var messages = "messages"
        public var prompt = "prompt"
        public var completion = "completion"
        public var chosen = "chosen"
        public var rejected = "rejected"
        public var groundTruth = "ground_truth"
        public var dataset = "dataset"

        enum CodingKeys: String, CodingKey {
            case messages, prompt, completion, chosen, rejected
            case groundTruth = "ground_truth"
            case dataset
        }

        public init() {}

        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            let d = Self()
            messages = try c.value(.messages, or: d.messages)
            prompt = try c.value(.prompt, or: d.prompt)
            completion = try c.value(.completion, or: d.completion)
            chosen = try c.value(.chosen, or: d.chosen)
            rejected = try c.value(.rejected, or: d.rejected)
            groundTruth = try c.value(.groundTruth, or: d.groundTruth)
            dataset = try c.value(.dataset, or: d.dataset)
        }

        public func problems() -> [ConfigProblem] {
            let named: [(CodingKeys, String)] = [(.messages, messages), (.prompt, prompt), (.completion, completion), (.chosen, chosen),
                                                 (.rejected, rejected), (.groundTruth, groundTruth), (.dataset, dataset)]
            return named.filter { $0.1.isEmpty }.map { ConfigProblem($0.0.rawValue, "a field name cannot be empty") }
        }
    }

    enum CodingKeys: String, CodingKey {
        case train, eval
        case evalFraction = "eval_fraction"
        case maxLength = "max_length"
        case skipInvalid = "skip_invalid"
        case fields
    }

    public init() {
        train = nil
        eval = nil
        evalFraction = 0.0
        maxLength = 2048
        skipInvalid = false
        fields = FieldNames()
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = Self()
        train = try c.decodeIfPresent(String.self, forKey: .train)
        eval = try c.decodeIfPresent(String.self, forKey: .eval)
        evalFraction = try c.value(.evalFraction, or: d.evalFraction)
        maxLength = try c.value(.maxLength, or: d.maxLength)
        skipInvalid = try c.value(.skipInvalid, or: d.skipInvalid)
        fields = try c.value(.fields, or: d.fields)
    }

    public func problems() -> [ConfigProblem] {
        var found: [ConfigProblem] = []
        if train?.isEmpty ?? true { found.append(ConfigProblem("train", "required: a JSONL file of training rows")) }
        if !(0.0..<1.0).contains(evalFraction) { found.append(ConfigProblem("eval_fraction", "expected a fraction in [0, 1), got \(evalFraction)")) }
        if maxLength < 2 { found.append(ConfigProblem("max_length", "expected at least 2 tokens, got \(maxLength)")) }
        found += fields.problems().map { $0.inSection("fields") }
        return found
    }
}
