import Foundation
import JSON

/// Tulu 3's RLVR instruction-following data in the "old" format: the ground truth is JSON
/// `{"func_name": …, <kwargs>}` naming one of open-instruct's 25 `if_functions` (null kwargs are
/// dropped). Each function is implemented as intended, with the upstream bugs fixed:
/// - `validate_placeholders` returned a tuple (always truthy) in the Tulu 3 code: here it returns the
///   comparison (open-instruct PR #587);
/// - `validate_choice` tested `text in option`: here `option in text` (PR #1683);
/// - `validate_frequency_capital_words` "around" meant exactly N: here |count − N| ≤ max(round(0.1·N), 1),
///   as `validate_word_constraint`'s "around";
/// - a bad argument (a letter that is not one character, an undetectable language) raised: here it
///   fails the check with the reason.
public struct IFEvalTuluVerifier: Verifier {
    public let name = "ifeval_tulu"
    public let version = "1.0.0"

    public init() {}

    public static let functions = [
        "verify_keywords", "verify_keyword_frequency", "validate_forbidden_words", "verify_letter_frequency",
        "validate_response_language", "verify_paragraph_count", "validate_word_constraint", "verify_sentence_constraint",
        "validate_paragraphs", "verify_postscript", "validate_placeholders", "verify_bullet_points", "validate_title",
        "validate_choice", "validate_highlighted_sections", "validate_sections", "validate_json_format",
        "validate_repeat_prompt", "validate_two_responses", "validate_uppercase", "validate_lowercase",
        "validate_frequency_capital_words", "validate_end", "validate_quotation", "validate_no_commas",
    ]

    struct Failure: Error, CustomStringConvertible { let description: String }

    public func groundTruthProblem(_ truth: GroundTruth) -> String? {
        let object: [String: JSONValue]?
        switch truth {
        case .object(let o): object = o
        case .text(let t): object = JSONValue.parse(t)?.object
        case .array(let a): object = a.first?.object
        }
        guard let function = object?["func_name"]?.string else { return "\(name) expects ground_truth {\"func_name\": …, arguments}, got \(truth.kind) without func_name" }
        guard Self.functions.contains(function) else { return "\(name): unknown func_name \"\(function)\"" }
        return nil
    }

    public func verify(response: String, groundTruth: GroundTruth, prompt: String?) -> Verdict {
        let truth: [String: JSONValue]
        switch groundTruth {
        case .object(let o): truth = o
        case .text(let t):
            guard let parsed = JSONValue.parse(t)?.object else { return .wrong("the ground truth is not a JSON object", extracted: nil) }
            truth = parsed
        case .array(let a):
            guard let first = a.first?.object else { return .wrong("the ground truth is not a JSON object", extracted: nil) }
            truth = first
        }
        guard let function = truth["func_name"]?.string else { return .wrong("the ground truth has no func_name", extracted: nil) }
        let args = truth.filter { $0.key != "func_name" && !$0.value.isNull }
        do {
            let passed = try Self.check(function, args, response)
            return Verdict(score: passed ? 1 : 0, reason: "\(function): \(passed ? "followed" : "not followed")")
        } catch {
            return .wrong("\(function): \(error)", extracted: nil)
        }
    }

