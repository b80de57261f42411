import Foundation

/// GSM8K answers: the number after the last `#### ` marker when there is one, else the last number in
/// the response; thousands separators removed, the sign kept; compared with the ground truth (a bare
/// number or a full GSM8K solution ending in `#### N`) as exact numbers, so 18.0 = 18.00 = 18.
/// `gsm8k_strict` requires the marker.
public struct GSM8KVerifier: Verifier {
    public let strict: Bool
    public var name: String { strict ? "gsm8k_strict" : "gsm8k" }
    public let version = "1.0.0"

    public init(strict: Bool = false) {
        self.strict = strict
    }

    /// `#### N` (spaces optional, `$` and commas allowed inside N).
    static let marker = #"####\s*\$?\s*([-+−]?\s?[0-9][0-9,]*(?:\.[0-9]+)?|[-+−]?\.[0-9]+)"#
    /// Any number: an optional sign directly before it, digits with commas between digits (removed,
    /// as open-instruct and lm-eval remove them, even in an irregular grouping like "12,34"), decimals.
    static let number = #"(?<![0-9.])([-−]?[0-9]+(?:,[0-9]+)*(?:\.[0-9]+)?|[-−]?\.[0-9]+)"#

    /// The last `#### N`, else nil.
    public static func markedAnswer(_ text: String) -> String? {
        guard let pattern = try? TextPatternsBridge.pattern(marker) else { return nil }
        return (try? pattern.captures(in: text))?.last.map { $0[1] }
    }

    /// The last number in the text.
    public static func lastNumber(_ text: String) -> String? {
        guard let pattern = try? TextPatternsBridge.pattern(number) else { return nil }
        return (try? pattern.captures(in: text))?.last.map { $0[1] }
    }

    /// "1,234.50" → 123450/100; "-18" → −18; nil if not a number.
    public static func value(_ text: String) -> ExactAnswer? {
        var s = text.replacingOccurrences(of: " ", with: "").replacingOccurrences(of: "−", with: "-")
        if s.hasPrefix("+") { s.removeFirst() }
        s = s.replacingOccurrences(of: ",", with: "")
        if s.hasSuffix(".") { s.removeLast() }
        return ExactAnswer.parse(s)
    }

    public static func goldNumber(_ truth: String) -> String? {
        if let marked = markedAnswer(truth) { return marked }
        let trimmed = truth.trimmingCharacters(in: .whitespacesAndNewlines)
        return value(trimmed) != nil ? trimmed : lastNumber(trimmed)
    }

    public func groundTruthProblem(_ truth: GroundTruth) -> String? { truth.answerProblem(verifier: name) }

    public func verify(response: String, groundTruth: GroundTruth, prompt: String?) -> Verdict {
        guard let goldText = Self.goldNumber(groundTruth.text), let gold = Self.value(goldText) else {
            return .wrong("the ground truth has no number", extracted: nil)
        }
        let found = Self.markedAnswer(response) ?? (strict ? nil : Self.lastNumber(response))
        guard let found else {
            return .wrong(strict ? "no \"#### N\" answer line" : "no number in the response", extracted: nil)
        }
        guard let value = Self.value(found) else { return .wrong("\"\(found)\" is not a number", extracted: found) }
        return value == gold ? .correct("\(found) equals \(goldText)", extracted: found)
                             : .wrong("\(found) differs from \(goldText)", extracted: found)
    }
}
