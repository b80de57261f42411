import Foundation

/// MATH answers, Tulu 3 "flex" style (open-instruct's MathVerifier order): candidates are the last
/// `\boxed{}` / `\fbox{}` (brace-matched), the Minerva "Final Answer: The final answer is …" line, the
/// last `$…$`, and the whole output. A candidate matches the ground truth (its own last `\boxed{}` if
/// it is a full solution) when their Minerva normalisations are equal, or Hendrycks' `is_equiv` holds,
/// or both read as the same exact number r·√s. `math_strict` takes only the Minerva line.
public struct MathVerifier: Verifier {
    public enum Mode: Sendable { case flex, strict }

    public let mode: Mode
    public var name: String { mode == .flex ? "math" : "math_strict" }
    public let version = "1.0.0"

    public init(mode: Mode = .flex) {
        self.mode = mode
    }

    /// The answer in a reference solution or answer string.
    public static func goldAnswer(_ truth: String) -> String {
        if let boxed = BoxedAnswer.lastBoxed(truth), let inner = BoxedAnswer.contents(of: boxed) { return inner }
        return truth.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    public func candidates(_ response: String) -> [(kind: String, text: String)] {
        var found: [(String, String)] = []
        if mode == .strict {
            if let line = BoxedAnswer.minervaFinalAnswer(response) { found.append(("minerva", line)) }
            return found
        }
        if let boxed = BoxedAnswer.lastBoxed(response), let inner = BoxedAnswer.contents(of: boxed) { found.append(("boxed", inner)) }
        if let line = BoxedAnswer.minervaFinalAnswer(response) { found.append(("minerva", line)) }
        if let math = BoxedAnswer.lastDollarMath(response) { found.append(("dollars", math)) }
        found.append(("whole", response))
        return found
    }

    /// How `candidate` matches `gold`, or nil.
    public static func match(_ candidate: String, _ gold: String) -> String? {
        // Final answers are short; normalising megabytes of a runaway box would only cost time.
        guard candidate.utf8.count <= 4_096, gold.utf8.count <= 4_096 else { return nil }
        let a = MinervaNormalization.normalize(candidate), b = MinervaNormalization.normalize(gold)
        if !a.isEmpty && a == b { return "Minerva-normalised strings equal" }
        if HendrycksNormalization.isEquivalent(candidate, gold) { return "Hendrycks-normalised strings equal" }
        let readings = [candidate, a, (try? HendrycksNormalization.strip(candidate)) ?? candidate].compactMap(ExactAnswer.parse)
        let goldReadings = [gold, b, (try? HendrycksNormalization.strip(gold)) ?? gold].compactMap(ExactAnswer.parse)
        if let value = readings.first, goldReadings.contains(value) { return "equal as exact numbers" }
        return nil
    }

    public func groundTruthProblem(_ truth: GroundTruth) -> String? { truth.answerProblem(verifier: name) }

    public func verify(response: String, groundTruth: GroundTruth, prompt: String?) -> Verdict {
        let gold = Self.goldAnswer(groundTruth.text)
        guard !gold.isEmpty else { return .wrong("the ground truth is empty", extracted: nil) }
        // Very long outputs: the whole-output candidate is only compared when short.
        let all = candidates(response).filter { $0.kind != "whole" || $0.text.count <= 1_000 }
        guard let first = all.first else {
            return .wrong(mode == .strict ? "no \"Final Answer: The final answer is … I hope it is correct.\" line" : "no answer found", extracted: nil)
        }
        for candidate in all {
            if let how = Self.match(candidate.text, gold) {
                var verdict = Verdict.correct("\(candidate.kind) answer \(candidate.text.prefix(80)): \(how)", extracted: candidate.text)
                verdict.details["candidate"] = .text(candidate.kind)
                return verdict
            }
        }
        return .wrong("\(first.kind) answer \(first.text.prefix(80)) does not match \(gold.prefix(80))", extracted: first.text)
    }
}
