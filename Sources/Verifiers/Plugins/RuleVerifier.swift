import Foundation
import JSON
import TextPatterns

/// A verifier declared in a YAML file (`verifiers/*.yaml`), loaded by name like the built-ins:
///
///     name: multiple_choice
///     version: "1"
///     extract: {pattern: 'answer is \(?([A-E])\)?', group: 1, match: last}
///     normalize: [strip, lowercase]
///     compare: exact            # exact | numeric | one_of | set
///     tolerance: 1.0e-6          # numeric: |a − b| ≤ tolerance · max(1, |b|)
///     separator: ","             # set: how to split both sides
///     score: {correct: 1.0, wrong: 0.0, no_match: 0.0}
///
/// The extraction pattern is PCRE2 (bounded, safe on any input); without `extract` the whole response
/// is the answer. The ground truth is normalised the same way (for `one_of`: a JSON list, or text
/// split on "|").
public struct RuleVerifier: Verifier {
    public enum Normalization: String, Sendable, CaseIterable {
        case strip, lowercase, uppercase
        case collapseWhitespace = "collapse_whitespace"
        case removePunctuation = "remove_punctuation"
        case removeWhitespace = "remove_whitespace"
        /// Thousands separators, "$" and a trailing "." removed; the number printed canonically.
        case number
    }

    public enum Comparison: String, Sendable, CaseIterable {
        case exact, numeric
        case oneOf = "one_of"
        case set
    }

    public enum Occurrence: String, Sendable { case first, last }

    public let name: String
    public let version: String
    public let pattern: PCRE2Pattern?
    public let group: Int
    public let occurrence: Occurrence
    public let normalizations: [Normalization]
    public let comparison: Comparison
    public let tolerance: Double
    public let separator: String
    public let correctScore: Double, wrongScore: Double, noMatchScore: Double

    public init(name: String, version: String = "1", pattern: String? = nil, group: Int = 0, occurrence: Occurrence = .last,
                normalizations: [Normalization] = [.strip], comparison: Comparison = .exact, tolerance: Double = 1e-6,
                separator: String = ",", correctScore: Double = 1, wrongScore: Double = 0, noMatchScore: Double = 0) throws {
        self.name = name
        self.version = version
        self.pattern = try pattern.map { try PCRE2Pattern($0) }
        self.group = group
        self.occurrence = occurrence
        self.normalizations = normalizations
        self.comparison = comparison
        self.tolerance = tolerance
        self.separator = separator
        self.correctScore = correctScore
        self.wrongScore = wrongScore
        self.noMatchScore = noMatchScore
    }

    public func normalize(_ text: String) -> String {
        var s = text
        for step in normalizations {
            switch step {
            case .strip: s = PythonText.strip(s)
            case .lowercase: s = s.lowercased()
            case .uppercase: s = s.uppercased()
            case .collapseWhitespace: s = PythonText.split(s).joined(separator: " ")
            case .removePunctuation: s = String(String.UnicodeScalarView(s.unicodeScalars.filter { !$0.properties.generalCategory.isPunctuation }))
            case .removeWhitespace: s = PythonText.split(s).joined()
            case .number:
                var n = s.replacingOccurrences(of: ",", with: "").replacingOccurrences(of: "$", with: "")
                if n.hasSuffix(".") { n.removeLast() }
                if let value = Double(n) { s = value.rounded() == value && abs(value) < 1e15 ? String(Int(value)) : String(value) }
            }
        }
        return s
    }

    /// The answer the rule extracts, or nil when the pattern does not match.
    public func extract(_ response: String) -> String? {
        guard let pattern else { return response }
        guard let matches = try? pattern.captures(in: response), let chosen = occurrence == .last ? matches.last : matches.first,
              chosen.indices.contains(group) else { return nil }
        return chosen[group]
    }

    public func verify(response: String, groundTruth: GroundTruth, prompt: String?) -> Verdict {
        guard let raw = extract(response) else {
            return Verdict(score: noMatchScore, reason: "the pattern found no answer")
        }
        let answer = normalize(raw)
        let truths: [String]
        switch groundTruth {
        case .array(let values): truths = values.compactMap { $0.string ?? ($0.number.map { JSONValue.number($0).compactJSON }) }
        case .text(let text): truths = comparison == .oneOf ? text.components(separatedBy: "|") : [text]
        case .object: truths = [groundTruth.text]
        }
        let golds = truths.map(normalize)
        let matched: Bool
        switch comparison {
        case .exact: matched = golds.first == answer
        case .oneOf: matched = golds.contains(answer)
        case .numeric:
            if let a = Double(answer), let b = golds.first.flatMap(Double.init) {
                matched = abs(a - b) <= tolerance * max(1, abs(b))
            } else {
                matched = false
            }
        case .set:
            let split = { (s: String) in Set(s.components(separatedBy: separator).map(normalize).filter { !$0.isEmpty }) }
            matched = golds.first.map { split($0) == split(answer) } ?? false
        }
        return Verdict(score: matched ? correctScore : wrongScore,
                       reason: matched ? "\"\(answer.prefix(60))\" matches" : "\"\(answer.prefix(60))\" does not match \"\(golds.joined(separator: "|").prefix(60))\"",
                       extracted: answer)
    }
}

private extension Unicode.GeneralCategory {
    var isPunctuation: Bool {
        switch self {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation, .initialPunctuation,
             .finalPunctuation, .otherPunctuation: return true
        default: return false
        }
    }
}