    static func check(_ function: String, _ args: [String: JSONValue], _ text: String) throws -> Bool {
        func int(_ key: String) throws -> Int {
            guard let value = args[key]?.int else { throw Failure(description: "argument \(key) is missing or not an integer") }
            return value
        }
        func string(_ key: String) throws -> String {
            guard let value = args[key]?.string else { throw Failure(description: "argument \(key) is missing or not a string") }
            return value
        }
        func strings(_ key: String) throws -> [String] {
            guard let value = args[key]?.array?.compactMap(\.string) else { throw Failure(description: "argument \(key) is missing or not a list") }
            return value
        }
        func quantified(_ count: Int, _ n: Int, around tolerance: Int) throws -> Bool {
            switch try string("quantifier") {
            case "at least": return count >= n
            case "at most": return count <= n
            case "around": return abs(count - n) <= tolerance
            case let other: throw Failure(description: "unknown quantifier \"\(other)\" (at least, at most, around)")
            }
        }
        let lower = text.lowercased()
        switch function {
        case "verify_keywords":
            return try strings("keyword_list").allSatisfy { lower.contains($0.lowercased()) }
        case "verify_keyword_frequency":
            let word = try string("word").lowercased()
            return PythonRegex.findAll(#"\b\w+\b"#, lower).filter { $0 == word }.count == (try int("N"))
        case "validate_forbidden_words":
            return try !strings("forbidden_words").contains { lower.contains($0.lowercased()) }
        case "verify_letter_frequency":
            let letter = try string("letter")
            guard letter.unicodeScalars.count == 1 else { throw Failure(description: "letter must be one character, got \"\(letter)\"") }
            return text.components(separatedBy: letter).count - 1 == (try int("N"))
        case "validate_response_language":
            guard let detected = LanguageDetector.shared.detect(text) else { throw Failure(description: "no language could be detected") }
            return detected == (try string("language"))
        case "verify_paragraph_count":
            let cleaned = PythonText.strip(text.components(separatedBy: .newlines).map(PythonText.strip).joined(separator: "\n"))
            let paragraphs = cleaned.components(separatedBy: "* * *")
            guard paragraphs.allSatisfy({ !PythonText.strip($0).isEmpty }) else { return false }
            return paragraphs.count == (try int("N"))
        case "validate_word_constraint":
            let n = try int("N")
            return try quantified(PythonText.split(PythonText.strip(text)).count, n, around: max(Int((0.1 * Double(n)).rounded()), 1))
        case "verify_sentence_constraint":
            let sentences = PythonRegex.split(#"(?<!\w\.\w.)(?<![A-Z][a-z]\.)(?<=\.|\?|!)\s"#, text)
            return try quantified(sentences.count, try int("N"), around: 1)
        case "validate_paragraphs":
            let paragraphs = text.components(separatedBy: "\n\n")
            let i = try int("i")
            guard paragraphs.count == (try int("N")), i >= 1, i <= paragraphs.count else { return false }
            return PythonText.strip(paragraphs[i - 1]).hasPrefixScalars(try string("first_word"))
        case "verify_postscript":
            let marker = try string("postscript_marker")
            guard let range = text.range(of: marker) else { return false }
            return PythonText.length(PythonText.strip(String(text[range.lowerBound...]))) > PythonText.length(marker)
        case "validate_placeholders":
            return PythonRegex.findAll(#"\[(.*?)\]"#, text).count >= (try int("N"))
        case "verify_bullet_points":
            let bullets = text.components(separatedBy: "\n").map(PythonText.strip).filter { $0.hasPrefix("*") || $0.hasPrefix("-") }
            return bullets.count == (try int("N"))
        case "validate_title":
            return !PythonRegex.findAll(#"<<(.*?)>>"#, text).isEmpty
        case "validate_choice":
            return try strings("options").contains { text.contains($0) }
        case "validate_highlighted_sections":
            return PythonRegex.findAll(#"\*(.*?)\*"#, text).count >= (try int("N"))
        case "validate_sections":
            var sections = text.components(separatedBy: try string("section_splitter"))
            if sections.first == "" { sections.removeFirst() }
            return sections.count == (try int("N"))
        case "validate_json_format":
            return PythonJSON.isValid(text)
        case "validate_repeat_prompt":
            return text.hasPrefixScalars(try string("original_prompt"))
        case "validate_two_responses":
            let parts = text.components(separatedBy: "******")
            return parts.count == 2 && PythonText.strip(parts[0]) != PythonText.strip(parts[1])
        case "validate_uppercase":
            return text == text.uppercased()
        case "validate_lowercase":
            return text == text.lowercased()
        case "validate_frequency_capital_words":
            let n = try int("N")
            return try quantified(PythonRegex.findAll(#"\b[A-Z]+\b"#, text).count, n, around: max(Int((0.1 * Double(n)).rounded()), 1))
        case "validate_end":
            return text.hasSuffixScalars(try string("end_phrase"))
        case "validate_quotation":
            return text.hasPrefix("\"") && text.hasSuffix("\"")
        case "validate_no_commas":
            return !text.contains(",")
        default:
            throw Failure(description: "unknown func_name (known: \(functions.joined(separator: ", ")))")
        }
    }
}
