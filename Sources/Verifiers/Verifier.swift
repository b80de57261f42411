import JSON
/// The outcome of checking one response.
public struct Verdict: Equatable, Sendable, Codable {
    /// In [0, 1]: 1 or 0 for answer matchers, the fraction of instructions followed for IFEval.
    public var score: Double
    /// True when the response is fully correct (score 1).
    public var verified: Bool
    /// A short human-readable account: what was found and why it did or did not match.
    public var reason: String
    /// The answer the verifier extracted, if any.
    public var extracted: String?
    /// Verifier-specific facts (per-instruction results for IFEval, the candidate that matched, …).
    public var details: [String: VerdictDetail]

    public init(score: Double, reason: String, extracted: String? = nil, details: [String: VerdictDetail] = [:]) {
        self.score = min(1, max(0, score.isNaN ? 0 : score))
        self.verified = self.score >= 1
        self.reason = reason
        self.extracted = extracted
        self.details = details
    }

    public static func correct(_ reason: String, extracted: String?) -> Verdict {
        Verdict(score: 1, reason: reason, extracted: extracted)
    }

    public static func wrong(_ reason: String, extracted: String?) -> Verdict {
        Verdict(score: 0, reason: reason, extracted: extracted)
    }
}

/// A JSON-shaped value for verdict details.
public enum VerdictDetail: Equatable, Sendable, Codable {
    case text(String)
    case number(Double)
    case flag(Bool)
    case flags([Bool])
    case texts([String])

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .text(let v): try container.encode(v)
        case .number(let v): try container.encode(v)
        case .flag(let v): try container.encode(v)
        case .flags(let v): try container.encode(v)
        case .texts(let v): try container.encode(v)
        }
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let v = try? container.decode(Bool.self) { self = .flag(v) }
        else if let v = try? container.decode(Double.self) { self = .number(v) }
        else if let v = try? container.decode(String.self) { self = .text(v) }
        else if let v = try? container.decode([Bool].self) { self = .flags(v) }
        else { self = .texts(try container.decode([String].self)) }
    }
}

/// What a verifier checks a response against: a string (a number, a LaTeX answer, a full solution)
/// or structured data (IFEval's instruction ids and kwargs), as it came in the data row.
public enum GroundTruth: Equatable, Sendable {
    case text(String)
    case object([String: JSONValue])
    case array([JSONValue])

    /// The text form: the string itself, or compact JSON for structured values.
    public var text: String {
        switch self {
        case .text(let s): return s
        case .object(let o): return JSONValue.object(o).compactJSON
        case .array(let a): return JSONValue.array(a).compactJSON
        }
    }
}

/// A pure, deterministic check of a response against a ground truth. Implementations must be total
/// (any text, any length, any Unicode) and bounded in time, and must not throw: problems with the
/// input become a zero score with a reason.
public protocol Verifier: Sendable {
    /// The registry name (`gsm8k`, `math`, `ifeval`, …).
    var name: String { get }
    /// Changes whenever a verdict could change; recorded with every run.
    var version: String { get }
    func verify(response: String, groundTruth: GroundTruth, prompt: String?) -> Verdict
    /// Why this ground truth cannot be checked by this verifier (wrong kind of value, unknown
    /// instruction), or nil. Data is checked with it when it is read, so a mistake is an error that
    /// names the file and line rather than a silent zero (or a lucky one) for every answer.
    func groundTruthProblem(_ truth: GroundTruth) -> String?
}

extension Verifier {
    public func groundTruthProblem(_ truth: GroundTruth) -> String? { nil }
}

extension GroundTruth {
    /// "a JSON object", "a list", "text": for messages.
    public var kind: String {
        switch self {
        case .text: return "text"
        case .object: return "a JSON object"
        case .array: return "a list"
        }
    }

    /// For verifiers of a single answer (a number or an expression): text only.
    public func answerProblem(verifier: String) -> String? {
        if case .text = self { return nil }
        return "\(verifier) expects ground_truth as a number or a string, got \(kind)"
    }
}
