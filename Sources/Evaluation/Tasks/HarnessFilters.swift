import Verifiers

/// lm-evaluation-harness's answer filters and `exact_match` metric, as its task files configure them.
public enum HarnessFilters {
    /// lm-eval's `RegexFilter` then `take_first`: `re.findall(pattern, response)`, the match at
    /// `groupSelect` (negative from the end); with several groups the first non-empty one; stripped.
    /// No match: `[invalid]`.
    public static func regex(_ pattern: String, groupSelect: Int = 0, _ response: String) -> String {
        guard let compiled = try? TextPatternsBridge.pattern(pattern), let found = try? compiled.captures(in: response), !found.isEmpty else { return "[invalid]" }
        let index = groupSelect >= 0 ? groupSelect : found.count + groupSelect
        guard found.indices.contains(index) else { return "[invalid]" }
        let groups = found[index]
        // findall: no groups → the whole match; one group → it; several → the first non-empty.
        let chosen: String
        switch groups.count {
        case 1: chosen = groups[0]
        case 2: chosen = groups[1]
        default: chosen = groups.dropFirst().first { !$0.isEmpty } ?? "[invalid]"
        }
        return PythonText.strip(chosen)
    }

    /// lm-eval's `exact_match` (HF `evaluate`): each `ignore` pattern deleted (`re.sub`) from both
    /// strings in order, optionally lower-cased, then compared.
    public static func exactMatch(_ prediction: String, _ reference: String, ignore: [String], ignoreCase: Bool) -> Bool {
        func clean(_ text: String) -> String {
            var out = text
            for pattern in ignore {
                if let compiled = try? TextPatternsBridge.pattern(pattern), let replaced = try? compiled.replacing(in: out, { _ in "" }) { out = replaced }
            }
            return ignoreCase ? out.lowercased() : out
        }
        return clean(prediction) == clean(reference)
    }

    /// GSM8K's `regexes_to_ignore` in lm-eval's `gsm8k` and `gsm8k_cot`.
    public static let gsm8kIgnore = [",", "\\$", "(?s).*#### ", "\\.$"]
    /// `strict-match` of `gsm8k`: the number after `#### `.
    public static let gsm8kStrict = "#### (\\-?[0-9\\.\\,]+)"
    /// `strict-match` of `gsm8k_cot`: the number in "The answer is N."
    public static let gsm8kCoTStrict = "The answer is (\\-?[0-9\\.\\,]+)."
    /// `flexible-extract` of both: the last number-like run.
    public static let gsm8kFlexible = "(-?[$0-9.,]{2,})|(-?[0-9]+)"
}
