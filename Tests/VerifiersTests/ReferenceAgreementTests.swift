import Foundation
import Testing
import Verifiers

private func fixtureRows(_ name: String) throws -> [[String: Any]] {
    let base = try #require(Bundle.module.resourceURL)
    let data = try Data(contentsOf: base.appendingPathComponent("Fixtures").appendingPathComponent(name))
    return try data.split(separator: UInt8(ascii: "\n")).map { line in
        try #require(try JSONSerialization.jsonObject(with: Data(line)) as? [String: Any])
    }
}

/// The verifiers against real model output and the Python references
/// (`scripts/make_math_verifier_fixtures.py`: lm-eval 0.4.13, math-verify 0.9.0).
@Suite struct ReferenceAgreementTests {
    /// 600 labelled GPT-3 GSM8K solutions: the verdict equals OpenAI's label on every row.
    @Test func gsm8kAgreesWithOpenAIsLabels() throws {
        let verifier = GSM8KVerifier()
        var disagreements: [String] = []
        let rows = try fixtureRows("gsm8k_model_solutions.jsonl")
        for row in rows {
            let verdict = verifier.verify(response: row["response"] as? String ?? "", groundTruth: .text(row["answer_number"] as? String ?? ""), prompt: nil)
            if verdict.verified != (row["openai_is_correct"] as? Bool) { disagreements.append("\(row["id"] ?? "?"): \(verdict.reason)") }
            // The full gold solution works as the ground truth too.
            if let solution = row["answer"] as? String {
                let again = verifier.verify(response: row["response"] as? String ?? "", groundTruth: .text(solution), prompt: nil)
                #expect(again.verified == verdict.verified)
            }
        }
        #expect(rows.count == 600)
        #expect(disagreements.isEmpty, "\(disagreements.count) disagreements, e.g. \(disagreements.prefix(3))")
    }

    /// The designed GSM8K cases: wherever lm-eval's flexible-extract or open-instruct's current
    /// verifier verifies, so does ours; the rest are differences by design (numeric equality:
    /// "18.0" = 18), listed here.
    @Test func gsm8kDesignedCasesAgainstTheReferences() throws {
        let verifier = GSM8KVerifier()
        var missed: [String] = []
        for row in try fixtureRows("gsm8k_reference_verdicts.jsonl") {
            let verdict = verifier.verify(response: row["response"] as? String ?? "", groundTruth: .text(row["gold"] as? String ?? ""), prompt: nil)
            let referenceYes = (row["open_instruct"] as? Bool ?? false) && (row["flexible_exact_match"] as? Bool ?? false)
            if referenceYes && !verdict.verified { missed.append("\(row["id"] ?? "?"): \(row["why"] ?? "") — \(verdict.reason)") }
        }
        #expect(missed.isEmpty, "\(missed)")
    }

    /// MATH-500: every reference solution verifies against its own answer, and the extracted box is
    /// the answer exactly.
    @Test func math500SolutionsVerify() throws {
        let verifier = MathVerifier()
        var failures: [String] = []
        let rows = try fixtureRows("math500.jsonl")
        for row in rows {
            let solution = row["solution"] as? String ?? "", answer = row["answer"] as? String ?? ""
            let verdict = verifier.verify(response: solution, groundTruth: .text(answer), prompt: nil)
            if !verdict.verified { failures.append("\(row["unique_id"] ?? "?"): \(verdict.reason)") }
            #expect(BoxedAnswer.lastBoxed(solution).flatMap { BoxedAnswer.contents(of: $0) } == answer)
        }
        #expect(rows.count == 500)
        #expect(failures.isEmpty, "\(failures.count) failures, e.g. \(failures.prefix(3))")
    }

    /// Extraction and both normalisations reproduce the Python reference strings exactly, on the
    /// MATH-500 solutions, the verifiers.md table and the adversarial cases.
    @Test func normalisationsMatchThePythonReferenceStrings() throws {
        var mismatches: [String] = []
        for row in try fixtureRows("math_reference_verdicts.jsonl") {
            let id = row["id"] as? String ?? "?"
            let response = row["response"] as? String ?? "", gold = row["gold"] as? String ?? ""
            let lastBoxed = row["last_boxed"] as? String
            if BoxedAnswer.lastBoxed(response) != lastBoxed { mismatches.append("\(id): last_boxed") }
            for (key, input) in [("minerva_normalized_gold", gold)] + ((row["extracted"] as? String).map { [("minerva_normalized_pred", $0)] } ?? []) {
                if let want = row[key] as? String, MinervaNormalization.normalize(input) != want {
                    mismatches.append("\(id): \(key) \(MinervaNormalization.normalize(input)) vs \(want)")
                }
            }
            if let want = row["hendrycks_equiv"] as? Bool, let pred = row["extracted"] as? String,
               HendrycksNormalization.isEquivalent(pred, gold) != want {
                mismatches.append("\(id): hendrycks_equiv")
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.count): \(mismatches.prefix(5))")
    }

    /// Where a string-level reference (Minerva string equality or Hendrycks is_equiv) verifies the
    /// boxed answer, the flex verifier does too.
    @Test func mathVerifiesWhateverTheStringReferencesVerify() throws {
        let verifier = MathVerifier()
        var missed: [String] = []
        for row in try fixtureRows("math_reference_verdicts.jsonl") {
            let referenceYes = (row["minerva_string_equal"] as? Bool ?? false) || (row["hendrycks_equiv"] as? Bool ?? false)
            guard referenceYes, row["extracted"] is String else { continue }
            let verdict = verifier.verify(response: row["response"] as? String ?? "", groundTruth: .text(row["gold"] as? String ?? ""), prompt: nil)
            if !verdict.verified { missed.append("\(row["id"] ?? "?"): \(row["why"] ?? "")") }
        }
        #expect(missed.isEmpty, "\(missed)")
    }
}

/// JSON as Python's `json.loads` reads it (the json_format instructions): 1,444 texts — edge cases
/// (trailing commas, comments, quotes, NaN/Infinity, control characters, escapes, numbers,
/// whitespace, depth) and mutations of random documents — with the verdicts Python gave
/// (`scripts/make_python_json_cases.py`).
@Suite struct PythonJSONAgreementTests {
    @Test func jsonFormatAgreesWithPythonJSONLoads() throws {
        let rows = try fixtureRows("python_json_cases.jsonl")
        #expect(rows.count > 1000)
        let tulu = IFEvalTuluVerifier()
        var disagreements: [String] = []
        for row in rows {
            let text = try #require(row["text"] as? String), valid = try #require(row["valid"] as? Bool)
            let verdict = tulu.verify(response: text, groundTruth: .object(["func_name": .string("validate_json_format")]), prompt: nil)
            if verdict.verified != valid { disagreements.append("\(valid ? "valid" : "invalid") in Python: \(text.debugDescription.prefix(80))") }
        }
        #expect(disagreements.isEmpty, "\(disagreements.count) disagreements, e.g. \(disagreements.prefix(5))")
    }
}
